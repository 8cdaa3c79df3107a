// Network namespaces for the fault suite: a router namespace with IP forwarding and one namespace per
// node, each joined to the router by a veth pair on its own /24, and partitions as blackhole policy rules
// in the router (packets between two nodes are dropped silently: connects time out, established
// connections stall, nothing is reset). Everything goes through the `ip` tool, so it needs root.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace fault {

class NetnsTopology {
 public:
  // Why namespaces cannot be used here, "" when they can (tries to add and delete one).
  static std::string unavailable_reason();
  // The `ip` binary, "" when there is none.
  static std::string ip_binary();

  NetnsTopology() = default;
  // Moves this thread back to the namespace it came from, deletes every namespace created here.
  // Processes still running inside them must have been killed before.
  ~NetnsTopology();
  NetnsTopology(const NetnsTopology&) = delete;
  NetnsTopology& operator=(const NetnsTopology&) = delete;

  // Creates the router "fs<pid>-r" and nodes "fs<pid>-<i>", node i at 10.<b>.<i+1>.2 behind the router's
  // 10.<b>.<i+1>.1. Returns "" or what failed.
  std::string create(int nodes);
  // Moves the calling thread (and the threads it starts later) into the router namespace, from where
  // every node is reachable whatever the partitions.
  std::string enter_router();

  std::string node_ip(int i) const;
  const std::string& node_ns(int i) const { return node_ns_[static_cast<size_t>(i)]; }
  const std::string& router_ns() const { return router_; }

  // Drops everything from `a` to `b` and from `b` to `a` (node indexes). False when `ip rule` failed.
  bool cut(int a, int b);
  // Removes every cut; false when one could not be removed.
  bool heal();

 private:
  bool rule(const char* op, int from, int to);
  void destroy();

  int subnet_ = 0;  // the b of 10.b.x.y
  std::string router_;
  std::vector<std::string> node_ns_;
  std::vector<std::string> created_;       // in creation order
  std::vector<std::pair<int, int>> cuts_;  // directed (from, to)
  int home_ns_fd_ = -1;                    // the namespace this thread was in before enter_router()
};

}  // namespace fault
