// A loopback lab for sentinel integration tests: one master and replicas (real redis-server, or our
// datanode), and sentinels (ours, or a real redis-sentinel), each on a free port in its own directory,
// killed by PID when the lab goes away.
#pragma once

#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "harness.h"

namespace sentinel_lab {

using namespace std::chrono_literals;

enum class DataKind { kRedis, kDatanode };

struct DataNode {
  DataKind kind = DataKind::kRedis;
  harness::TempDir dir;
  int port = harness::free_port();
  int priority = 100;
  int replicaof = 0;  // 0: master
  std::string password;  // requirepass and masterauth (redis-server only)
  harness::Process proc;

  void start() {
    if (kind == DataKind::kRedis) {
      std::string conf = "port " + std::to_string(port) + "\nbind 127.0.0.1\nsave \"\"\nappendonly no\ndir " +
                         dir.path() + "\nrepl-diskless-sync-delay 0\nreplica-priority " + std::to_string(priority) +
                         "\n";
      if (replicaof) conf += "replicaof 127.0.0.1 " + std::to_string(replicaof) + "\n";
      if (!password.empty()) conf += "requirepass " + password + "\nmasterauth " + password + "\n";
      // Only on the first start: after that the file holds what CONFIG REWRITE wrote.
      if (dir.read("redis.conf").empty()) dir.write("redis.conf", conf);
      proc = harness::Process("/usr/bin/redis-server", {dir.file("redis.conf")}, dir.file("redis.log"));
    } else {
      std::string conf = "port = " + std::to_string(port) + "\nbind = [\"127.0.0.1\"]\ndir = \"" + dir.path() +
                         "\"\nrepl-diskless-sync-delay = 0\nreplica-priority = " + std::to_string(priority) + "\n";
      if (replicaof) conf += "replicaof = \"127.0.0.1 " + std::to_string(replicaof) + "\"\n";
      if (dir.read("datanode.toml").empty()) dir.write("datanode.toml", conf);
      proc = harness::Process(DATANODE_BIN, {"--config", dir.file("datanode.toml")}, dir.file("datanode.log"));
    }
    harness::wait_for_port(port, 20s);
  }
  void kill() {
    proc.kill(SIGKILL);
    proc.wait(10s);
  }
  std::unique_ptr<harness::Client> client() const {
    auto c = std::make_unique<harness::Client>(port);
    if (!password.empty()) c->command({"AUTH", password});
    return c;
  }
  // A field of INFO replication, "" when absent or unreachable.
  std::string info_field(const std::string& key) const {
    harness::Client c(port);
    if (!password.empty()) c.command({"AUTH", password});
    harness::Reply r = c.command({"INFO", "replication"});
    return r.type == harness::Reply::Type::kString ? harness::info_field(r.str, key) : "";
  }
};

struct SentinelNode {
  harness::TempDir dir;
  int port = harness::free_port();
  bool real = false;  // a real redis-sentinel
  harness::Process proc;

