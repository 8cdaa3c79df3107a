// SYNC as redis-cli speaks it: `redis-cli --rdb FILE` gets a bare `$<len>` payload that
// redis-check-rdb accepts, and `redis-cli --replica` sees the writes made after it attached.
#include <gtest/gtest.h>

#include <thread>

#include "harness.h"

using harness::Datanode;
using namespace std::chrono_literals;

namespace {

bool have_tools() { return harness::have_program("redis-cli") && harness::have_program("redis-check-rdb"); }

TEST(RdbSync, RedisCliRdbWritesAFileRedisCheckRdbAccepts) {
  if (!have_tools()) GTEST_SKIP() << "redis-cli / redis-check-rdb not installed";
  Datanode node;
  auto c = node.client();
  ASSERT_EQ(c->command({"SET", "s", "hello"}).str, "OK");
  c->command({"RPUSH", "l", "a", "b", "c"});
  c->command({"HSET", "h", "f", "v"});
  c->command({"SADD", "set", "x", "y"});
  c->command({"ZADD", "z", "1.5", "m"});
  c->command({"SET", "ttl", "v", "EX", "1000"});
  std::string file = node.dir.file("fromcli.rdb");
  int status = -1;
  std::string out = harness::run(
      "timeout 20 redis-cli -p " + std::to_string(node.port) + " --rdb " + file + " 2>&1", &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("Transfer finished with success"), std::string::npos) << out;
  std::string check = harness::run("redis-check-rdb " + file + " 2>&1", &status);
  EXPECT_EQ(status, 0) << check;
  EXPECT_NE(check.find("RDB looks OK"), std::string::npos) << check;
  EXPECT_NE(check.find("6 keys read"), std::string::npos) << check;
  // The rdb-only link closed after the payload: the server is still fine.
  EXPECT_EQ(c->command({"PING"}).str, "PONG");
}

TEST(RdbSync, RedisCliReplicaPrintsWritesMadeAfterItAttached) {
  if (!have_tools()) GTEST_SKIP() << "redis-cli not installed";
  Datanode node;
  auto c = node.client();
  c->command({"SET", "before", "1"});
  std::string out_file = node.dir.file("replica.out");
  std::string cmd =
      "timeout 4 redis-cli -p " + std::to_string(node.port) + " --replica > " + out_file + " 2>&1";
  std::thread cli([cmd] { harness::run(cmd); });
  // Writes after the replica is attached (it shows up as a replica in INFO).
  bool attached = harness::eventually(
      [&] { return harness::info_field(*c, "replication", "connected_slaves") == "1"; }, 3s);
  c->command({"SET", "after", "streamed-value"});
  c->command({"LPUSH", "list", "elem"});
  cli.join();
  ASSERT_TRUE(attached);
  std::string out = node.dir.read("replica.out");
  EXPECT_NE(out.find("SYNC with master"), std::string::npos) << out;
  EXPECT_NE(out.find("\"SET\",\"after\",\"streamed-value\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"LPUSH\",\"list\",\"elem\""), std::string::npos) << out;
  EXPECT_EQ(out.find("FULLRESYNC"), std::string::npos) << out;
}

}  // namespace
