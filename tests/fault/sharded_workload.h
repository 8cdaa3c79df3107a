// The cluster fault campaign's clients: writers that route by MOVED the way cluster clients do (a cached
// owner per key, refreshed by redirections and, after an error, by asking another node), appending
// sequenced values to keys spread over every master's slots, and the per-key (hence per-slot) read-back.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "history.h"
#include "workload.h"

namespace fault {

struct ShardedWorkloadOptions {
  std::vector<Endpoint> nodes;  // every node of the cluster, for discovery
  int clients = 4;
  int keys = 12;          // "fault:k<i>", i < keys; Op::client is the key's index
  int wait_replicas = 0;  // > 0: every write is followed by WAIT <n> <wait_timeout_ms>
  int wait_timeout_ms = 1000;
  int op_timeout_ms = 1000;
  int pause_us = 1000;
};

std::string key_name(int key);

// Sends `args` (whose key is args[1]) starting at `start`, following MOVED (up to 5 hops); after an I/O
// error or a -CLUSTERDOWN / -TRYAGAIN tries the next node of `nodes`. Returns the final reply and, in
// `served_by`, the node that gave it. Used by the campaign's probes and the read-back.
harness::Reply routed(const std::vector<Endpoint>& nodes, const std::vector<std::string>& args,
                      Endpoint start, Endpoint* served_by, std::chrono::milliseconds timeout);

class ShardedWorkload {
 public:
  ShardedWorkload(ShardedWorkloadOptions opts, std::function<int64_t()> now_ms);
  ~ShardedWorkload();
  void start();
  void stop();
  const History& writes() const { return writes_; }
  int64_t acknowledged() const { return acked_.load(); }

 private:
  void writer(int client);

  ShardedWorkloadOptions opts_;
  std::function<int64_t()> now_ms_;
  History writes_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> acked_{0};
  std::vector<std::thread> threads_;
};

// Every key's list (LRANGE 0 -1) from the node serving it; empty map when one could not be read.
std::map<int, std::vector<int64_t>> read_back_keys(const std::vector<Endpoint>& nodes, int keys);

}  // namespace fault
