// aof-use-rdb-preamble (default yes, as Redis): BGREWRITEAOF writes an RDB snapshot followed by the
// writes made during the rewrite; the datanode reloads it, and redis-server 7.0 loads our file (as an
// old-style single AOF, which it upgrades to its manifest layout). With the option off the file is
// commands only. A BGREWRITEAOF while a BGSAVE child runs is scheduled, as Redis does.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "harness.h"
#include "reference_redis.h"

using harness::Client;
using harness::Datanode;
using harness::eventually;
using namespace std::chrono_literals;

namespace {

void fill(Client& c) {
  c.command({"SET", "str", "hello"});
  c.command({"SET", "ttl", "v", "EX", "100000"});
  c.command({"RPUSH", "list", "a", "b", "c"});
  c.command({"HSET", "hash", "f", "v", "g", "w"});
  c.command({"SADD", "set", "1", "2", "x"});
  c.command({"ZADD", "zset", "1.5", "a", "-2", "b"});
  c.command({"SELECT", "3"});
  c.command({"SET", "in3", "three"});
  c.command({"SELECT", "0"});
}

std::vector<std::string> snapshot(Client& c) {
  std::vector<std::string> out;
  for (int db : {0, 3}) {
    c.command({"SELECT", std::to_string(db)});
    for (const std::string key : {"str", "list", "hash", "set", "zset", "in3", "after", "ttl"}) {
      std::string type = c.command({"TYPE", key}).str;
      std::string line = std::to_string(db) + "/" + key + "/" + type;
      if (type == "string") line += "=" + c.command({"GET", key}).str;
      if (type == "list") line += "=" + std::to_string(c.command({"LLEN", key}).integer);
      if (type == "hash") line += "=" + std::to_string(c.command({"HLEN", key}).integer);
      if (type == "set") line += "=" + std::to_string(c.command({"SCARD", key}).integer);
      if (type == "zset") line += "=" + c.command({"ZSCORE", key, "a"}).str;
      out.push_back(line);
    }
  }
  c.command({"SELECT", "0"});
  return out;
}

bool rewrite_done(Client& c) {
  return harness::info_field(c, "persistence", "aof_rewrite_in_progress") == "0" &&
         harness::info_field(c, "persistence", "aof_rewrite_scheduled") != "1";
}

TEST(AofPreamble, RewriteWritesAnRdbPreambleAndReloads) {
  Datanode node("appendonly = true\nsave = \"\"");
  auto c = node.client();
  fill(*c);
  ASSERT_EQ(c->command({"BGREWRITEAOF"}).str, "Background append only file rewriting started");
  ASSERT_TRUE(eventually([&] { return rewrite_done(*c); }, 10s));
  c->command({"SET", "after", "tail"});
  std::string file = node.dir.read("appendonly.aof");
  ASSERT_GE(file.size(), 9u);
  EXPECT_EQ(file.substr(0, 5), "REDIS");
  // The write after the rewrite follows the preamble as a command.
  EXPECT_NE(file.find("$5\r\nafter\r\n$4\r\ntail\r\n"), std::string::npos);
  std::vector<std::string> before = snapshot(*c);
  node.process.kill(SIGKILL);
  node.process.wait(10s);
  node.start();
  c = node.client();
  EXPECT_EQ(snapshot(*c), before);
  EXPECT_GT(c->command({"TTL", "ttl"}).integer, 1000);
}

TEST(AofPreamble, OffWritesCommandsOnly) {
  Datanode node("appendonly = true\nsave = \"\"\naof-use-rdb-preamble = false");
  auto c = node.client();
  fill(*c);
  ASSERT_EQ(c->command({"BGREWRITEAOF"}).str, "Background append only file rewriting started");
  ASSERT_TRUE(eventually([&] { return rewrite_done(*c); }, 10s));
  EXPECT_EQ(node.dir.read("appendonly.aof").substr(0, 1), "*");
  std::vector<std::string> before = snapshot(*c);
  node.restart();
  c = node.client();
  EXPECT_EQ(snapshot(*c), before);
}

TEST(AofPreamble, RedisServerLoadsOurRewrittenAof) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server not installed";
  Datanode node("appendonly = true\nsave = \"\"");
  auto c = node.client();
  fill(*c);
  ASSERT_EQ(c->command({"BGREWRITEAOF"}).str, "Background append only file rewriting started");
  ASSERT_TRUE(eventually([&] { return rewrite_done(*c); }, 10s));
  c->command({"SET", "after", "tail"});
  std::vector<std::string> ours = snapshot(*c);

