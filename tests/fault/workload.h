// The fault suite's clients: writer threads that find the master through the sentinels the way client
// libraries with Sentinel support do, and a prober that writes to every node directly.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "history.h"

namespace fault {

struct Endpoint {
  std::string host;
  int port = 0;
  std::string str() const { return host + ":" + std::to_string(port); }
  bool operator==(const Endpoint&) const = default;
};

struct WorkloadOptions {
  std::vector<Endpoint> sentinels;
  std::string master_name = "mymaster";
  std::string password;  // AUTH on data nodes (sentinels are asked without one)
  int clients = 4;
  int wait_replicas = 0;  // > 0: every write is followed by WAIT <wait_replicas> <wait_timeout_ms>
  int wait_timeout_ms = 1000;
  int op_timeout_ms = 1000;  // socket timeout of every request
  int pause_us = 1000;  // between two writes of one client
  int probe_interval_ms = 100;
};

// Writer client i, forever until stop():
//   discover: ask the sentinels in turn `SENTINEL get-master-addr-by-name`, connect, AUTH, check that
//   `ROLE` says master (else retry after 100 ms);
//   write: `RPUSH fault:c<i> <seq>` (then WAIT when asked); record the Op; on an error or I/O failure,
//   close and discover again. seq increases by one per attempt, acknowledged or not.
// Prober: every probe_interval_ms, `SET fault:probe <now>` on every node in `nodes` (own connections,
// reconnected on failure), recorded with client = -1 - node index. One prober thread per node, so that
// a stopped node (which holds a probe for op_timeout_ms) does not delay the probes of the others.
// stop() shuts down every socket in use, so a thread blocked on a reply (a long WAIT) returns at once.
class Workload {
 public:
  Workload(WorkloadOptions opts, std::function<int64_t()> now_ms);
  ~Workload();  // stops
  void start(const std::vector<Endpoint>& nodes);
  void stop();
  const History& writes() const { return writes_; }
  const History& probes() const { return probes_; }
  int64_t acknowledged() const { return acked_.load(); }

 private:
  void writer(int client);
  void prober(int index, Endpoint node);

  WorkloadOptions opts_;
  std::function<int64_t()> now_ms_;
  History writes_;
  History probes_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> acked_{0};
  std::vector<std::thread> threads_;
  std::mutex sockets_mu_;
  std::set<int> sockets_;  // file descriptors of open connections
};

// Reads every client's list back from `master` (LRANGE fault:c<i> 0 -1). The map has an entry for every
// client when the read succeeded, and is empty when the master could not be read.
std::map<int, std::vector<int64_t>> read_back(const Endpoint& master, const std::string& password, int clients);

}  // namespace fault
