// Replies that used to differ from Redis 7.0.15: WATCH of an SMOVE destination that already held the
// member, and float arguments at the edges of the double range (denormals, exponents, spellings).
#include <gtest/gtest.h>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

using harness::Datanode;

namespace {

// Runs `steps` as (connection index, command) on both servers with two connections each.
std::vector<std::string> two_client_differences(
    int redis_port, int our_port, const std::vector<std::pair<int, std::vector<std::string>>>& steps) {
  rawresp::Conn t0(redis_port), t1(redis_port), o0(our_port), o1(our_port);
  std::vector<std::string> out;
  for (const auto& [who, cmd] : steps) {
    std::string a = (who == 0 ? t0 : t1).command(cmd), b = (who == 0 ? o0 : o1).command(cmd);
    if (a != b || a.empty()) {
      std::string line;
      for (const auto& w : cmd) line += w + " ";
      out.push_back(std::to_string(who) + ": " + line + "=> redis: " + a + " ours: " + b);
    }
  }
  return out;
}

TEST(ReplyParity, SmoveOfMemberAlreadyInDestinationKeepsWatch) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  auto diff = two_client_differences(redis.port, dn.port,
                                     {{0, {"SADD", "src", "m", "n"}},
                                      {0, {"SADD", "dst", "m"}},
                                      {0, {"WATCH", "dst"}},
                                      {1, {"SMOVE", "src", "dst", "m"}},
                                      {0, {"MULTI"}},
                                      {0, {"SMEMBERS", "dst"}},
                                      {0, {"EXEC"}},
                                      // A new member does change the destination: the transaction fails.
                                      {0, {"WATCH", "dst"}},
                                      {1, {"SMOVE", "src", "dst", "n"}},
                                      {0, {"MULTI"}},
                                      {0, {"SCARD", "dst"}},
                                      {0, {"EXEC"}},
                                      // The source is changed either way.
                                      {0, {"SADD", "src", "m"}},
                                      {0, {"WATCH", "src"}},
                                      {1, {"SMOVE", "src", "dst", "m"}},
                                      {0, {"MULTI"}},
                                      {0, {"SCARD", "dst"}},
                                      {0, {"EXEC"}}});
  EXPECT_TRUE(diff.empty()) << ::testing::PrintToString(diff);
}

TEST(ReplyParity, FloatArgumentsMatchRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  std::vector<std::vector<std::string>> cmds;
  for (const char* v : {"9.8813129168249309e-323",
                        "4.9406564584124654e-324",
                        "2.2250738585072014e-308",
                        "1e-400",
                        "1e400",
                        "-1e400",
                        "inf",
                        "-inf",
                        "+inf",
                        "Infinity",
                        "nan",
                        "1e",
                        "0x10",
                        "1.5e+2",
                        " 1",
                        "1 ",
                        "",
                        "-0",
                        "+5",
                        ".5",
                        "5.",
                        "1_000",
                        "0.1e-5000"}) {
    cmds.push_back({"ZADD", "z", v, "m"});
    cmds.push_back({"ZSCORE", "z", "m"});
    cmds.push_back({"ZINCRBY", "z2", v, "m"});
    cmds.push_back({"INCRBYFLOAT", "f", v});
    cmds.push_back({"HINCRBYFLOAT", "h", "f", v});
    cmds.push_back({"ZRANGEBYSCORE", "z", v, "+inf"});
    cmds.push_back({"ZCOUNT", "z", std::string("(") + v, "+inf"});
    cmds.push_back({"GEOADD", "g", v, "10", "m"});
  }
  auto diff = reference::differences(redis.port, dn.port, cmds);
  EXPECT_TRUE(diff.empty()) << ::testing::PrintToString(diff);
}

