// redis-cli --cluster import, set-timeout and call against datanode clusters, each compared with what
// the same tool run does on a redis-server 7.0.15 cluster beside it (and on mixed setups: a datanode
// source imported into a Redis cluster and the other way round, a cluster of both kinds). The tool's
// output is compared with addresses and node ids replaced by their roles, lines sorted (the tool lists
// nodes and SCAN returns keys in each server's own order).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "cluster_lab.h"
#include "reference_redis.h"

using clusterlab::Node;
using clusterlab::OurNode;
using clusterlab::RedisNode;
using harness::Reply;
using namespace std::chrono_literals;

namespace {

bool tools_present() { return !clusterlab::trim(harness::run("command -v redis-cli")).empty(); }

// A redis-server cluster node started from a config file, so CONFIG REWRITE (set-timeout) can work.
struct ConfRedisNode : Node {
  ConfRedisNode() {
    port = harness::free_port();
    bus_port = harness::free_port();
    dir.write("redis.conf", "cluster-enabled yes\n");
    process = harness::Process(clusterlab::redis_server_bin(),
                               {dir.file("redis.conf"), "--port", std::to_string(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", dir.path(), "--cluster-port",
                                std::to_string(bus_port), "--cluster-node-timeout", "2000"},
                               dir.file("redis.log"));
    harness::wait_for_port(port, 10s);
  }
  std::string name() const override { return "redis:" + std::to_string(port); }
};

std::string myid(Node& n) { return n.client()->command({"CLUSTER", "MYID"}).str; }

// Replaces every occurrence of `from` in `s` by `to`.
void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

// Tool output with the nodes' addresses and ids replaced by names ("C0", "SRC"), lines sorted.
std::string normalized(std::string out, const std::vector<std::pair<Node*, std::string>>& named,
                       const std::vector<std::pair<int, std::string>>& other_ports = {}) {
  for (auto& [n, name] : named) {
    replace_all(out, myid(*n), "<" + name + "-id>");
    replace_all(out, "127.0.0.1:" + std::to_string(n->port), "<" + name + ">");
  }
  for (auto& [port, name] : other_ports) replace_all(out, "127.0.0.1:" + std::to_string(port), "<" + name + ">");
  // The tool colours its output when TERM says the terminal can: the escapes go.
  for (size_t at = out.find("\x1b["); at != std::string::npos; at = out.find("\x1b[", at)) {
    size_t m = out.find('m', at);
    out.erase(at, m == std::string::npos ? std::string::npos : m - at + 1);
  }
  std::istringstream in(out);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  std::string joined;
  for (auto& l : lines) joined += l + "\n";
  return joined;
}

std::vector<std::pair<Node*, std::string>> named(const std::vector<Node*>& nodes) {
  std::vector<std::pair<Node*, std::string>> out;
  for (size_t i = 0; i < nodes.size(); ++i) out.emplace_back(nodes[i], "C" + std::to_string(i));
  return out;
}

bool create_cluster(const std::vector<Node*>& masters, std::string* out) {
  int st = -1;
  *out = clusterlab::create(masters, 0, &st);
  if (st != 0) return false;
  if (!harness::eventually([&] { return clusterlab::all_check_ok(masters, out); }, 30s)) return false;
  // --cluster check looks at slots only: writes need every node to have seen the cluster ok.
  return harness::eventually(
      [&] {
        for (Node* n : masters)
          if (harness::info_field(n->client()->command({"CLUSTER", "INFO"}).str, "cluster_state") != "ok")
            return false;
        return true;
      },
      30s);
}

// The standalone source: a datanode or a redis-server, both on a free port.
struct Source {
  int port = 0;
  std::unique_ptr<harness::Client> client() const { return std::make_unique<harness::Client>(port); }
};

// Keys of every type, one with a TTL, and "busy" (which the target cluster may already hold).
void fill(const Source& src, int strings) {
  auto c = src.client();
  for (int i = 0; i < strings; ++i) c->command({"SET", "s:" + std::to_string(i), "v" + std::to_string(i)});
  c->command({"RPUSH", "list", "a", "b", "c"});
  c->command({"HSET", "hash", "f1", "1", "f2", "2"});
  c->command({"SADD", "set", "x", "y", "z"});
  c->command({"ZADD", "zset", "1.5", "m1", "2", "m2"});
  c->command({"XADD", "stream", "1-1", "f", "v"});
  c->command({"SET", "ttl", "t", "EX", "1000"});
  c->command({"SET", "busy", "from-source"});
}

// The value of `key` as read from whichever master owns it: type, content, whether it has a TTL.
std::string read_key(const std::vector<Node*>& masters, const std::string& key) {
  for (Node* n : masters) {
    auto c = n->client();
    Reply e = c->command({"EXISTS", key});
    if (e.is_error()) continue;
    if (e.integer == 0) return key + ": none";
    std::string type = c->command({"TYPE", key}).str;
    Reply v;
    if (type == "string") v = c->command({"GET", key});
    if (type == "list") v = c->command({"LRANGE", key, "0", "-1"});
    if (type == "hash") v = c->command({"HGETALL", key});
    if (type == "set") v = c->command({"SORT", key, "ALPHA"});
    if (type == "zset") v = c->command({"ZRANGE", key, "0", "-1", "WITHSCORES"});
    if (type == "stream") v = c->command({"XRANGE", key, "-", "+"});
    std::string text = v.str;
    std::function<void(const Reply&)> flat = [&](const Reply& r) {
      for (const Reply& e2 : r.elements) {
        text += " " + e2.str;
        flat(e2);
      }
    };
    flat(v);
    if (type == "hash") {
      // Field order is not part of the contract (nor compared here): the pairs, sorted.
      std::vector<std::string> pairs;
      for (size_t i = 0; i + 1 < v.elements.size(); i += 2)
        pairs.push_back(v.elements[i].str + "=" + v.elements[i + 1].str);
      std::sort(pairs.begin(), pairs.end());
      text.clear();
      for (auto& pr : pairs) text += " " + pr;
    }
    long long pttl = c->command({"PTTL", key}).integer;
    return key + ": " + type + " [" + text + "] ttl=" + (pttl > 0 ? "yes" : std::to_string(pttl));
  }
  return key + ": no master answered";
}

// One import walk-through; returns a transcript comparable between setups.
std::string import_transcript(const Source& src, const std::vector<Node*>& masters) {
  std::string t;
  auto names = named(masters);
  std::vector<std::pair<int, std::string>> src_name = {{src.port, "SRC"}};
  std::string from = " --cluster-from 127.0.0.1:" + std::to_string(src.port);
  int st = -1;
  // The target already holds "busy": without --cluster-replace MIGRATE fails with BUSYKEY and the tool
  // stops, the source keeping the key.
  src.client()->command({"FLUSHALL"});
  src.client()->command({"SET", "busy", "from-source"});
  harness::run("redis-cli -c -p " + std::to_string(masters[0]->port) + " SET busy in-cluster");
  std::string out = clusterlab::cli("--cluster import " + masters[0]->addr() + from, &st);
  t += "== busy, no replace: exit " + std::to_string(st) + "\n" + normalized(out, names, src_name);
  t += "source dbsize " + std::to_string(src.client()->command({"DBSIZE"}).integer) + "\n";
  t += read_key(masters, "busy") + "\n";
  // Everything, replacing: the keys move (deleted from the source).
  fill(src, 50);
  out = clusterlab::cli("--cluster import " + masters[0]->addr() + from + " --cluster-replace", &st);
  t += "== replace: exit " + std::to_string(st) + "\n" + normalized(out, names, src_name);
  t += "source dbsize " + std::to_string(src.client()->command({"DBSIZE"}).integer) + "\n";
  for (const char* k : {"list", "hash", "set", "zset", "stream", "ttl", "busy", "s:0", "s:49"})
    t += read_key(masters, k) + "\n";
  // --cluster-copy: the source keeps its keys.
  src.client()->command({"SET", "copied", "c1"});
  out = clusterlab::cli("--cluster import " + masters[0]->addr() + from + " --cluster-copy", &st);
  t += "== copy: exit " + std::to_string(st) + "\n" + normalized(out, names, src_name);
  t += "source dbsize " + std::to_string(src.client()->command({"DBSIZE"}).integer) + "\n";
  t += read_key(masters, "copied") + "\n";
  // A cluster node as the source is refused.
  out = clusterlab::cli("--cluster import " + masters[0]->addr() + " --cluster-from " + masters[1]->addr(), &st);
  t += "== cluster source: exit " + std::to_string(st) + "\n" + normalized(out, names, src_name);
  // Leave the cluster empty for the next setup.
  for (Node* n : masters) n->client()->command({"FLUSHALL"});
  return t;
}

TEST(ClusterToolOps, ImportFromStandaloneMatchesRedis) {
  if (!tools_present()) GTEST_SKIP() << "redis-cli missing";
  reference::RealRedis redis_src;
  if (!redis_src.available) GTEST_SKIP() << "redis-server missing";
  harness::Datanode our_src;
  std::vector<std::unique_ptr<Node>> owned;
  std::vector<Node*> ours, theirs;
  for (int i = 0; i < 3; ++i) {
    owned.push_back(std::make_unique<OurNode>());
    ours.push_back(owned.back().get());
    owned.push_back(std::make_unique<RedisNode>());
    theirs.push_back(owned.back().get());
  }
  std::string out;
  ASSERT_TRUE(create_cluster(ours, &out)) << out;
  ASSERT_TRUE(create_cluster(theirs, &out)) << out;

  Source rs{redis_src.port}, os{our_src.port};
  std::string reference = import_transcript(rs, theirs);
  // The reference shows what the comparisons rest on.
  ASSERT_NE(reference.find("BUSYKEY"), std::string::npos) << reference;
  ASSERT_NE(reference.find("== replace: exit 0"), std::string::npos) << reference;
  ASSERT_NE(reference.find("stream: stream [  1-1  f v]"), std::string::npos) << reference;
  EXPECT_EQ(import_transcript(os, ours), reference) << "datanode source into a datanode cluster";
  EXPECT_EQ(import_transcript(os, theirs), reference) << "datanode source into a Redis cluster";
  EXPECT_EQ(import_transcript(rs, ours), reference) << "Redis source into a datanode cluster";
}

// --cluster call with these argument lists (options first, as the tool's usage shows them).
std::string call_transcript(const std::vector<Node*>& nodes, const std::vector<std::string>& calls) {
  std::string t;
  auto names = named(nodes);
  int st = -1;
  for (const std::string& args : calls) {
    std::string opts, cmd = args;
    if (args.starts_with("--")) {
      size_t sp = args.find(' ');
      opts = args.substr(0, sp) + " ";
      cmd = args.substr(sp + 1);
    }
    std::string out = clusterlab::cli("--cluster call " + opts + nodes[0]->addr() + " " + cmd, &st);
    t += "== " + args + ": exit " + std::to_string(st) + "\n" + normalized(out, names);
  }
  return t;
}

const std::vector<std::string> kMasterCalls = {
    "--cluster-only-masters DBSIZE", "--cluster-only-masters GET k:1",
    "--cluster-only-masters CLUSTER COUNTKEYSINSLOT 0", "--cluster-only-masters NOSUCHCOMMAND a b",
    "--cluster-only-masters SET k:1 v2"};
const std::vector<std::string> kAllCalls = {"DBSIZE", "--cluster-only-replicas READONLY",
                                            "--cluster-only-replicas GET k:2", "NOSUCHCOMMAND a b"};

// --cluster set-timeout: the refusal under 100 ms, then CONFIG SET + CONFIG REWRITE on every node.
std::string set_timeout_transcript(const std::vector<Node*>& nodes) {
  std::string t;
  auto names = named(nodes);
  int st = -1;
  std::string out = clusterlab::cli("--cluster set-timeout " + nodes[0]->addr() + " 50", &st);
  t += "== 50: exit " + std::to_string(st) + "\n" + normalized(out, names);
  out = clusterlab::cli("--cluster set-timeout " + nodes[0]->addr() + " 3500", &st);
  t += "== 3500: exit " + std::to_string(st) + "\n" + normalized(out, names);
  for (size_t i = 0; i < nodes.size(); ++i) {
    Reply r = nodes[i]->client()->command({"CONFIG", "GET", "cluster-node-timeout"});
    t += "C" + std::to_string(i) + " timeout " + (r.elements.size() == 2 ? r.elements[1].str : r.str) + "\n";
  }
  return t;
}

// The setting reached the node's own config file (TOML for a datanode, redis.conf for Redis).
bool rewritten(Node* n) {
  std::string text = n->dir.read(dynamic_cast<OurNode*>(n) ? "datanode.toml" : "redis.conf");
  return text.find("cluster-node-timeout = 3500") != std::string::npos ||
         text.find("cluster-node-timeout 3500") != std::string::npos;
}

void add_replica(const std::vector<Node*>& nodes) {
  int st = -1;
  std::string out = clusterlab::cli("--cluster add-node " + nodes[3]->addr() + " " + nodes[0]->addr() +
                                        " --cluster-slave --cluster-master-id " + myid(*nodes[0]),
                                    &st);
  ASSERT_EQ(st, 0) << out;
  ASSERT_TRUE(harness::eventually(
      [&] {
        return harness::info_field(*nodes[3]->client(), "replication", "master_link_status") == "up" &&
               harness::info_field(*nodes[3]->client(), "keyspace", "db0").find("keys=") != std::string::npos;
      },
      30s));
}

TEST(ClusterToolOps, CallAndSetTimeoutMatchRedis) {
  if (!tools_present()) GTEST_SKIP() << "redis-cli missing";
  std::vector<std::unique_ptr<Node>> owned;
  std::vector<Node*> ours, theirs, mixed;
  for (int i = 0; i < 4; ++i) {
    owned.push_back(std::make_unique<OurNode>());
    ours.push_back(owned.back().get());
    owned.push_back(std::make_unique<ConfRedisNode>());
    theirs.push_back(owned.back().get());
  }
  // Mixed: datanode, Redis, datanode masters.
  for (int i = 0; i < 3; ++i) {
    if (i == 1)
      owned.push_back(std::make_unique<ConfRedisNode>());
    else
      owned.push_back(std::make_unique<OurNode>());
    mixed.push_back(owned.back().get());
  }
  std::string out;
  for (auto* nodes : {&ours, &theirs, &mixed}) {
    ASSERT_TRUE(create_cluster({(*nodes)[0], (*nodes)[1], (*nodes)[2]}, &out)) << out;
    // The same keys everywhere (hence the same per-master counts: create assigns the same ranges).
    for (int i = 0; i < 60; ++i)
      harness::run("redis-cli -c -p " + std::to_string((*nodes)[0]->port) + " SET k:" + std::to_string(i) + " v");
    if (nodes->size() == 4) add_replica(*nodes);
  }

  std::string reference = call_transcript(theirs, kAllCalls);
  ASSERT_NE(reference.find("<C3>: OK"), std::string::npos) << reference;  // READONLY on the replica
  ASSERT_NE(reference.find("MOVED"), std::string::npos) << reference;
  EXPECT_EQ(call_transcript(ours, kAllCalls), reference);
  // Masters only, on the three kinds of cluster (the SET last: it changes k:1).
  reference = call_transcript(theirs, kMasterCalls);
  EXPECT_EQ(call_transcript(ours, kMasterCalls), reference);
  EXPECT_EQ(call_transcript(mixed, kMasterCalls), reference) << "mixed cluster";

  reference = set_timeout_transcript(theirs);
  ASSERT_NE(reference.find("4 OK, 0 ERR"), std::string::npos) << reference;
  EXPECT_EQ(set_timeout_transcript(ours), reference);
  for (Node* n : ours) EXPECT_TRUE(rewritten(n)) << n->name() << "\n" << n->dir.read("datanode.toml");
  for (Node* n : theirs) EXPECT_TRUE(rewritten(n)) << n->name();
  // The mixed cluster: every node, whatever its kind, takes the setting and rewrites its file.
  std::string mixed_out = set_timeout_transcript(mixed);
  EXPECT_NE(mixed_out.find("3 OK, 0 ERR"), std::string::npos) << mixed_out;
  for (Node* n : mixed) EXPECT_TRUE(rewritten(n)) << n->name();
}

}  // namespace
