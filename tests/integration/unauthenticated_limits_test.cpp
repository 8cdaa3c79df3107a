// Before AUTH, a node with a password takes requests of at most 10 arguments of at most 16 KB, as Redis 7:
// a stranger gets Redis' protocol error and the connection closes instead of the node buffering whatever
// it is sent. Compared byte for byte with redis-server and redis-sentinel; after AUTH nothing is limited.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

namespace {

// What a server answers to `bytes` from a fresh connection, and (when `closed` is given) whether it then
// closed the connection.
std::string answer(int port, const std::string& bytes, bool* closed = nullptr) {
  rawresp::Conn c(port, 3000);
  c.send_bytes(bytes);
  std::string reply = c.read_reply();
  if (closed) *closed = c.read_reply().empty();
  return reply;
}

std::string unfinished_set(size_t value_len) {
  return "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(value_len) + "\r\n";
}

void expect_limits(int redis_port, int our_port) {
  const std::string many_args = "*11\r\n";
  bool closed_theirs = false, closed_ours = false;
  EXPECT_EQ(answer(our_port, many_args, &closed_ours), answer(redis_port, many_args, &closed_theirs));
  EXPECT_EQ(answer(our_port, many_args, &closed_ours),
            "-ERR Protocol error: unauthenticated multibulk length\r\n");
  EXPECT_TRUE(closed_ours);
  EXPECT_TRUE(closed_theirs);
  const std::string big = unfinished_set(150 * 1024 * 1024);
  EXPECT_EQ(answer(our_port, big, &closed_ours), answer(redis_port, big, &closed_theirs));
  EXPECT_EQ(answer(our_port, big), "-ERR Protocol error: unauthenticated bulk length\r\n");
  EXPECT_TRUE(closed_ours);
  // At the limits themselves the request is parsed and refused for want of AUTH, as Redis does.
  std::string ten = "*10\r\n";
  for (int i = 0; i < 10; ++i) ten += "$4\r\nPING\r\n";
  EXPECT_EQ(answer(our_port, ten), answer(redis_port, ten));
  std::string at_limit = unfinished_set(16384) + std::string(16384, 'x') + "\r\n";
  EXPECT_EQ(answer(our_port, at_limit), answer(redis_port, at_limit));
}

TEST(UnauthenticatedLimits, DatanodeAnswersAsRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server is not installed";
  harness::Datanode node("requirepass = \"secret\"");
  rawresp::Conn admin(redis.port);
  ASSERT_EQ(admin.command({"CONFIG", "SET", "requirepass", "secret"}), "+OK\r\n");
  expect_limits(redis.port, node.port);

  // Authenticated, in the same pipeline as the AUTH: a large value and many arguments go through.
  rawresp::Conn c(node.port);
  std::string value(100000, 'v');
  std::vector<std::string> mset = {"MSET"};
  for (int i = 0; i < 20; ++i) mset.insert(mset.end(), {"k" + std::to_string(i), "v"});
  c.send_bytes(rawresp::encode({"AUTH", "secret"}) + rawresp::encode({"SET", "big", value}) +
               rawresp::encode(mset));
  EXPECT_EQ(c.read_reply(), "+OK\r\n");
  EXPECT_EQ(c.read_reply(), "+OK\r\n");
  EXPECT_EQ(c.read_reply(), "+OK\r\n");
  EXPECT_EQ(c.command({"STRLEN", "big"}), ":100000\r\n");

  // Without a password nothing is limited.
  harness::Datanode open_node;
  rawresp::Conn o(open_node.port);
  EXPECT_EQ(o.command({"SET", "big", value}), "+OK\r\n");
}

TEST(UnauthenticatedLimits, SentinelAnswersAsRedisSentinel) {
  if (!harness::have_program("redis-sentinel")) GTEST_SKIP() << "redis-sentinel not installed";
  harness::TempDir dir;
  int theirs = harness::free_port(), ours = harness::free_port();
  dir.write("real.conf", "port " + std::to_string(theirs) + "\nbind 127.0.0.1\nrequirepass secret\n");
  dir.write("ours.toml",
            "port = " + std::to_string(ours) + "\nbind = [\"127.0.0.1\"]\nrequirepass = \"secret\"\n");
  harness::Process real("/usr/bin/redis-sentinel", {dir.file("real.conf")}, dir.file("real.log"));
  harness::Process mine(SENTINEL_BIN, {"--config", dir.file("ours.toml")}, dir.file("ours.log"));
  ASSERT_TRUE(harness::wait_for_port(theirs, std::chrono::seconds(10))) << real.log();
  ASSERT_TRUE(harness::wait_for_port(ours, std::chrono::seconds(10))) << mine.log();
  expect_limits(theirs, ours);
}

}  // namespace
