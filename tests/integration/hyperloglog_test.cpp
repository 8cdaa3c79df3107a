// HyperLogLog commands against a real redis-server 7.0.15: the same elements give the same counts and
// the same bytes (GET), HLL values copied with GET/SET between the two keep working on either side,
// every error text matches, and hostile HYLL strings get -INVALIDOBJ instead of a crash.
#include <gtest/gtest.h>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"
#include "script_util.h"

using scriptutil::script;
using Commands = std::vector<std::vector<std::string>>;

namespace {

// PFADD key in batches of 1000 elements "<prefix>0" ... "<prefix><n-1>".
Commands pfadd_batches(const std::string& key, const std::string& prefix, int n) {
  Commands out;
  for (int i = 0; i < n; i += 1000) {
    std::vector<std::string> cmd = {"PFADD", key};
    for (int j = i; j < std::min(n, i + 1000); ++j) cmd.push_back(prefix + std::to_string(j));
    out.push_back(std::move(cmd));
  }
  return out;
}

std::string bulk_body(const std::string& raw) {
  size_t eol = raw.find("\r\n");
  if (raw.empty() || raw[0] != '$' || eol == std::string::npos) return "";
  return raw.substr(eol + 2, raw.size() - eol - 4);
}

}  // namespace

TEST(HyperLogLog, SameRepliesAsRealRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  auto diffs = reference::differences_resp2_and_3(redis.port, node.port, script(R"(
FLUSHALL
PFADD h a b c d e f g
PFADD h a
PFADD h
PFADD new
GET new
PFCOUNT new
GET h
PFCOUNT h
GET h
PFCOUNT h
PFADD h2 c d x y z
PFCOUNT h h2
PFCOUNT h h2 nokey
PFCOUNT nokey
PFCOUNT nokey nokey2
GET h
PFMERGE m h h2
GET m
PFCOUNT m
PFMERGE m
PFMERGE m2 nokey
GET m2
PFDEBUG ENCODING h
PFDEBUG DECODE h
PFDEBUG GETREG nokey
PFDEBUG FOO h
PFDEBUG FOO nokey
PFDEBUG ENCODING h extra
PFDEBUG TODENSE h
PFDEBUG TODENSE h
PFDEBUG ENCODING h
PFDEBUG DECODE h
GET h
PFCOUNT h
PFADD h more elements here
PFCOUNT h
GET h
PFMERGE m3 h2 h
PFDEBUG ENCODING m3
GET m3
SET s notanhll
PFADD s a
PFCOUNT s
PFCOUNT h s
PFMERGE s h
PFMERGE h s
PFDEBUG ENCODING s
SET short HYLL
PFCOUNT short
LPUSH l a
PFADD l a
PFCOUNT l
PFCOUNT h l
PFMERGE l h
PFMERGE h l
PFDEBUG GETREG l
PFADD
PFCOUNT
PFMERGE
PFSELFTEST x
)"));
  EXPECT_EQ(diffs, std::vector<std::string>{});
  // GETREG: all 16384 registers, after turning a sparse value dense.
  Commands getreg = {
      {"PFADD", "g", "1", "2", "3"}, {"PFDEBUG", "GETREG", "g"}, {"PFDEBUG", "ENCODING", "g"}, {"GET", "g"}};
  EXPECT_EQ(reference::differences_resp2_and_3(redis.port, node.port, getreg), std::vector<std::string>{});
  EXPECT_EQ(rawresp::Conn(node.port, 30000).command({"PFSELFTEST"}), "+OK\r\n");
}

TEST(HyperLogLog, HundredThousandElementsCountTheSame) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  Commands cmds = pfadd_batches("big", "element:", 100000);
  for (auto& c : pfadd_batches("mid", "element:", 2500)) cmds.push_back(c);
  cmds.push_back({"PFCOUNT", "big"});
  cmds.push_back({"PFCOUNT", "mid"});
  cmds.push_back({"PFCOUNT", "big", "mid"});
  cmds.push_back({"GET", "big"});
  cmds.push_back({"GET", "mid"});
  cmds.push_back({"PFMERGE", "both", "mid", "big"});
  cmds.push_back({"GET", "both"});
  EXPECT_EQ(reference::differences_resp2_and_3(redis.port, node.port, cmds), std::vector<std::string>{});
  rawresp::Conn ours(node.port);
  EXPECT_EQ(ours.command({"PFCOUNT", "big"}), ":100039\r\n");  // redis-server 7.0.15's figure
}

