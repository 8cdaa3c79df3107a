// Cluster nodes for integration tests: datanodes and real redis-server 7.0.15 nodes in cluster mode,
// each with an explicit cluster-port (so the bus port is known free), and redis-cli --cluster helpers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness.h"
#include "reference_redis.h"

namespace clusterlab {

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
  explicit OurNode(const std::string& extra = "") {
    port = harness::free_port();
    bus_port = harness::free_port();
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
  RedisNode() {
    port = harness::free_port();
    bus_port = harness::free_port();
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

}  // namespace clusterlab
