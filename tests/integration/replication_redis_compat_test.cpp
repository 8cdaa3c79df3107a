// Replication against real Redis 7: a redis-server replica following our master (it loads our RDB and
// applies our stream, WAIT counts its ACKs), and our replica following a redis-server master (its
// listpack/intset/quicklist RDB, diskless and disk-based transfers, and a partial resync after our
// replica was SIGKILLed and restarted). Skipped when redis-server is not installed.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <thread>

#include "harness.h"

using harness::Client;
using harness::Datanode;
using harness::eventually;
using harness::Process;
using harness::Reply;
using harness::TempDir;
using namespace std::chrono_literals;

namespace {

std::string redis_server_path() {
  std::string p = harness::run("command -v redis-server");
  while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();
  return p;
}

struct RedisServer {
  explicit RedisServer(std::vector<std::string> extra = {}) : port(harness::free_port()) {
    std::vector<std::string> args = {"--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", dir.path(), "--repl-diskless-sync-delay", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    process = Process(redis_server_path(), args, dir.file("redis.log"));
    harness::wait_for_port(port, 10s);
  }
  TempDir dir;
  int port;
  Process process;
};

std::string info_field(Client& c, const std::string& field) { return harness::info_field(c, "replication", field); }

bool link_up(Client& c) { return info_field(c, "master_link_status") == "up"; }

std::string dump_key(Client& c, const std::string& key) {
  std::string type = c.command({"TYPE", key}).str;
  std::vector<std::string> items;
  auto collect = [&](const Reply& r) {
    for (const Reply& e : r.elements) items.push_back(e.str);
  };
  if (type == "string") items.push_back(c.command({"GET", key}).str);
  else if (type == "list") collect(c.command({"LRANGE", key, "0", "-1"}));
  else if (type == "hash") {
    collect(c.command({"HGETALL", key}));
    std::vector<std::string> pairs;
    for (size_t i = 0; i + 1 < items.size(); i += 2) pairs.push_back(items[i] + "=" + items[i + 1]);
    items = pairs;
    std::sort(items.begin(), items.end());
  } else if (type == "set") {
    collect(c.command({"SMEMBERS", key}));
    std::sort(items.begin(), items.end());
  } else if (type == "zset") {
    collect(c.command({"ZRANGE", key, "0", "-1", "WITHSCORES"}));
  }
  std::string out = type + ":";
  for (const auto& i : items) out += i + ",";
  return out;
}

// Small values (packed encodings in Redis) and large ones (plain encodings, LZF-compressed strings).
void populate(Client& c, const std::string& p) {
  c.command({"SET", p + "s", "hello"});
  c.command({"SET", p + "n", "-12345"});
  c.command({"SET", p + "big", std::string(5000, 'a') + std::string(5000, 'b')});
  c.command({"SET", p + "ttl", "v", "EX", "1000"});
  c.command({"RPUSH", p + "l", "a", "1", "-7", "300000"});
  std::vector<std::string> biglist = {"RPUSH", p + "bl"};
  for (int i = 0; i < 300; ++i) biglist.push_back("element-" + std::to_string(i) + std::string(80, 'x'));
  c.command(biglist);
  c.command({"HSET", p + "h", "f1", "v1", "f2", "22"});
  std::vector<std::string> bighash = {"HSET", p + "bh"};
  for (int i = 0; i < 300; ++i) {
    bighash.push_back("f" + std::to_string(i));
    bighash.push_back("v" + std::to_string(i));
  }
  c.command(bighash);
  c.command({"SADD", p + "si", "1", "2", "-3", "70000"});
  c.command({"SADD", p + "ss", "x", "y"});
  c.command({"ZADD", p + "z", "1", "a", "2.5", "b", "-1", "c"});
  std::vector<std::string> bigz = {"ZADD", p + "bz"};
  for (int i = 0; i < 300; ++i) {
    bigz.push_back(std::to_string(i) + ".5");
    bigz.push_back("m" + std::to_string(i));
  }
  c.command(bigz);
  c.command({"SELECT", "2"});
  c.command({"SET", p + "db2", "two"});
  c.command({"SELECT", "0"});
}

const std::vector<std::string> kKeys = {"s", "n", "big", "ttl", "l", "bl", "h", "bh", "si", "ss", "z", "bz"};

bool same(Client& a, Client& b, const std::string& p) {
  for (const auto& k : kKeys)
    if (dump_key(a, p + k) != dump_key(b, p + k)) return false;
  a.command({"SELECT", "2"});
  b.command({"SELECT", "2"});
  bool ok = a.command({"GET", p + "db2"}).str == b.command({"GET", p + "db2"}).str;
  a.command({"SELECT", "0"});
  b.command({"SELECT", "0"});
  return ok && b.command({"TTL", p + "ttl"}).integer > 0;
}

#define REQUIRE_REDIS()                                                          \
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server is not installed"

}  // namespace

TEST(ReplicationRedisCompat, RealRedisReplicaFollowsOurMaster) {
  REQUIRE_REDIS();
  Datanode master;
  Client m(master.port);
  populate(m, "pre:");
  RedisServer redis({"--replicaof", "127.0.0.1", std::to_string(master.port)});
  Client r(redis.port);
  ASSERT_TRUE(eventually([&] { return link_up(r); }, 15s)) << redis.process.log();
  populate(m, "post:");
  m.command({"INCR", "pre:n"});
  m.command({"DEL", "pre:ss"});
  EXPECT_TRUE(eventually([&] { return same(m, r, "pre:") && same(m, r, "post:"); }, 10s));
  EXPECT_EQ(r.command({"GET", "pre:n"}).str, "-12344");
  // WAIT counts the real replica's REPLCONF ACKs.
  m.command({"SET", "w", "1"});
  EXPECT_EQ(m.command({"WAIT", "1", "5000"}).integer, 1);
  Reply role = m.command({"ROLE"});
  ASSERT_EQ(role.elements.size(), 3u);
  ASSERT_EQ(role.elements[2].elements.size(), 1u);
  EXPECT_EQ(role.elements[2].elements[0].elements[1].str, std::to_string(redis.port));
  EXPECT_TRUE(eventually([&] { return info_field(r, "master_repl_offset") == info_field(m, "master_repl_offset"); }, 5s));
}

TEST(ReplicationRedisCompat, OurReplicaFollowsRealRedisMasterDiskless) {
  REQUIRE_REDIS();
  RedisServer redis;
  Client m(redis.port);
  populate(m, "pre:");
  Datanode replica("replicaof = \"127.0.0.1 " + std::to_string(redis.port) + "\"\n");
  Client r(replica.port);
  ASSERT_TRUE(eventually([&] { return link_up(r); }, 15s)) << replica.process.log();
  populate(m, "post:");
  m.command({"INCR", "pre:n"});
  m.command({"MULTI"});
  m.command({"SET", "tx1", "a"});
  m.command({"SET", "tx2", "b"});
  m.command({"EXEC"});
  EXPECT_TRUE(eventually([&] { return same(m, r, "pre:") && same(m, r, "post:"); }, 10s));
  EXPECT_EQ(r.command({"GET", "tx2"}).str, "b");
  EXPECT_NE(replica.process.log().find("EOF"), std::string::npos);
  // Our ACKs reach the real master: WAIT there counts us.
  EXPECT_EQ(m.command({"WAIT", "1", "5000"}).integer, 1);
  EXPECT_TRUE(eventually([&] { return info_field(r, "slave_repl_offset") == info_field(m, "master_repl_offset"); }, 5s));

  // SIGKILL our replica; on restart it resumes from its snapshot with a partial resync.
  std::this_thread::sleep_for(2500ms);
  replica.process.kill(SIGKILL);
  replica.process.wait(5s);
  m.command({"SET", "while-down", "1"});
  m.command({"RPUSH", "post:l", "more"});
  replica.start();
  Client r2(replica.port);
  ASSERT_TRUE(eventually([&] { return link_up(r2); }, 15s));
  EXPECT_TRUE(eventually([&] { return r2.command({"GET", "while-down"}).str == "1" && same(m, r2, "post:"); }, 10s));
  Reply stats = m.command({"INFO", "stats"});
  EXPECT_NE(stats.str.find("sync_partial_ok:1"), std::string::npos) << stats.str;
}

TEST(ReplicationRedisCompat, OurReplicaFollowsRealRedisMasterDiskBased) {
  REQUIRE_REDIS();
  RedisServer redis({"--repl-diskless-sync", "no", "--rdbcompression", "yes"});
  Client m(redis.port);
  populate(m, "pre:");
  Datanode replica("replicaof = \"127.0.0.1 " + std::to_string(redis.port) + "\"\n");
  Client r(replica.port);
  ASSERT_TRUE(eventually([&] { return link_up(r); }, 15s)) << replica.process.log();
  EXPECT_TRUE(eventually([&] { return same(m, r, "pre:"); }, 10s));
  // A real Redis replica chained below ours gets the same data.
  RedisServer sub({"--replicaof", "127.0.0.1", std::to_string(replica.port)});
  Client s(sub.port);
  ASSERT_TRUE(eventually([&] { return link_up(s); }, 15s)) << sub.process.log();
  populate(m, "post:");
  EXPECT_TRUE(eventually([&] { return same(m, s, "pre:") && same(m, s, "post:"); }, 10s));
  EXPECT_EQ(info_field(s, "master_replid"), info_field(m, "master_replid"));
}
