// Glob patterns over real sockets: KEYS, SCAN MATCH, PSUBSCRIBE and CONFIG GET give redis-server's
// results for classes, ranges, escapes and negation, and a pattern that made the old matcher backtrack
// exponentially (the class of CVE-2022-36021) is answered at once while the node keeps serving.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

namespace {

using Commands = std::vector<std::vector<std::string>>;

std::vector<std::string> sorted_strings(const harness::Reply& r) {
  std::vector<std::string> v;
  for (const auto& e : r.elements) v.push_back(e.str);
  std::sort(v.begin(), v.end());
  return v;
}

TEST(Glob, PatternsAgreeWithRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server is not installed";
  harness::Datanode node;
  Commands sets;
  for (const char* key : {"hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "h[llo", "h\\llo", "HELLO",
                          "a-b", "a]b", "x^y", "user:1", "user:12", "user:abc"})
    sets.push_back({"SET", key, "v"});
  ASSERT_EQ(reference::differences(redis.port, node.port, sets), std::vector<std::string>{});

  // KEYS and SCAN list keys in hash-table order, which differs: compare them as sets.
  harness::Client theirs(redis.port), ours(node.port);
  for (const char* pattern :
       {"h?llo",   "h*llo",    "h[ae]llo",   "h[^e]llo",    "h[a-b]llo",    "h[b-a]llo", "h\\*llo",
        "h\\[llo", "h\\\\llo", "*",          "h*",          "*o",           "a[-]b",     "a[]]b",
        "x[\\^]y", "x^y",      "user:[0-9]", "user:[0-9]*", "user:[^0-9]*", "[hH][eE]*", "h[abc",
        "[",       "\\",       "*\\",        "h*l*l*o",     "???????",      "HELLO",     "[^]"}) {
    EXPECT_EQ(sorted_strings(ours.command({"KEYS", pattern})),
              sorted_strings(theirs.command({"KEYS", pattern})))
        << "KEYS " << pattern;
    Commands scan = {{"SCAN", "0", "MATCH", pattern, "COUNT", "1000"}};
    EXPECT_EQ(sorted_strings(ours.command(scan[0]).elements.at(1)),
              sorted_strings(theirs.command(scan[0]).elements.at(1)))
        << "SCAN MATCH " << pattern;
  }
  // CONFIG GET matches parameter names case-insensitively.
  EXPECT_EQ(
      reference::differences(redis.port, node.port,
                             {{"CONFIG", "GET", "MAXMEMORY-P[o]LICY"}, {"CONFIG", "GET", "appendfsyn?"}}),
      std::vector<std::string>{});
}

TEST(Glob, PsubscribeClassesAgreeWithRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server is not installed";
  harness::Datanode node;
  for (int port : {redis.port, node.port}) {
    rawresp::Conn sub(port), pub(port);
    sub.command({"PSUBSCRIBE", "news.[^s]*"});
    EXPECT_EQ(pub.command({"PUBLISH", "news.sport", "x"}), ":0\r\n") << port;
    EXPECT_EQ(pub.command({"PUBLISH", "news.art", "y"}), ":1\r\n") << port;
    EXPECT_EQ(sub.read_reply(), "*4\r\n$8\r\npmessage\r\n$10\r\nnews.[^s]*\r\n$8\r\nnews.art\r\n$1\r\ny\r\n")
        << port;
  }
}

TEST(Glob, PathologicalPatternDoesNotStallTheNode) {
  harness::Datanode node;
  rawresp::Conn c(node.port, 20000), other(node.port, 20000);
  ASSERT_EQ(c.command({"SET", std::string(40, 'a'), "v"}), "+OK\r\n");
  for (int i = 0; i < 100; ++i) c.command({"SET", std::string(40 + i, 'a') + "c", "v"});
  std::string pattern;
  for (int i = 0; i < 20; ++i) pattern += "a*";
  pattern += "b";
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c.command({"KEYS", pattern}), "*0\r\n");
  EXPECT_EQ(c.command({"SCAN", "0", "MATCH", pattern, "COUNT", "1000"}).substr(0, 4), "*2\r\n");
  c.send({"PSUBSCRIBE", pattern});
  EXPECT_NE(c.read_reply(), "");
  EXPECT_EQ(other.command({"PUBLISH", std::string(60, 'a'), "x"}), ":0\r\n");
  EXPECT_EQ(other.command({"PING"}), "+PONG\r\n");
  // A functional bound: the old matcher took minutes here. Not a speed assertion.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
