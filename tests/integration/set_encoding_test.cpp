// Sets as intsets, against a real redis-server 7.0.15: OBJECT ENCODING through every way a set is made
// or changed (SADD, SMOVE, the STORE forms, SPOP, COPY, RESTORE, DEBUG RELOAD), the conversion at
// set-max-intset-entries set at runtime, members that only look like integers, and the ascending order
// in which an intset replies.
#include <gtest/gtest.h>

#include "harness.h"
#include "reference_redis.h"
#include "script_util.h"

using harness::Datanode;
using scriptutil::script;

TEST(SetEncoding, EncodingsAndOrderAsRealRedis) {
  reference::RealRedis redis({"--enable-debug-command", "yes"});
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  std::vector<std::vector<std::string>> commands = script(R"(
FLUSHALL
SADD s 5 -3 40000 0 -9223372036854775808 9223372036854775807 17
OBJECT ENCODING s
SMEMBERS s
SSCAN s 0
SSCAN s 0 MATCH 4*
SISMEMBER s 40000
SISMEMBER s 040000
SMISMEMBER s 5 +5 05 -0 17
SREM s 40000 nothere 0
SMEMBERS s
SADD s 05
OBJECT ENCODING s
SREM s 05
OBJECT ENCODING s
SCARD s
SADD t 1 2 3
SADD u 3 4 5
SUNION t u
SINTER t u
SDIFF u t
SUNIONSTORE dst t u
OBJECT ENCODING dst
SMEMBERS dst
SINTERSTORE dst2 t u
OBJECT ENCODING dst2
SDIFFSTORE dst3 u t
OBJECT ENCODING dst3
SMEMBERS dst3
SADD words a b
SUNIONSTORE mixed t words
OBJECT ENCODING mixed
SMOVE t newset 2
OBJECT ENCODING newset
SMOVE words newset2 a
OBJECT ENCODING newset2
SPOP u 2
OBJECT ENCODING u
COPY t tcopy
OBJECT ENCODING tcopy
SMEMBERS tcopy
CONFIG SET set-max-intset-entries 4
SADD small 1 2 3 4
OBJECT ENCODING small
SADD small 5
OBJECT ENCODING small
SADD small2 1 2 3 4 5
OBJECT ENCODING small2
SADD big 1
CONFIG SET set-max-intset-entries 512
DEBUG RELOAD
OBJECT ENCODING small
OBJECT ENCODING small2
OBJECT ENCODING s
OBJECT ENCODING mixed
SMEMBERS s
SMEMBERS t
CONFIG GET set-max-intset-entries
)");
  std::vector<std::string> wide = {"SADD", "wide"};
  for (int i = 0; i < 512; ++i) wide.push_back(std::to_string(i * 1000 - 200000));
  commands.push_back(wide);
  for (const auto& line : script(R"(
OBJECT ENCODING wide
SRANDMEMBER wide -3
SCARD wide
SADD wide 999999999999
OBJECT ENCODING wide
SREM wide 999999999999
OBJECT ENCODING wide
SADD keep 10 -10 3
SMEMBERS keep
)"))
    commands.push_back(line);
  auto diffs = reference::differences(redis.port, node.port, commands);
  // SPOP's and SRANDMEMBER's picks are random: their replies are not compared.
  std::vector<std::string> real;
  for (const auto& d : diffs)
    if (d.rfind("SRANDMEMBER", 0) != 0 && d.rfind("SPOP", 0) != 0) real.push_back(d);
  EXPECT_EQ(real, std::vector<std::string>{});
}

// A restored intset payload (DUMP from Redis) and a DUMP of ours restored in Redis keep the encoding.
TEST(SetEncoding, RestoreKeepsIntsets) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  for (bool from_redis : {true, false}) {
    int from_port = from_redis ? redis.port : node.port, to_port = from_redis ? node.port : redis.port;
    harness::Client from(from_port), to(to_port);
    from.command({"FLUSHALL"});
    to.command({"FLUSHALL"});
    from.command({"SADD", "ints", "3", "1", "-70000", "2"});
    harness::Reply dumped = from.command({"DUMP", "ints"});
    ASSERT_FALSE(dumped.str.empty());
    EXPECT_EQ(to.command({"RESTORE", "ints", "0", dumped.str}).str, "OK");
    EXPECT_EQ(to.command({"OBJECT", "ENCODING", "ints"}).str, "intset") << (from_redis ? "redis -> ours" : "ours -> redis");
    harness::Reply members = to.command({"SMEMBERS", "ints"});
    std::vector<std::string> got;
    for (const auto& e : members.elements) got.push_back(e.str);
    EXPECT_EQ(got, (std::vector<std::string>{"-70000", "1", "2", "3"}));
  }
}
