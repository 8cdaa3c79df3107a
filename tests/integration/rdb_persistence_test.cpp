// RDB persistence against real Redis 7.0.15: a dump.rdb written by redis-server loads here and ours
// loads there (every key compared), BGSAVE + SIGKILL + restart keeps the data, redis-check-rdb accepts
// our files (compressed or not, with or without checksum), the error texts of SAVE / BGSAVE / SHUTDOWN
// and -MISCONF after a failed background save compared byte for byte, save points, the final save of
// SHUTDOWN, and the AOF winning over dump.rdb when appendonly is on.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "harness.h"
#include "reference_redis.h"

using harness::Client;
using harness::Datanode;
using harness::Reply;
using namespace std::chrono_literals;

namespace {

std::string persistence(Client& c, const std::string& field) {
  return harness::info_field(c, "persistence", field);
}

bool have_redis() {
  return harness::have_program("redis-server") && harness::have_program("redis-check-rdb");
}

// Every key of databases 0..3 with its full content, in a form that compares equal across servers.
std::vector<std::string> dataset(Client& c) {
  std::vector<std::string> out;
  for (int db = 0; db < 4; ++db) {
    c.command({"SELECT", std::to_string(db)});
    Reply keys = c.command({"KEYS", "*"});
    for (const Reply& k : keys.elements) {
      const std::string& key = k.str;
      std::string type = c.command({"TYPE", key}).str;
      std::string line = std::to_string(db) + "/" + key + "/" + type + ":";
      std::vector<std::string> items;
      if (type == "string") {
        line += c.command({"GET", key}).str;
      } else if (type == "list") {
        for (const Reply& e : c.command({"LRANGE", key, "0", "-1"}).elements) line += e.str + ",";
      } else if (type == "hash") {
        Reply r = c.command({"HGETALL", key});
        for (size_t i = 0; i + 1 < r.elements.size(); i += 2)
          items.push_back(r.elements[i].str + "=" + r.elements[i + 1].str);
      } else if (type == "set") {
        for (const Reply& e : c.command({"SMEMBERS", key}).elements) items.push_back(e.str);
      } else if (type == "zset") {
        for (const Reply& e : c.command({"ZRANGE", key, "0", "-1", "WITHSCORES"}).elements)
          line += e.str + ",";
      }
      std::sort(items.begin(), items.end());
      for (const auto& i : items) line += i + ",";
      line += c.command({"PTTL", key}).integer > 0 ? "|ttl" : "|nottl";
      out.push_back(line);
    }
  }
  c.command({"SELECT", "0"});
  std::sort(out.begin(), out.end());
  return out;
}

// Small and large forms of every type (listpack / intset / quicklist / hashtable / skiplist in Redis),
// integers, compressible long strings, expiries, several databases.
void fill(Client& c) {
  c.command({"SET", "int", "12345"});
  c.command({"SET", "neg", "-7"});
  c.command({"SET", "big", "9223372036854775807"});
  c.command({"SET", "long", std::string(500, 'a') + "tail"});
  c.command({"SET", "bin", std::string("a\0b\r\n\xff", 6)});
  c.command({"SET", "ttl", "v", "EX", "100000"});
  c.command({"RPUSH", "smalllist", "a", "1", "b"});
  std::vector<std::string> biglist = {"RPUSH", "biglist"};
  for (int i = 0; i < 300; ++i) biglist.push_back("element-" + std::to_string(i) + std::string(i % 7, 'x'));
  c.command(biglist);
  c.command({"HSET", "smallhash", "f", "v", "n", "1"});
  std::vector<std::string> bighash = {"HSET", "bighash"};
  for (int i = 0; i < 200; ++i) {
    bighash.push_back("field" + std::to_string(i));
    bighash.push_back(std::string(30, static_cast<char>('a' + i % 26)));
  }
  c.command(bighash);
  c.command({"SADD", "intset", "1", "2", "3", "-100"});
  c.command({"SADD", "strset", "a", "b", "c"});
  std::vector<std::string> bigset = {"SADD", "bigset"};
  for (int i = 0; i < 600; ++i) bigset.push_back("m" + std::to_string(i));
  c.command(bigset);
  c.command({"ZADD", "smallz", "1", "a", "2.5", "b", "-3", "c"});
  std::vector<std::string> bigz = {"ZADD", "bigz"};
  for (int i = 0; i < 200; ++i) {
    bigz.push_back(std::to_string(i * 1.25));
    bigz.push_back("member" + std::to_string(i));
  }
  c.command(bigz);
  c.command({"SELECT", "2"});
  c.command({"SET", "indb2", "two"});
  c.command({"HSET", "h2", "x", "y"});
  c.command({"PEXPIRE", "h2", "50000000"});
  c.command({"SELECT", "0"});
}

// `count` keys of 64 bytes through one pipelined connection.
void load_keys(int port, int count) {
  rawresp::Conn conn(port, 30000);
  const int kBatch = 10000;
  for (int base = 0; base < count; base += kBatch) {
    std::string batch;
    for (int i = base; i < std::min(count, base + kBatch); ++i)
      batch += rawresp::encode({"SET", "key:" + std::to_string(i), std::string(64, 'v')});
    conn.send_bytes(batch);
    for (int i = base; i < std::min(count, base + kBatch); ++i) conn.read_reply();
  }
}

harness::Process start_redis(const harness::TempDir& dir, int port) {
  std::string bin = harness::run("command -v redis-server");
  while (!bin.empty() && (bin.back() == '\n' || bin.back() == ' ')) bin.pop_back();
  harness::Process p(bin,
                     {"--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                      "no", "--dir", dir.path(), "--dbfilename", "dump.rdb"},
                     dir.file("redis.log"));
  harness::wait_for_port(port, 10s);
  return p;
}

TEST(RdbPersistence, RedisDumpLoadsHereAndOursLoadsInRedis) {
  if (!have_redis()) GTEST_SKIP() << "redis-server not installed";
  // Redis -> datanode.
  harness::TempDir rdir;
  int rport = harness::free_port();
  harness::Process redis = start_redis(rdir, rport);
  Client rc(rport);
  fill(rc);
  ASSERT_EQ(rc.command({"SAVE"}).str, "OK");
  std::vector<std::string> expected = dataset(rc);
  ASSERT_GT(expected.size(), 15u);

  Datanode node;
  node.process.kill(SIGKILL);
  node.process.wait(10s);
  std::filesystem::copy_file(rdir.file("dump.rdb"), node.dir.file("dump.rdb"));
  node.start();
  auto c = node.client();
  EXPECT_EQ(dataset(*c), expected);
  EXPECT_EQ(persistence(*c, "rdb_last_load_keys_loaded"), std::to_string(expected.size()));

  // datanode -> Redis: our SAVE, loaded by a fresh redis-server.
  c->command({"SET", "added-here", std::string(100, 'z')});
  ASSERT_EQ(c->command({"SAVE"}).str, "OK");
  std::vector<std::string> ours = dataset(*c);
  harness::TempDir rdir2;
  std::filesystem::copy_file(node.dir.file("dump.rdb"), rdir2.file("dump.rdb"));
  int rport2 = harness::free_port();
  harness::Process redis2 = start_redis(rdir2, rport2);
  Client rc2(rport2);
  EXPECT_EQ(dataset(rc2), ours);
}

TEST(RdbPersistence, BgsaveThenSigkillKeepsTheData) {
  Datanode node;
  auto c = node.client();
  fill(*c);
  std::vector<std::string> before = dataset(*c);
  EXPECT_EQ(persistence(*c, "rdb_changes_since_last_save") != "0", true);
  ASSERT_EQ(c->command({"BGSAVE"}).str, "Background saving started");
  ASSERT_TRUE(harness::eventually([&] { return persistence(*c, "rdb_bgsave_in_progress") == "0"; }, 10s));
  EXPECT_EQ(persistence(*c, "rdb_last_bgsave_status"), "ok");
  EXPECT_EQ(persistence(*c, "rdb_changes_since_last_save"), "0");
  EXPECT_EQ(persistence(*c, "rdb_saves"), "1");
  EXPECT_NE(persistence(*c, "rdb_last_bgsave_time_sec"), "-1");
  EXPECT_EQ(c->command({"LASTSAVE"}).integer, std::stoll(persistence(*c, "rdb_last_save_time")));
  // No temp file left behind.
  for (const auto& e : std::filesystem::directory_iterator(node.dir.path()))
    EXPECT_EQ(e.path().filename().string().rfind("temp-", 0), std::string::npos) << e.path();
  node.restart();  // SIGKILL
  c = node.client();
  EXPECT_EQ(dataset(*c), before);
}

TEST(RdbPersistence, RedisCheckRdbAcceptsOurFiles) {
  if (!have_redis()) GTEST_SKIP() << "redis-check-rdb not installed";
  for (const char* options :
       {"rdbcompression = true\nrdbchecksum = true", "rdbcompression = false\nrdbchecksum = true",
        "rdbcompression = true\nrdbchecksum = false"}) {
    Datanode node(options);
    auto c = node.client();
    fill(*c);
    ASSERT_EQ(c->command({"SAVE"}).str, "OK");
    int status = -1;
    std::string out = harness::run("redis-check-rdb " + node.dir.file("dump.rdb") + " 2>&1", &status);
    EXPECT_EQ(status, 0) << options << "\n" << out;
    EXPECT_NE(out.find("RDB looks OK"), std::string::npos) << out;
  }
}

TEST(RdbPersistence, ErrorTextsAsRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  // A data set big enough that a background save is still running when the next command arrives.
  for (int port : {redis.port, node.port}) load_keys(port, 300000);
  auto diffs = reference::differences(redis.port, node.port,
                                      {{"BGSAVE", "NOW"},
                                       {"BGSAVE"},
                                       {"BGSAVE"},
                                       {"BGSAVE", "SCHEDULE"},
                                       {"SAVE"},
                                       {"SHUTDOWN", "ABORT"},
                                       {"SHUTDOWN", "NOSAVE", "SAVE"},
                                       {"SHUTDOWN", "ABORT", "NOW"},
                                       {"SHUTDOWN", "BOGUS"},
                                       {"CONFIG", "SET", "save", "1 2 3"},
                                       {"CONFIG", "SET", "save", "x 1"},
                                       {"REPLCONF", "rdb-only", "2"},
                                       {"REPLCONF", "rdb-only", "x"}});
  for (const auto& d : diffs) ADD_FAILURE() << d;
}

TEST(RdbPersistence, FailedBgsaveRefusesWritesWithMisconf) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  // A non-empty directory where dump.rdb goes: the child's rename fails (even as root).
  for (const harness::TempDir* d : {&redis.dir, &node.dir}) {
    std::filesystem::create_directory(d->file("dump.rdb"));
    std::filesystem::create_directory(d->file("dump.rdb/x"));
  }
  Client rc(redis.port);
  auto c = node.client();
  for (Client* cl : {&rc, c.get()}) {
    ASSERT_EQ(cl->command({"CONFIG", "SET", "save", "3600 1"}).str, "OK");
    ASSERT_EQ(cl->command({"BGSAVE"}).str, "Background saving started");
    ASSERT_TRUE(
        harness::eventually([&] { return persistence(*cl, "rdb_last_bgsave_status") == "err"; }, 10s));
  }
  auto diffs = reference::differences(redis.port, node.port,
                                      {{"SET", "k", "v"},
                                       {"PING"},
                                       {"GET", "k"},
                                       {"SAVE"},
                                       {"CONFIG", "SET", "stop-writes-on-bgsave-error", "no"},
                                       {"SET", "k", "v"},
                                       {"CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"},
                                       {"CONFIG", "SET", "save", ""},
                                       {"SET", "k", "v2"}});
  for (const auto& d : diffs) ADD_FAILURE() << d;
  // A failed final save keeps the server up, unless FORCE.
  c->command({"CONFIG", "SET", "save", "3600 1"});
  EXPECT_EQ(c->command({"SHUTDOWN"}).str, "ERR Errors trying to SHUTDOWN. Check logs.");
  EXPECT_EQ(c->command({"PING"}).is_error(), true);
  c->command({"SHUTDOWN", "FORCE"});
  EXPECT_EQ(node.process.wait(10s), 0);
}

TEST(RdbPersistence, SavePointTriggersABackgroundSave) {
  Datanode node("save = \"1 2\"");
  auto c = node.client();
  c->command({"SET", "a", "1"});
  c->command({"SET", "b", "2"});
  ASSERT_TRUE(harness::eventually([&] { return persistence(*c, "rdb_saves") == "1"; }, 5s));
  ASSERT_TRUE(harness::eventually([&] { return persistence(*c, "rdb_changes_since_last_save") == "0"; }, 5s));
  EXPECT_TRUE(std::filesystem::exists(node.dir.file("dump.rdb")));
  EXPECT_NE(node.process.log().find("2 changes in 1 seconds. Saving..."), std::string::npos);
  EXPECT_EQ(c->command({"CONFIG", "GET", "save"}).elements.at(1).str, "1 2");
}

TEST(RdbPersistence, ShutdownSavesWithSavePointsNotWithNosave) {
  Datanode node;  // Redis 7 default save points
  auto c = node.client();
  EXPECT_EQ(c->command({"CONFIG", "GET", "save"}).elements.at(1).str, "3600 1 300 100 60 10000");
  c->command({"SET", "kept", "yes"});
  c->command({"SHUTDOWN"});
  ASSERT_EQ(node.process.wait(10s), 0);
  node.start();
  c = node.client();
  EXPECT_EQ(c->command({"GET", "kept"}).str, "yes");
  c->command({"SET", "lost", "yes"});
  c->command({"SHUTDOWN", "NOSAVE"});
  ASSERT_EQ(node.process.wait(10s), 0);
  node.start();
  c = node.client();
  EXPECT_TRUE(c->command({"GET", "lost"}).is_nil());
  EXPECT_EQ(c->command({"GET", "kept"}).str, "yes");
  // SIGTERM saves too (Redis 7: shutdown-on-sigterm default).
  c->command({"SET", "onterm", "yes"});
  node.process.kill(SIGTERM);
  ASSERT_EQ(node.process.wait(10s), 0);
  node.start();
  c = node.client();
  EXPECT_EQ(c->command({"GET", "onterm"}).str, "yes");
}

TEST(RdbPersistence, AofWinsOverDumpWhenAppendonly) {
  Datanode other;
  auto oc = other.client();
  oc->command({"SET", "fromrdb", "1"});
  ASSERT_EQ(oc->command({"SAVE"}).str, "OK");
  Datanode node("appendonly = true\nsave = \"\"");
  auto c = node.client();
  c->command({"SET", "fromaof", "1"});
  std::filesystem::copy_file(other.dir.file("dump.rdb"), node.dir.file("dump.rdb"));
  node.restart();
  c = node.client();
  EXPECT_EQ(c->command({"GET", "fromaof"}).str, "1");
  EXPECT_TRUE(c->command({"GET", "fromrdb"}).is_nil());
}

}  // namespace

