// Lists as quicklists of packed nodes, against a real redis-server 7.0.15: the same seeded stream of
// edits (pushes, pops, LINSERT, LSET, LREM from both ends, LTRIM, LPOS, LRANGE and LINDEX across node
// boundaries) under several list-max-listpack-size values set at runtime, OBJECT ENCODING, a DEBUG
// RELOAD, and DUMP/RESTORE of a many-node list both ways.
#include <gtest/gtest.h>

#include <random>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"
#include "script_util.h"

using harness::Client;
using harness::Datanode;
using scriptutil::script;

namespace {

using Commands = std::vector<std::vector<std::string>>;

std::string element(std::mt19937& rng) {
  static const size_t kSizes[] = {0, 1, 2, 5, 40, 130, 3000, 9000};
  if (rng() % 3 != 0) return std::string(1, static_cast<char>('a' + rng() % 4));
  std::string s(kSizes[rng() % std::size(kSizes)], 'x');
  if (!s.empty()) s[0] = static_cast<char>('a' + rng() % 4);
  return s;
}

std::string index(std::mt19937& rng) { return std::to_string(static_cast<int>(rng() % 80) - 40); }

// A seeded stream of list edits and reads on a few keys.
Commands edits(unsigned seed, int steps) {
  std::mt19937 rng(seed);
  Commands out;
  for (int i = 0; i < steps; ++i) {
    std::string key = "l" + std::to_string(rng() % 3);
    switch (rng() % 14) {
      case 0: out.push_back({"LPUSH", key, element(rng), element(rng)}); break;
      case 1:
      case 2: out.push_back({"RPUSH", key, element(rng), element(rng), element(rng)}); break;
      case 3: out.push_back({"LPOP", key, std::to_string(rng() % 3)}); break;
      case 4: out.push_back({"RPOP", key}); break;
      case 5: out.push_back({"LINSERT", key, rng() % 2 ? "BEFORE" : "AFTER", element(rng), element(rng)}); break;
      case 6: out.push_back({"LSET", key, index(rng), element(rng)}); break;
      case 7: out.push_back({"LREM", key, std::to_string(static_cast<int>(rng() % 5) - 2), element(rng)}); break;
      case 8:
        if (rng() % 6 == 0) out.push_back({"LTRIM", key, index(rng), index(rng)});
        break;
      case 9: out.push_back({"LPOS", key, element(rng), "RANK", rng() % 2 ? "-1" : "2", "COUNT", "0"}); break;
      case 10: out.push_back({"LINDEX", key, index(rng)}); break;
      case 11: out.push_back({"LRANGE", key, index(rng), index(rng)}); break;
      case 12: out.push_back({"RPOPLPUSH", key, "l" + std::to_string(rng() % 3)}); break;
      default: out.push_back({"LMOVE", key, key, "LEFT", "RIGHT"}); break;
    }
  }
  for (const char* key : {"l0", "l1", "l2"}) {
    out.push_back({"LLEN", key});
    out.push_back({"LRANGE", key, "0", "-1"});
  }
  return out;
}

std::string bulk_body(const std::string& raw) {  // "$<n>\r\n<body>\r\n" -> body
  size_t header_end = raw.find("\r\n");
  if (raw.empty() || raw[0] != '$' || header_end == std::string::npos) return {};
  return raw.substr(header_end + 2, std::stoul(raw.substr(1, header_end - 1)));
}

}  // namespace

TEST(ListEncoding, EditsUnderEveryNodeSizeAsRealRedis) {
  reference::RealRedis redis({"--enable-debug-command", "yes"});
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  Commands commands = {{"FLUSHALL"}};
  unsigned seed = 1;
  for (const char* fill : {"-2", "1", "3", "-1", "7", "-5"}) {
    commands.push_back({"CONFIG", "SET", "list-max-listpack-size", fill});
    for (const auto& cmd : edits(seed++, 700)) commands.push_back(cmd);
  }
  for (const auto& line : script(R"(
CONFIG GET list-max-listpack-size
OBJECT ENCODING l0
OBJECT ENCODING l1
DEBUG RELOAD
OBJECT ENCODING l0
LRANGE l0 0 -1
LRANGE l1 0 -1
LRANGE l2 0 -1
CONFIG SET list-max-ziplist-size 2
CONFIG GET list-max-listpack-size
RPUSH small a b c d e f g
LINSERT small BEFORE d x
LRANGE small 0 -1
SORT small BY nosort LIMIT 2 4 DESC
SORT small BY nosort LIMIT 1 3
SORT small ALPHA
LTRIM small 1 -2
LRANGE small 0 -1
CONFIG SET list-max-listpack-size -2
)"))
    commands.push_back(line);
  EXPECT_EQ(reference::differences(redis.port, node.port, commands), std::vector<std::string>{});
}

// A list of many nodes (small node limit) and large elements moves both ways through DUMP/RESTORE.
TEST(ListEncoding, ManyNodeListDumpsAndRestoresBothWays) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  for (bool from_redis : {true, false}) {
    int from_port = from_redis ? redis.port : node.port, to_port = from_redis ? node.port : redis.port;
    Client from(from_port), to(to_port);
    rawresp::Conn from_raw(from_port);
    from.command({"FLUSHALL"});
    to.command({"FLUSHALL"});
    from.command({"CONFIG", "SET", "list-max-listpack-size", "4"});
    for (int i = 0; i < 300; ++i)
      from.command({i % 2 ? "RPUSH" : "LPUSH", "big", std::to_string(i) + std::string(i % 50 == 0 ? 10000 : 3, 'v')});
    std::string dumped = bulk_body(from_raw.command({"DUMP", "big"}));
    ASSERT_FALSE(dumped.empty());
    EXPECT_EQ(to.command({"RESTORE", "big", "0", dumped}).str, "OK");
    rawresp::Conn to_raw(to_port);
    EXPECT_EQ(to_raw.command({"LRANGE", "big", "0", "-1"}), from_raw.command({"LRANGE", "big", "0", "-1"}))
        << (from_redis ? "redis -> ours" : "ours -> redis");
    EXPECT_EQ(to.command({"OBJECT", "ENCODING", "big"}).str, "quicklist");
    from.command({"CONFIG", "SET", "list-max-listpack-size", "-2"});
  }
}
