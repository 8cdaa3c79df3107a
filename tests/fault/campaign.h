// The fault schedule: a seeded sequence of kills, stops, restarts and partitions applied to a Cluster
// while the workload runs, and what became of each fault (did the expected failover complete, how long
// it took, did the cluster come back healthy).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "cluster.h"

namespace fault {

enum class FaultType {
  kKillMaster,      // SIGKILL the master; restart it once the sentinels have promoted another node
  kRestartMaster,   // SIGKILL the master and restart it at once (a crash loop faster than down-after)
  kStopMaster,      // SIGSTOP the master until a failover, then SIGCONT: it wakes up believing it is master
  kKillReplica,     // SIGKILL a replica, restart it a second later
  kKillSentinel,    // SIGKILL a sentinel, restart it a second later
  kStopSentinel,    // SIGSTOP a sentinel for 3 s (it enters TILT when it wakes)
  kIsolateMaster,   // partition: master alone, cut from replicas and sentinels; clients still reach it
  kIsolateReplica,  // partition: one replica alone
  kMinorityMaster,  // partition: master and one sentinel on the minority side
  kBounceMaster,    // SIGKILL the master, restart it just after down-after: it is back mid-failover
  kDemotedMaster,   // the replaced master returns at once after the failover (restarted after SIGKILL,
                    // or SIGCONT after SIGSTOP, alternately) and lives 3 s before the cluster is healed:
                    // clients still connected to it are where async writes get lost
};
const char* fault_name(FaultType t);
// The type named `name` ("kill-master", ...), or nothing.
std::optional<FaultType> fault_by_name(const std::string& name);

struct FaultRecord {
  FaultType type = FaultType::kKillMaster;
  std::string target;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  bool failover_expected = false;
  bool failover_completed = false;
  int64_t failover_ms = -1;  // fault to the sentinels agreeing on a new master
  bool healthy_after = false;
};

struct CampaignOptions {
  int kills = 10;       // process faults (the first six types)
  int partitions = 0;   // network faults (netns only)
  std::vector<FaultType> only;  // when not empty: draw every fault from these (to replay one kind)
  uint64_t seed = 1;
  std::chrono::milliseconds failover_timeout{30000};
  std::chrono::milliseconds healthy_timeout{60000};
};

class Campaign {
 public:
  Campaign(Cluster& cluster, CampaignOptions opts, std::function<int64_t()> now_ms,
           std::function<void(const std::string&)> log);
  void run();
  const std::vector<FaultRecord>& records() const { return records_; }

 private:
  std::vector<FaultType> schedule();
  FaultRecord apply(FaultType type);
  // Waits for the sentinels to agree on a master other than `old_master`; fills the failover fields.
  void await_failover(int old_master, FaultRecord& r);
  // Brings every node back (SIGCONT, restart, heal) and waits for health; fills healthy_after.
  void recover(FaultRecord& r);
  int pick(const std::vector<int>& from);
  std::vector<int> except(const std::vector<int>& all, const std::vector<int>& removed) const;

  Cluster& cluster_;
  CampaignOptions opts_;
  std::function<int64_t()> now_ms_;
  std::function<void(const std::string&)> log_;
  std::mt19937_64 rng_;
  std::vector<FaultRecord> records_;
};

}  // namespace fault