// Pushes get through CLIENT REPLY OFF (subscription confirmations and messages), as in Redis: RESP3
// pushes, and in RESP2 the same confirmations (Redis 7 sends them as pushes in both protocols).
TEST(ReplyParity, PushesIgnoreClientReplyOff) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  for (int protocol : {2, 3}) {
    auto session = [protocol](int port) {
      rawresp::Conn sub(port, 2000), pub(port);
      std::string out;
      if (protocol == 3 && sub.command({"HELLO", "3"}).empty()) out = "no hello";
      sub.send({"CLIENT", "REPLY", "OFF"});
      out += sub.command({"SUBSCRIBE", "channel"});
      out += sub.command({"PSUBSCRIBE", "ch*"});
      out += pub.command({"PUBLISH", "channel", "hello"});
      out += sub.read_reply();
      out += sub.read_reply();
      out += sub.command({"UNSUBSCRIBE", "channel"});
      // A plain reply stays off: PING answers nothing, the next push is what arrives.
      sub.send({"PING"});
      out += sub.command({"PUNSUBSCRIBE", "ch*"});
      return out;
    };
    EXPECT_EQ(session(redis.port), session(dn.port)) << "RESP" << protocol;
  }
}

// MONITOR: what is shown (EXEC, AUTH and HELLO redacted) and what is hidden (admin commands and
// subcommands), lines compared without their timestamp and client address.
TEST(ReplyParity, MonitorShowsWhatRedisShows) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  auto session = [](int port) {
    rawresp::Conn mon(port, 2000), c(port);
    mon.command({"MONITOR"});
    for (const std::vector<std::string>& cmd :
         std::vector<std::vector<std::string>>{{"SET", "a", "1"},
                                               {"AUTH", "secret"},
                                               {"AUTH", "user", "secret"},
                                               {"HELLO", "2", "AUTH", "default", "secret"},
                                               {"MULTI"},
                                               {"INCR", "a"},
                                               {"EXEC"},
                                               {"CONFIG", "GET", "hz"},
                                               {"CLIENT", "LIST"},
                                               {"CLIENT", "GETNAME"},
                                               {"DEBUG", "SLEEP", "0"},
                                               {"GET", "a"}})
      c.command(cmd);
    c.command({"ECHO", "end"});
    std::string lines;
    for (;;) {
      std::string line = mon.read_reply();
      if (line.empty()) break;
      size_t cut = line.find("] ");
      lines += cut == std::string::npos ? line : line.substr(cut + 2);
      if (line.find("\"end\"") != std::string::npos) break;
    }
    return lines;
  };
  EXPECT_EQ(session(redis.port), session(dn.port));
}

// What Redis' own test suite needs from DEBUG and blocking timeouts: QUICKLIST-PACKED-THRESHOLD is
// validated as Redis does (our lists have no plain nodes), and sub-millisecond timeouts round up to
// 1 ms instead of blocking forever.
TEST(ReplyParity, DebugPackedThresholdAndTinyTimeoutsMatchRedis) {
  reference::RealRedis redis({"--enable-debug-command", "yes"});
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  std::vector<std::vector<std::string>> cmds;
  for (const char* size : {"1b", "0", "5b", "1mb", "4gb", "5gb", "abc", "-1"})
    cmds.push_back({"DEBUG", "QUICKLIST-PACKED-THRESHOLD", size});
  for (const char* timeout : {"0.001", "0.0001", "0.0009"}) {
    cmds.push_back({"BLPOP", "nolist", timeout});
    cmds.push_back({"BZPOPMIN", "nozset", timeout});
    cmds.push_back({"BLMOVE", "nolist", "dst", "LEFT", "RIGHT", timeout});
  }
  auto diff = reference::differences(redis.port, dn.port, cmds);
  EXPECT_TRUE(diff.empty()) << ::testing::PrintToString(diff);
}

// COMMAND DOCS carries Redis' own text (summary, complexity, history, arguments), in both protocols.
// Containers are left out: Redis lists their subcommands in its dict's (per process) order.
TEST(ReplyParity, CommandDocsMatchRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  std::vector<std::vector<std::string>> cmds;
  for (const char* name : {"get", "set", "zadd", "config|get", "config|set", "client|kill", "lpos",
                           "georadius", "sort", "xadd-not-a-command"})
    cmds.push_back({"COMMAND", "DOCS", name});
  auto diff = reference::differences(redis.port, dn.port, cmds);
  EXPECT_TRUE(diff.empty()) << ::testing::PrintToString(diff);
  rawresp::Conn theirs(redis.port), ours(dn.port);
  theirs.command({"HELLO", "3"});
  ours.command({"HELLO", "3"});
  for (const auto& cmd : cmds) EXPECT_EQ(theirs.command(cmd), ours.command(cmd)) << cmd[2];
}

}  // namespace
