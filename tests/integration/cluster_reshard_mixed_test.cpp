// A mixed cluster (datanodes and redis-server 7.0.15) resharded by the stock tool: keys of every data
// type the datanode has move datanode -> Redis and back Redis -> datanode through MIGRATE/RESTORE-ASKING,
// and read back identical on each side; --cluster check passes from every node after each move.
#include <gtest/gtest.h>

#include <algorithm>

#include "cluster_lab.h"

using clusterlab::Node;
using clusterlab::OurNode;
using clusterlab::RedisNode;
using harness::Reply;
using namespace std::chrono_literals;

namespace {

std::string tool(const std::string& args, int* status) {
  return harness::run("timeout 300 redis-cli " + args + " 2>&1", status);
}

bool check_all(const std::vector<Node*>& nodes, std::string* last) {
  for (Node* n : nodes) {
    int st = -1;
    *last = tool("--cluster check " + n->addr(), &st);
    if (st != 0) {
      *last = n->name() + ": " + *last;
      return false;
    }
  }
  return true;
}

std::string myid(Node& n) { return n.client()->command({"CLUSTER", "MYID"}).str; }

// --cluster check and a cluster_state:ok on every node (masters serve keys a moment after that).
bool settled(const std::vector<Node*>& nodes, std::string* last) {
  if (!check_all(nodes, last)) return false;
  for (Node* n : nodes)
    if (harness::info_field(n->client()->command({"CLUSTER", "INFO"}).str, "cluster_state") != "ok")
      return false;
  return true;
}

// Everything about a key, as text that does not depend on the server's element order.
std::string snapshot(harness::Client& c, const std::string& key) {
  std::string type = c.command({"TYPE", key}).str;
  std::vector<std::string> parts;
  auto flat = [&](const Reply& r) {
    for (const Reply& e : r.elements) parts.push_back(e.str);
  };
  if (type == "string") {
    parts.push_back(c.command({"GET", key}).str);
  } else if (type == "list") {
    flat(c.command({"LRANGE", key, "0", "-1"}));
  } else if (type == "set") {
    flat(c.command({"SMEMBERS", key}));
    std::sort(parts.begin(), parts.end());
  } else if (type == "hash") {
    Reply r = c.command({"HGETALL", key});
    for (size_t i = 0; i + 1 < r.elements.size(); i += 2)
      parts.push_back(r.elements[i].str + "=" + r.elements[i + 1].str);
    std::sort(parts.begin(), parts.end());
  } else if (type == "zset") {
    flat(c.command({"ZRANGE", key, "0", "-1", "WITHSCORES"}));
  }
  std::string ttl = c.command({"TTL", key}).integer > 0 ? "ttl" : "nottl";
  std::string out = type + " " + ttl + ":";
  for (auto& p : parts) out += " " + p;
  return out;
}

// Keys of every type under hash tag {t}, plus a big one of each so Redis uses its non-compact encodings.
std::vector<std::string> fill(harness::Client& c, const std::string& t) {
  std::string p = "{" + t + "}";
  EXPECT_EQ(c.command({"SET", p + "str", "hello"}).str, "OK");
  EXPECT_EQ(c.command({"SET", p + "int", "123456"}).str, "OK");
  EXPECT_EQ(c.command({"SET", p + "ttl", "v", "EX", "1000"}).str, "OK");
  c.command({"RPUSH", p + "list", "a", "b", "3", "d"});
  c.command({"SADD", p + "set", "x", "y", "z"});
  c.command({"SADD", p + "iset", "1", "2", "300000"});
  c.command({"HSET", p + "hash", "f", "v", "g", "2"});
  c.command({"ZADD", p + "zset", "1.5", "a", "-2", "b", "1e20", "c"});
  c.command({"PFADD", p + "hll", "a", "b", "c"});
  std::vector<std::string> big_list = {"RPUSH", p + "biglist"}, big_set = {"SADD", p + "bigset"},
                           big_hash = {"HSET", p + "bighash"}, big_zset = {"ZADD", p + "bigzset"};
  for (int i = 0; i < 600; ++i) {
    std::string s = std::to_string(i);
    big_list.push_back(std::string(i % 100, 'x') + s);
    big_set.push_back("m" + s);
    big_hash.push_back("f" + s);
    big_hash.push_back(std::string(i % 80, 'v'));
    big_zset.push_back(std::to_string(i * 0.5));
    big_zset.push_back("m" + s);
  }
  for (auto* cmd : {&big_list, &big_set, &big_hash, &big_zset}) EXPECT_FALSE(c.command(*cmd).is_error());
  return {p + "str",  p + "int", p + "ttl",     p + "list",   p + "set",     p + "iset",   p + "hash",
          p + "zset", p + "hll", p + "biglist", p + "bigset", p + "bighash", p + "bigzset"};
}

TEST(ClusterReshardMixed, EveryTypeBothDirections) {
  if (clusterlab::redis_server_bin().empty() ||
      clusterlab::trim(harness::run("command -v redis-cli")).empty())
    GTEST_SKIP() << "redis-server or redis-cli missing";
  OurNode d1, d2;
  RedisNode r1;
  std::vector<Node*> nodes = {&d1, &r1, &d2};  // slots 0-5460, 5461-10922, 10923-16383
  int st = -1;
  std::string out =
      tool("--cluster create " + d1.addr() + " " + r1.addr() + " " + d2.addr() + " --cluster-yes", &st);
  ASSERT_EQ(st, 0) << out;
  std::string last;
  ASSERT_TRUE(harness::eventually([&] { return settled(nodes, &last); }, 30s)) << last;
  // "{06S}" hashes to slot 0, the first slot the tool moves off d1.
  auto c1 = d1.client();
  ASSERT_EQ(c1->command({"CLUSTER", "KEYSLOT", "{06S}"}).integer, 0);
  std::vector<std::string> keys = fill(*c1, "06S");
  std::vector<std::string> before;
  for (auto& k : keys) before.push_back(snapshot(*c1, k));

  // datanode -> Redis.
  out = tool("--cluster reshard " + d1.addr() + " --cluster-from " + myid(d1) + " --cluster-to " + myid(r1) +
                 " --cluster-slots 20 --cluster-yes",
             &st);
  ASSERT_EQ(st, 0) << out;
  ASSERT_TRUE(harness::eventually([&] { return settled(nodes, &last); }, 30s)) << last;
  auto cr = r1.client();
  EXPECT_EQ(cr->command({"CLUSTER", "COUNTKEYSINSLOT", "0"}).integer, static_cast<int64_t>(keys.size()));
  EXPECT_EQ(c1->command({"CLUSTER", "COUNTKEYSINSLOT", "0"}).integer, 0);
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(snapshot(*cr, keys[i]), before[i]) << keys[i];

  // Redis -> datanode (slot 0 is now Redis' lowest).
  out = tool("--cluster reshard " + r1.addr() + " --cluster-from " + myid(r1) + " --cluster-to " + myid(d2) +
                 " --cluster-slots 20 --cluster-yes",
             &st);
  ASSERT_EQ(st, 0) << out;
  ASSERT_TRUE(harness::eventually([&] { return settled(nodes, &last); }, 30s)) << last;
  auto c2 = d2.client();
  EXPECT_EQ(c2->command({"CLUSTER", "COUNTKEYSINSLOT", "0"}).integer, static_cast<int64_t>(keys.size()));
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(snapshot(*c2, keys[i]), before[i]) << keys[i];
  // Every node routes slot 0 to d2 now.
  for (Node* n : nodes) {
    Reply r = n->client()->command({"GET", "{06S}str"});
    if (n == &d2)
      EXPECT_EQ(r.str, "hello");
    else
      EXPECT_EQ(r.str, "MOVED 0 127.0.0.1:" + std::to_string(d2.port)) << n->name();
  }
}

}  // namespace
