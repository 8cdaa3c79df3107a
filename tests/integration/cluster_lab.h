// Cluster nodes for integration tests: datanodes and real redis-server 7.0.15 nodes in cluster mode,
// each with an explicit cluster-port (so the bus port is known free), and redis-cli --cluster helpers.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"
#include "reference_redis.h"

namespace clusterlab {

using namespace std::chrono_literals;

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

struct Node {
  virtual ~Node() = default;
  int port = 0, bus_port = 0;
  std::string addr() const { return "127.0.0.1:" + std::to_string(port); }
  std::unique_ptr<harness::Client> client() const { return std::make_unique<harness::Client>(port); }
  harness::TempDir dir;
  harness::Process process;
  virtual std::string name() const = 0;
};

struct OurNode : Node {
  explicit OurNode(const std::string& extra = "")
      : OurNode(harness::free_port(), harness::free_port(), "", extra) {}
  // On given ports, starting from a nodes.conf (e.g. one redis-server wrote) when one is given.
  OurNode(int port_, int bus_port_, const std::string& nodes_conf, const std::string& extra = "") {
    port = port_;
    bus_port = bus_port_;
    if (!nodes_conf.empty()) dir.write("nodes.conf", nodes_conf);
    toml = "port = " + std::to_string(port) + "\nbind = [\"127.0.0.1\"]\ndir = \"" + dir.path() +
           "\"\ncluster-enabled = true\ncluster-port = " + std::to_string(bus_port) +
           "\ncluster-node-timeout = 2000\nrepl-diskless-sync-delay = 0\n" + extra + "\n";
    dir.write("datanode.toml", toml);
    start();
  }
  void start() {
    process =
        harness::Process(DATANODE_BIN, {"--config", dir.file("datanode.toml")}, dir.file("datanode.log"));
    harness::wait_for_port(port, std::chrono::seconds(20));
  }
  std::string name() const override { return "datanode:" + std::to_string(port); }
  std::string toml;
};

inline std::string redis_server_bin() { return trim(harness::run("command -v redis-server")); }

struct RedisNode : Node {
  RedisNode() : RedisNode(harness::free_port(), harness::free_port(), "") {}
  // On given ports, starting from a nodes.conf (e.g. one a datanode wrote) when one is given.
  RedisNode(int port_, int bus_port_, const std::string& nodes_conf) {
    port = port_;
    bus_port = bus_port_;
    if (!nodes_conf.empty()) dir.write("nodes.conf", nodes_conf);
    process = harness::Process(redis_server_bin(),
                               {"--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", dir.path(), "--cluster-enabled", "yes",
                                "--cluster-port", std::to_string(bus_port), "--cluster-node-timeout", "2000"},
                               dir.file("redis.log"));
    harness::wait_for_port(port, std::chrono::seconds(10));
  }
  std::string name() const override { return "redis:" + std::to_string(port); }
};

// redis-cli with its exit status folded into the output's last line.
inline std::string cli(const std::string& args, int* status) {
  return harness::run("timeout 60 redis-cli " + args + " 2>&1", status);
}

inline std::string create(const std::vector<Node*>& nodes, int replicas, int* status) {
  std::string args = "--cluster create";
  for (Node* n : nodes) args += " " + n->addr();
  args += " --cluster-replicas " + std::to_string(replicas) + " --cluster-yes";
  return cli(args, status);
}

inline bool all_check_ok(const std::vector<Node*>& nodes, std::string* last) {
  for (Node* n : nodes) {
    int st = -1;
    *last = cli("--cluster check " + n->addr(), &st);
    if (st != 0) {
      *last = n->name() + ": " + *last;
      return false;
    }
  }
  return true;
}

// CLUSTER NODES without the volatile columns (ping/pong times, link state), lines sorted.
inline std::string stable_nodes(Node* n) {
  std::string text = n->client()->command({"CLUSTER", "NODES"}).str;
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::vector<std::string> w;
    for (std::string x; f >> x;) w.push_back(x);
    if (w.size() < 8) continue;
    std::string flags = w[2];
    if (flags.starts_with("myself,")) flags = flags.substr(7);
    std::string out = w[0] + " " + w[1] + " " + flags + " " + w[3] + " " + w[6];
    for (size_t i = 8; i < w.size(); ++i) out += " " + w[i];
    lines.push_back(out);
  }
  std::sort(lines.begin(), lines.end());
  std::string joined;
  for (auto& l : lines) joined += l + "\n";
  return joined;
}

inline void expect_converged(const std::vector<Node*>& nodes) {
  std::string last;
  EXPECT_TRUE(harness::eventually([&] { return all_check_ok(nodes, &last); }, 30s)) << last;
  EXPECT_TRUE(harness::eventually(
      [&] {
        for (Node* n : nodes)
          if (harness::info_field(n->client()->command({"CLUSTER", "INFO"}).str, "cluster_state") != "ok")
            return false;
        return true;
      },
      20s));
  // Roles reach every node by gossip a little after the slots do (--cluster check only looks at slots).
  std::string first, differing;
  EXPECT_TRUE(harness::eventually(
      [&] {
        first = stable_nodes(nodes[0]);
        for (Node* n : nodes)
          if (stable_nodes(n) != first) {
            differing = n->name() + ":\n" + stable_nodes(n);
            return false;
          }
        return true;
      },
      15s))
      << first << "\n"
      << differing;
}

}  // namespace clusterlab