namespace {

// An append-only file that starts with an RDB preamble (Redis' aof-use-rdb-preamble) loads: the
// snapshot's keys, then the commands after it.
TEST(RdbPersistence, AofWithRdbPreambleLoads) {
  Datanode other;
  auto oc = other.client();
  fill(*oc);
  oc->command({"SET", "k", "from-preamble"});
  ASSERT_EQ(oc->command({"SAVE"}).str, "OK");
  Datanode node("appendonly = true\nsave = \"\"");
  node.process.kill(SIGKILL);
  node.process.wait(10s);
  std::string aof = other.dir.read("dump.rdb") + "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n" +
                    "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$11\r\nfrom-tail-1\r\n" +
                    "*2\r\n$4\r\nINCR\r\n$3\r\nint\r\n";
  node.dir.write("appendonly.aof", aof);
  node.start();
  auto c = node.client();
  EXPECT_EQ(c->command({"GET", "k"}).str, "from-tail-1");
  EXPECT_EQ(c->command({"GET", "int"}).str, "12346");
  EXPECT_EQ(c->command({"LLEN", "biglist"}).integer, 300);
  // It keeps appending after the loaded content.
  c->command({"SET", "k2", "v2"});
  node.restart();
  c = node.client();
  EXPECT_EQ(c->command({"GET", "k2"}).str, "v2");
  EXPECT_EQ(c->command({"GET", "k"}).str, "from-tail-1");
}

}  // namespace