// The sparse limit is a setting: a small one makes values dense sooner, on both servers alike.
TEST(HyperLogLog, SparseMaxBytesSetting) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  Commands cmds = {{"CONFIG", "SET", "hll-sparse-max-bytes", "100"},
                   {"CONFIG", "GET", "hll-sparse-max-bytes"}};
  for (auto& c : pfadd_batches("k", "v", 60)) cmds.push_back(c);
  cmds.push_back({"PFDEBUG", "ENCODING", "k"});
  cmds.push_back({"GET", "k"});
  EXPECT_EQ(reference::differences_resp2_and_3(redis.port, node.port, cmds), std::vector<std::string>{});
}

// Values copied with GET/SET between redis-server and the datanode, both ways, sparse and dense.
TEST(HyperLogLog, ValuesMoveBetweenRedisAndUs) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  rawresp::Conn theirs(redis.port), ours(node.port);
  for (int n : {50, 20000}) {
    for (auto [from, to] : {std::pair<rawresp::Conn*, rawresp::Conn*>{&theirs, &ours}, {&ours, &theirs}}) {
      std::string key = "copy" + std::to_string(n);
      from->command({"DEL", key});
      to->command({"DEL", key});
      for (auto& c : pfadd_batches(key, "a", n)) from->command(c);
      std::string value = bulk_body(from->command({"GET", key}));
      ASSERT_GT(value.size(), 16u);
      ASSERT_EQ(to->command({"SET", key, value}), "+OK\r\n");
      EXPECT_EQ(to->command({"PFCOUNT", key}), from->command({"PFCOUNT", key})) << n;
      for (auto& c : pfadd_batches(key, "b", n / 2)) EXPECT_EQ(to->command(c), from->command(c));
      EXPECT_EQ(to->command({"PFCOUNT", key}), from->command({"PFCOUNT", key})) << n;
      EXPECT_EQ(to->command({"GET", key}), from->command({"GET", key})) << n;
    }
  }
}

// Hostile HYLL strings: both servers answer the same, and ours stays up.
TEST(HyperLogLog, CorruptValuesAreRefused) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  std::string hdr("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80", 16);
  const std::vector<std::string> bodies = {
      std::string("\x7f\xfe", 2),          // one register short
      std::string("\x7f\xff\x00", 3),      // one register too many
      std::string("\x7f\xfd\x83", 3),      // a VAL run past the last register
      std::string("\x7f\xff\xff\xff", 4),  // far too many
      std::string(),                       // no opcodes
      std::string("\x80", 1),              // one register only
  };
  Commands cmds;
  for (size_t i = 0; i < bodies.size(); ++i) {
    std::string key = "bad" + std::to_string(i);
    cmds.push_back({"SET", key, hdr + bodies[i]});
    cmds.push_back({"PFCOUNT", key});
    cmds.push_back({"PFCOUNT", key, "nokey"});
    cmds.push_back({"PFMERGE", "dest" + std::to_string(i), key});
    cmds.push_back({"PFDEBUG", "TODENSE", key});
    cmds.push_back({"PFDEBUG", "DECODE", key});
  }
  // A valid cached cardinality is trusted without reading the registers, as Redis does.
  cmds.push_back({"SET", "cached", std::string("HYLL\x01\0\0\0\x2a\0\0\0\0\0\0\0", 16) + "\x7f\xfe"});
  cmds.push_back({"PFCOUNT", "cached"});
  // Dense values must be exactly 12304 bytes.
  cmds.push_back({"SET", "dense", std::string("HYLL\0\0\0\0\0\0\0\0\0\0\0\x80", 16) + std::string(100, 'x')});
  cmds.push_back({"PFCOUNT", "dense"});
  cmds.push_back({"PFADD", "dense", "x"});
  cmds.push_back(
      {"SET", "dense", std::string("HYLL\0\0\0\0\0\0\0\0\0\0\0\x80", 16) + std::string(12288, '\xff')});
  cmds.push_back({"PFCOUNT", "dense"});
  cmds.push_back({"PFADD", "dense", "x"});
  cmds.push_back({"PFCOUNT", "dense", "nokey"});
  cmds.push_back({"PING"});
  EXPECT_EQ(reference::differences_resp2_and_3(redis.port, node.port, cmds), std::vector<std::string>{});
}
