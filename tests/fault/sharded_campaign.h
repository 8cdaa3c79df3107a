// The cluster fault campaign: a seeded sequence of faults on the masters of a ShardedCluster while the
// writers run. Each fault: pick a master, break it (SIGKILL, SIGSTOP, or cut it from every other node),
// probe its slots through its replica until a node other than the old master accepts a write (the time
// to writable), measure how long the old master itself kept accepting writes (partitions), then restore
// it (restart, SIGCONT, heal) and wait until the cluster is healthy with the old master as a replica.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "sharded.h"

namespace fault {

enum class ShardFault { kKillMaster, kStopMaster, kPartitionMaster };
const char* shard_fault_name(ShardFault f);

struct ShardFaultRecord {
  ShardFault type = ShardFault::kKillMaster;
  int master = -1;   // node index of the broken master
  int replica = -1;  // its replica, expected to take over
  Endpoint master_ep;
  int64_t start_ms = 0;
  int64_t end_ms = 0;                    // restored (restart / SIGCONT / heal)
  int64_t writable_ms = -1;              // fault -> first write accepted by another node for the slots
  bool failover_completed = false;       // writable again and the replica says it is master
  int64_t old_master_accepting_ms = -1;  // partitions: fault -> last write the old master accepted
  bool old_master_rejoined = false;      // a replica again once the cluster is healthy
  bool healthy_after = false;
};

struct ShardCampaignOptions {
  int faults = 6;
  std::vector<ShardFault> kinds;  // each once per round, the order shuffled by the seed
  uint64_t seed = 1;
  int64_t failover_timeout_ms = 30000;
  int64_t healthy_timeout_ms = 60000;
};

class ShardCampaign {
 public:
  ShardCampaign(ShardedCluster& cluster, ShardCampaignOptions opts, std::function<int64_t()> now_ms,
                std::function<void(const std::string&)> log);
  void run();
  const std::vector<ShardFaultRecord>& records() const { return records_; }

 private:
  ShardFaultRecord apply(ShardFault type);
  // A key served by `master` right now ("" when none was found).
  std::string key_served_by(int master);

  ShardedCluster& cluster_;
  ShardCampaignOptions opts_;
  std::function<int64_t()> now_ms_;
  std::function<void(const std::string&)> log_;
  std::mt19937_64 rng_;
  std::vector<ShardFaultRecord> records_;
};

}  // namespace fault
