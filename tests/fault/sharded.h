// The fault suite's Redis Cluster topology: three masters with one replica each (cluster mode, our
// datanode or redis-server 7.0.15), built with ADDSLOTSRANGE / MEET / REPLICATE, either on 127.0.0.1
// with free ports or each node in its own network namespace behind a router namespace (netns.h), so that
// a master can be cut from the rest of the cluster while the suite's clients still reach it.
//
// Netns mode: node i lives in "fs<pid>-<i>" at 10.<b>.<i+1>.2, port 6379, bus port 16379; start() moves
// the calling thread into the router namespace (threads started afterwards inherit it).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster.h"
#include "harness.h"
#include "workload.h"

namespace fault {

struct ShardedOptions {
  Flavour flavour = Flavour::kOurs;
  Net net = Net::kLoopback;
  int node_timeout_ms = 2000;
  std::string appendfsync = "everysec";  // appendonly is always on
  std::string work_dir;
  std::string datanode_bin;
};

// One line of CLUSTER NODES.
struct ShardNode {
  std::string id, addr, flags, master_id;
  bool has(const std::string& flag) const;
};

class ShardedCluster {
 public:
  static constexpr int kNodes = 6;  // nodes 0-2 start as masters, node 3+i replicates node i

  explicit ShardedCluster(ShardedOptions opts);
  ~ShardedCluster();  // SIGKILLs every node it started (by PID), removes its namespaces

  // Namespaces (netns mode), configs, processes, slots, MEET, REPLICATE; waits for healthy().
  // "" or what went wrong.
  std::string start();

  Endpoint endpoint(int node) const;
  std::vector<Endpoint> endpoints() const;
  // The node index listening at `ep`, or -1.
  int index_of(const Endpoint& ep) const;
  std::string describe(int node) const;

  // The signal goes to the node's PID only. restart() starts a node again (SIGKILL first when it runs)
  // from its directory, so nodes.conf and the AOF survive.
  void signal(int node, int sig);
  void restart(int node);

  // Cuts all traffic between `node` and every other node (netns only; false otherwise); heal() undoes it.
  bool isolate(int node);
  void heal();

  // CLUSTER NODES as `observer` sees it (empty when it does not answer within 1 s).
  std::vector<ShardNode> view(int observer);
  // ROLE's first element ("master", "slave"), "" when the node does not answer.
  std::string role(int node);
  // The nodes `observer` lists as masters not flagged fail (node indexes).
  std::vector<int> masters_seen_by(int observer);
  // The replica that follows `master` in `observer`'s view, or -1.
  int replica_of(int master, int observer);

  // Every node runs and answers, says cluster_state:ok, three masters serve all slots with one replica
  // each whose link is up, and no node flags another fail/pfail. Polls until `timeout`.
  bool wait_healthy(std::chrono::milliseconds timeout);
  const std::string& why_unhealthy() const { return why_unhealthy_; }

  const ShardedOptions& options() const { return opts_; }

 private:
  std::string unhealthy_reason();
  std::string start_node(int node);
  std::string config(int node) const;

  struct Impl;
  ShardedOptions opts_;
  std::unique_ptr<Impl> impl_;
  std::string why_unhealthy_;
};

// A client connection with `timeout` on every request, or nullptr when nothing accepts a connection
// within `timeout`.
std::unique_ptr<harness::Client> connect_within(const Endpoint& ep, std::chrono::milliseconds timeout);

}  // namespace fault
