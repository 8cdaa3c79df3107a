// The topology the fault suite breaks: data nodes (our datanode or redis-server) and sentinels (ours or
// redis-sentinel), either all on 127.0.0.1 with free ports, or each in its own network namespace behind
// a router namespace, so that traffic between any two nodes can be cut while the suite (which runs in
// the router namespace) still reaches all of them.
//
// Netns mode: node i (flat index) lives in namespace "fs<pid>-<i>" at 10.<b>.<i+1>.2, data nodes on port
// 6379 and sentinels on 26379; the router is "fs<pid>-r" (plumbing: netns.h). start() moves the calling
// thread into the router namespace, so call it before starting any thread: threads started afterwards
// inherit the namespace. The destructor moves that thread back, so one process can run several clusters
// one after the other (not at the same time: the namespace names carry the PID).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "workload.h"

namespace fault {

enum class Flavour { kOurs, kRedis };
enum class Net { kLoopback, kNetns };

struct ClusterOptions {
  Flavour flavour = Flavour::kOurs;
  Net net = Net::kLoopback;
  int data_nodes = 3;  // node 0 starts as the master, the others replicate from it
  int sentinels = 3;
  int redis_sentinels = 0;  // kOurs: how many of the sentinels (the last ones) are real redis-sentinel
  int quorum = 2;
  int down_after_ms = 1000;
  int failover_timeout_ms = 10000;
  std::string appendfsync = "everysec";  // appendonly is always on
  int min_replicas_to_write = 0;
  int min_replicas_max_lag = 10;
  std::string password;  // requirepass + masterauth on data nodes, auth-pass in sentinels; "" for none
  std::string work_dir;  // every node gets a subdirectory (config, AOF, log)
  std::string datanode_bin;
  std::string sentinel_bin;
  std::string master_name = "mymaster";
};

enum class Kind { kData, kSentinel };

class Cluster {
 public:
  explicit Cluster(ClusterOptions opts);
  ~Cluster();  // SIGKILLs every process it started (by PID) and removes its namespaces

  // Why netns mode cannot run here ("" when it can): needs root, `ip`, and netns support.
  static std::string netns_unavailable_reason();

  // Creates the namespaces (netns mode; and moves this process into the router namespace), writes the
  // configs, starts every node, and waits until the sentinels agree on node 0 as master and see all
  // replicas. Returns "" or what went wrong.
  std::string start();

  // Nodes by flat index: data nodes first [0, data_nodes), then sentinels.
  int size() const;
  Kind kind(int node) const;
  Endpoint endpoint(int node) const;
  std::vector<Endpoint> data_endpoints() const;
  std::vector<Endpoint> sentinel_endpoints() const;
  std::vector<int> data_indexes() const;
  std::vector<int> sentinel_indexes() const;
  std::string describe(int node) const;  // "data#1 10.77.2.2:6379" for the log

  // Call start() and restart() from a thread that lives as long as the nodes should: children get
  // PR_SET_PDEATHSIG (harness::Process), which fires when the thread that forked them exits.
  // Process control: the signal goes to that node's PID only. restart() starts a node that was killed
  // (or stops it with SIGKILL first), with the same directory, so AOF and rewritten configs survive.
  void signal(int node, int sig);
  void restart(int node);
  bool running(int node);

  // The master the sentinels agree on (a majority answering get-master-addr-by-name with one address),
  // as a data node index.
  std::optional<int> agreed_master();
  // True when: every process runs, a majority of sentinels agree on a master that says ROLE master,
  // every other data node says ROLE slave of it with master_link_status up. Polls until `timeout`.
  // Also, so that the next failover can pick a replica and win an election: every sentinel reports that
  // master, does not flag it down or in failover, sees every other sentinel without s_down/disconnected,
  // and lists every other data node as a replica of that master with no s_down/o_down/disconnected flag,
  // master-link-status ok and a recent PING reply. (Sentinels also refuse a new failover of the same
  // master within 2 * failover-timeout of the last attempt; that is the nemesis schedule's business.)
  bool wait_healthy(std::chrono::milliseconds timeout);
  // Why the last wait_healthy() was not satisfied ("" after a success), for the report.
  std::string why_unhealthy() const;

  // Cuts all traffic between each node of `a` and each node of `b`, both directions, silently (packets
  // dropped, no reset). Netns mode only; returns false otherwise. heal() removes every cut.
  bool partition(const std::vector<int>& a, const std::vector<int>& b);
  void heal();

  const ClusterOptions& options() const { return opts_; }

 private:
  std::string unhealthy_reason();  // "" when healthy

  struct Impl;
  ClusterOptions opts_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fault