  harness::TempDir rdir;
  std::filesystem::copy_file(node.dir.file("appendonly.aof"), rdir.file("appendonly.aof"));
  int rport = harness::free_port();
  std::string bin = harness::run("command -v redis-server");
  while (!bin.empty() && bin.back() == '\n') bin.pop_back();
  harness::Process redis(bin,
                         {"--port", std::to_string(rport), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "yes", "--dir", rdir.path()},
                         rdir.file("redis.log"));
  ASSERT_TRUE(harness::wait_for_port(rport, 10s));
  Client rc(rport);
  ASSERT_TRUE(eventually([&] { return harness::info_field(rc, "persistence", "loading") == "0"; }, 10s));
  EXPECT_EQ(snapshot(rc), ours) << rdir.read("redis.log");
}

TEST(AofPreamble, RedisPreambleAofLoadsHere) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server not installed";
  // Redis 7 keeps base (RDB) + incr (commands) files; their concatenation is the single file we load.
  reference::RealRedis redis({"--appendonly", "yes"});
  ASSERT_TRUE(redis.available);
  Client rc(redis.port);
  fill(rc);
  ASSERT_EQ(rc.command({"BGREWRITEAOF"}).str, "Background append only file rewriting started");
  ASSERT_TRUE(eventually([&] { return rewrite_done(rc); }, 10s));
  rc.command({"SET", "after", "tail"});
  std::vector<std::string> theirs = snapshot(rc);
  // The manifest lists the live files in order: "file <name> seq <n> type b|i".
  std::string manifest = redis.dir.read("appendonlydir/appendonly.aof.manifest");
  std::string combined;
  for (size_t at = 0; at < manifest.size();) {
    size_t nl = manifest.find('\n', at);
    if (nl == std::string::npos) nl = manifest.size();
    std::string line = manifest.substr(at, nl - at);
    at = nl + 1;
    if (line.rfind("file ", 0) != 0 || line.find(" type h") != std::string::npos) continue;
    combined += redis.dir.read("appendonlydir/" + line.substr(5, line.find(' ', 5) - 5));
  }
  ASSERT_EQ(combined.substr(0, 5), "REDIS") << manifest;
  Datanode node("appendonly = true\nsave = \"\"");
  node.process.kill(SIGKILL);
  node.process.wait(10s);
  node.dir.write("appendonly.aof", combined);
  node.start();
  auto c = node.client();
  EXPECT_EQ(snapshot(*c), theirs);
}

// Redis answers a BGREWRITEAOF during a BGSAVE with "scheduled" and starts the rewrite when the save ends.
TEST(AofPreamble, RewriteDuringBgsaveIsScheduled) {
  Datanode node("appendonly = true\nsave = \"\"");
  auto c = node.client();
  std::vector<std::string> big = {"MSET"};
  for (int i = 0; i < 20000; ++i) {
    big.push_back("key:" + std::to_string(i));
    big.push_back(std::string(200, 'v'));
  }
  c->command(big);
  // Sent together, so the RDB child (reaped from the cron) is still there when BGREWRITEAOF runs.
  harness::Reply r = c->raw("*1\r\n$6\r\nBGSAVE\r\n*1\r\n$12\r\nBGREWRITEAOF\r\n");
  ASSERT_EQ(r.str, "Background saving started");
  EXPECT_EQ(c->read().str, "Background append only file rewriting scheduled");
  ASSERT_TRUE(eventually(
      [&] {
        return rewrite_done(*c) && harness::info_field(*c, "persistence", "rdb_bgsave_in_progress") == "0";
      },
      20s));
  // The scheduled rewrite starts from the cron once the RDB child is reaped: wait for its file.
  EXPECT_TRUE(eventually(
      [&] { return rewrite_done(*c) && node.dir.read("appendonly.aof").substr(0, 5) == "REDIS"; }, 20s));
  EXPECT_EQ(harness::info_field(*c, "persistence", "aof_last_bgrewrite_status"), "ok");
}

}  // namespace

namespace {

// A value of a type this server cannot load refuses the start with an error that names the key.
TEST(PersistenceLoad, UnsupportedTypeNamesTheKey) {
  Datanode node;
  node.process.kill(SIGKILL);
  node.process.wait(10s);
  // REDIS0009, SELECTDB 3, then a module value (type 7) under the key "mod:key".
  std::string rdb =
      std::string("REDIS0009") + "\xfe\x03" + "\x07" + "\x07" + "mod:key" + std::string(16, '\0');
  node.dir.write("dump.rdb", rdb);
  node.process = harness::Process(node.binary, {"--config", node.config_path}, node.dir.file("datanode.log"));
  EXPECT_NE(node.process.wait(10s), 0);
  std::string log = node.dir.read("datanode.log");
  EXPECT_NE(log.find("module values are not supported"), std::string::npos) << log;
  EXPECT_NE(log.find("(key 'mod:key' in database 3)"), std::string::npos) << log;
}

}  // namespace