  std::string config_path() const { return dir.file(real ? "sentinel.conf" : "sentinel.toml"); }
  void write_config(int master_port, int quorum, int down_after, int failover_timeout,
                    const std::string& auth_pass = "") {
    if (real) {
      dir.write("sentinel.conf", "port " + std::to_string(port) + "\nbind 127.0.0.1\ndir " + dir.path() +
                                     "\nsentinel monitor mymaster 127.0.0.1 " + std::to_string(master_port) + " " +
                                     std::to_string(quorum) + "\nsentinel down-after-milliseconds mymaster " +
                                     std::to_string(down_after) + "\nsentinel failover-timeout mymaster " +
                                     std::to_string(failover_timeout) + "\n" +
                                     (auth_pass.empty() ? "" : "sentinel auth-pass mymaster " + auth_pass + "\n"));
    } else {
      dir.write("sentinel.toml", "# test sentinel\nport = " + std::to_string(port) +
                                     "\nbind = [\"127.0.0.1\"]\ndir = \"" + dir.path() +
                                     "\"\n\n[[monitor]]\n# the master under test\nname = \"mymaster\"\n"
                                     "host = \"127.0.0.1\"\nport = " + std::to_string(master_port) +
                                     "\nquorum = " + std::to_string(quorum) +
                                     "\ndown-after-milliseconds = " + std::to_string(down_after) +
                                     "\nfailover-timeout = " + std::to_string(failover_timeout) + "\n" +
                                     (auth_pass.empty() ? "" : "auth-pass = \"" + auth_pass + "\"\n"));
    }
  }
  void start() {
    if (real) proc = harness::Process("/usr/bin/redis-sentinel", {config_path()}, dir.file("sentinel.log"));
    else proc = harness::Process(SENTINEL_BIN, {"--config", config_path()}, dir.file("sentinel.log"));
    harness::wait_for_port(port, 20s);
  }
  void kill(int sig = SIGKILL) {
    proc.kill(sig);
    proc.wait(10s);
  }
  harness::Reply cmd(const std::vector<std::string>& args) const {
    harness::Client c(port);
    return c.command(args);
  }
  // get-master-addr-by-name port, 0 when unknown.
  int master_port() const {
    harness::Reply r = cmd({"SENTINEL", "get-master-addr-by-name", "mymaster"});
    if (r.type != harness::Reply::Type::kArray || r.elements.size() != 2) return 0;
    return std::atoi(r.elements[1].str.c_str());
  }
  // A field of SENTINEL MASTER mymaster.
  std::string master_field(const std::string& key) const {
    harness::Reply r = cmd({"SENTINEL", "master", "mymaster"});
    for (size_t i = 0; i + 1 < r.elements.size(); i += 2)
      if (r.elements[i].str == key) return r.elements[i + 1].str;
    return "";
  }
};

struct Options {
  std::vector<int> priorities = {100, 90};
  int sentinels = 3;
  int real_sentinels = 0;  // how many of them are real redis-sentinel processes (the first ones)
  int quorum = 2;
  int down_after = 1000;
  int failover_timeout = 10000;
  DataKind kind = DataKind::kRedis;
  std::string password;  // the data nodes require it; the sentinels use it as auth-pass
};

struct Lab {
  explicit Lab(Options o = {}) : opts(o) {
    master = std::make_unique<DataNode>();
    master->kind = o.kind;
    master->password = o.password;
    master->start();
    for (int p : o.priorities) {
      auto r = std::make_unique<DataNode>();
      r->kind = o.kind;
      r->priority = p;
      r->replicaof = master->port;
      r->password = o.password;
      r->start();
      replicas.push_back(std::move(r));
    }
    for (int i = 0; i < o.sentinels; ++i) {
      auto s = std::make_unique<SentinelNode>();
      s->real = i < o.real_sentinels;
      s->write_config(master->port, o.quorum, o.down_after, o.failover_timeout, o.password);
      s->start();
      sentinels.push_back(std::move(s));
    }
  }

  // Every running sentinel knows every replica and every other sentinel.
  bool discovered(std::chrono::milliseconds timeout = 30s) {
    return harness::eventually(
        [&] {
          for (auto& s : sentinels) {
            if (!s->proc.running()) continue;
            if (s->master_field("num-slaves") != std::to_string(replicas.size())) return false;
            if (s->master_field("num-other-sentinels") != std::to_string(sentinels.size() - 1)) return false;
          }
          return true;
        },
        timeout);
  }

  // Every running sentinel reports `port` as the master.
  bool all_agree(int port, std::chrono::milliseconds timeout) {
    return harness::eventually(
        [&] {
          for (auto& s : sentinels)
            if (s->proc.running() && s->master_port() != port) return false;
          return true;
        },
        timeout);
  }

  Options opts;
  std::unique_ptr<DataNode> master;
  std::vector<std::unique_ptr<DataNode>> replicas;
  std::vector<std::unique_ptr<SentinelNode>> sentinels;
};

}  // namespace sentinel_lab
