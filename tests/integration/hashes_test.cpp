// Hash commands over real sockets: the seed's walkthrough, counters and their errors, HRANDFIELD,
// HSCAN over small and big hashes (no field skipped, none returned twice, even with writes in between),
// and a script replayed against a real redis-server, compared byte for byte.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

using harness::Client;
using harness::Datanode;
using harness::Reply;

namespace {

std::vector<std::string> strs(const Reply& r) {
  std::vector<std::string> out;
  for (const Reply& e : r.elements) out.push_back(e.str);
  return out;
}

std::vector<std::vector<std::string>> script(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::vector<std::string> cmd;
    std::string w;
    while (words >> w) cmd.push_back(w);
    if (!cmd.empty()) out.push_back(cmd);
  }
  return out;
}

// Full HSCAN: field -> how many times it was returned.
std::map<std::string, int> scan_all(Client& c, const std::string& key, const std::string& count,
                                    const std::function<void(int round)>& between = nullptr) {
  std::map<std::string, int> seen;
  std::string cursor = "0";
  for (int round = 0; round < 100000; ++round) {
    Reply r = c.command({"HSCAN", key, cursor, "COUNT", count});
    EXPECT_EQ(r.elements.size(), 2u);
    if (r.elements.size() != 2) break;
    for (size_t i = 0; i + 1 < r.elements[1].elements.size(); i += 2) seen[r.elements[1].elements[i].str]++;
    cursor = r.elements[0].str;
    if (cursor == "0") break;
    if (between) between(round);
  }
  EXPECT_EQ(cursor, "0");
  return seen;
}

}  // namespace

TEST(Hashes, SeedWalkthrough) {
  Datanode node;
  Client c(node.port);
  EXPECT_EQ(c.command({"HSET", "myhash", "field1", "foo"}).integer, 1);  // Redis 7: fields added
  EXPECT_EQ(c.command({"HGET", "myhash", "field1"}).str, "foo");
  EXPECT_EQ(strs(c.command({"HVALS", "myhash"})), (std::vector<std::string>{"foo"}));
  EXPECT_EQ(strs(c.command({"HGETALL", "myhash"})), (std::vector<std::string>{"field1", "foo"}));
  EXPECT_EQ(c.command({"HSET", "myhash", "field1", "bar", "field2", "baz"}).integer, 1);
  EXPECT_EQ(c.command({"HSET", "myhash", "field3"}).str, "ERR wrong number of arguments for 'hset' command");
  EXPECT_EQ(c.command({"HMSET", "myhash", "a", "1", "b"}).str,
            "ERR wrong number of arguments for 'hmset' command");
  EXPECT_EQ(c.command({"HMSET", "myhash", "a", "1"}).str, "OK");
  EXPECT_EQ(c.command({"HLEN", "myhash"}).integer, 3);
}

TEST(Hashes, FieldsCountersAndErrors) {
  Datanode node;
  Client c(node.port);
  c.command({"HSET", "h", "a", "1", "b", "two"});
  EXPECT_EQ(c.command({"HSETNX", "h", "a", "9"}).integer, 0);
  EXPECT_EQ(c.command({"HSETNX", "h", "c", "3"}).integer, 1);
  Reply m = c.command({"HMGET", "h", "a", "zz", "c"});
  ASSERT_EQ(m.elements.size(), 3u);
  EXPECT_EQ(m.elements[0].str, "1");
  EXPECT_TRUE(m.elements[1].is_nil());
  EXPECT_EQ(c.command({"HEXISTS", "h", "b"}).integer, 1);
  EXPECT_EQ(c.command({"HEXISTS", "h", "zz"}).integer, 0);
  EXPECT_EQ(c.command({"HSTRLEN", "h", "b"}).integer, 3);
  EXPECT_EQ(c.command({"HINCRBY", "h", "a", "41"}).integer, 42);
  EXPECT_EQ(c.command({"HINCRBY", "h", "b", "1"}).str, "ERR hash value is not an integer");
  EXPECT_EQ(c.command({"HINCRBY", "h", "a", "x"}).str, "ERR value is not an integer or out of range");
  c.command({"HSET", "h", "big", "9223372036854775807"});
  EXPECT_EQ(c.command({"HINCRBY", "h", "big", "1"}).str, "ERR increment or decrement would overflow");
  EXPECT_EQ(c.command({"HINCRBYFLOAT", "h", "f", "10.5"}).str, "10.5");
  EXPECT_EQ(c.command({"HINCRBYFLOAT", "h", "f", "0.1"}).str, "10.6");
  EXPECT_EQ(c.command({"HINCRBYFLOAT", "h", "b", "1"}).str, "ERR hash value is not a float");
  EXPECT_EQ(c.command({"HINCRBYFLOAT", "h", "f", "x"}).str, "ERR value is not a valid float");
  EXPECT_EQ(c.command({"HDEL", "h", "a", "zz", "b"}).integer, 2);
  c.command({"SET", "s", "x"});
  for (auto cmd : std::vector<std::vector<std::string>>{{"HSET", "s", "a", "b"},
                                                        {"HGET", "s", "a"},
                                                        {"HGETALL", "s"},
                                                        {"HINCRBY", "s", "a", "1"},
                                                        {"HSCAN", "s", "0"}}) {
    EXPECT_EQ(c.command(cmd).str, "WRONGTYPE Operation against a key holding the wrong kind of value")
        << cmd[0];
  }
  c.command({"HSET", "one", "f", "v"});
  EXPECT_EQ(c.command({"HDEL", "one", "f"}).integer, 1);
  EXPECT_EQ(c.command({"EXISTS", "one"}).integer, 0);  // emptied hashes are deleted
}

TEST(Hashes, RandomFields) {
  Datanode node;
  Client c(node.port);
  c.command({"HSET", "h", "a", "1", "b", "2", "c", "3"});
  std::string one = c.command({"HRANDFIELD", "h"}).str;
  EXPECT_TRUE(one == "a" || one == "b" || one == "c");
  Reply distinct = c.command({"HRANDFIELD", "h", "10"});
  std::vector<std::string> fields = strs(distinct);
  EXPECT_EQ(fields.size(), 3u);
  EXPECT_EQ(std::set<std::string>(fields.begin(), fields.end()).size(), 3u);
  Reply two = c.command({"HRANDFIELD", "h", "2", "WITHVALUES"});
  ASSERT_EQ(two.elements.size(), 4u);
  EXPECT_NE(two.elements[0].str, two.elements[2].str);
  EXPECT_EQ(two.elements[1].str, std::string(1, static_cast<char>('1' + (two.elements[0].str[0] - 'a'))));
  EXPECT_EQ(c.command({"HRANDFIELD", "h", "-7"}).elements.size(), 7u);  // repeats allowed
  EXPECT_EQ(c.command({"HRANDFIELD", "h", "-7", "WITHVALUES"}).elements.size(), 14u);
  EXPECT_EQ(c.command({"HRANDFIELD", "h", "0"}).elements.size(), 0u);
  EXPECT_TRUE(c.command({"HRANDFIELD", "nokey"}).is_nil());
  EXPECT_EQ(c.command({"HRANDFIELD", "h", "1", "nope"}).str, "ERR syntax error");
}

TEST(Hashes, ScanSmallAndBig) {
  Datanode node;
  Client c(node.port);
  c.command({"HSET", "small", "a", "1", "b", "2"});
  Reply r = c.command({"HSCAN", "small", "0", "COUNT", "1"});
  EXPECT_EQ(r.elements[0].str, "0");  // small hashes come whole, like Redis' listpack encoding
  EXPECT_EQ(r.elements[1].elements.size(), 4u);
  r = c.command({"HSCAN", "small", "0", "MATCH", "a*"});
  EXPECT_EQ(strs(r.elements[1]), (std::vector<std::string>{"a", "1"}));
  EXPECT_EQ(c.command({"HSCAN", "small", "x"}).str, "ERR invalid cursor");
  EXPECT_EQ(c.command({"HSCAN", "small", "0", "COUNT", "0"}).str, "ERR syntax error");

  std::vector<std::string> hset = {"HSET", "big"};
  for (int i = 0; i < 2000; ++i) {
    hset.push_back("f" + std::to_string(i));
    hset.push_back(std::to_string(i));
  }
  EXPECT_EQ(c.command(hset).integer, 2000);
  auto seen = scan_all(c, "big", "10");
  EXPECT_EQ(seen.size(), 2000u);
  for (const auto& [f, n] : seen) EXPECT_EQ(n, 1) << f;

  // Writes between calls: every field present throughout is still returned exactly once.
  auto during = scan_all(c, "big", "50", [&](int round) {
    c.command({"HSET", "big", "new" + std::to_string(round), "x"});
    c.command({"HDEL", "big", "f" + std::to_string(1999 - round)});
  });
  for (int i = 0; i < 1500; ++i) {
    std::string f = "f" + std::to_string(i);
    if (c.command({"HEXISTS", "big", f}).integer == 1) {
      EXPECT_EQ(during[f], 1) << f;
    }
  }
  for (const auto& [f, n] : during) EXPECT_EQ(n, 1) << f;
}

TEST(Hashes, SameRepliesAsRealRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  auto diffs = reference::differences(redis.port, node.port, script(R"(
FLUSHALL
HSET myhash field1 foo
HGET myhash field1
HVALS myhash
HGETALL myhash
HSET myhash field1 bar field2 baz
HSET myhash field3
HSET myhash
HMSET myhash a
HMSET myhash a 1 b 2
HSETNX myhash a 5
HSETNX myhash z 5
HGET myhash nofield
HGET nokey f
HMGET myhash a nofield b
HMGET nokey a b
HDEL myhash a nofield
HDEL nokey a
HLEN myhash
HLEN nokey
HEXISTS myhash b
HEXISTS nokey b
HSTRLEN myhash field1
HSTRLEN nokey f
HKEYS nokey
HVALS nokey
HGETALL nokey
SET s str
HSET s a b
HMGET s a
HDEL s a
HLEN s
HKEYS s
HINCRBY s a 1
HINCRBYFLOAT s a 1
HRANDFIELD s
HSCAN s 0
HSETNX s a b
HINCRBY myhash n 5
HINCRBY myhash n -7
HINCRBY myhash n x
HINCRBY myhash field1 1
HINCRBY myhash n 9223372036854775807
HINCRBY myhash n -9223372036854775808
HSET myhash big 9223372036854775807
HINCRBY myhash big 1
HINCRBY myhash big -1
HINCRBYFLOAT myhash f 10.5
HINCRBYFLOAT myhash f 0.1
HINCRBYFLOAT myhash f -5.0e3
HINCRBYFLOAT myhash f x
HINCRBYFLOAT myhash f inf
HINCRBYFLOAT myhash f nan
HINCRBYFLOAT myhash field1 1
HINCRBYFLOAT myhash n 1.5
HRANDFIELD nokey
HRANDFIELD nokey 5
HRANDFIELD nokey -5 WITHVALUES
HRANDFIELD myhash 0
HRANDFIELD myhash x
HRANDFIELD myhash 1 foo
HRANDFIELD myhash 1 withvalues x
HRANDFIELD myhash -9223372036854775808
HRANDFIELD myhash 9223372036854775807 withvalues
HRANDFIELD myhash -9223372036854775807 withvalues
HSCAN nokey 0
HSCAN nokey x
HSCAN nokey 0 FOO
HSCAN myhash x
HSCAN myhash 0 COUNT 0
HSCAN myhash 0 COUNT x
HSCAN myhash 0 FOO bar
HSCAN myhash 0 MATCH
HSCAN myhash 18446744073709551616
HDEL myhash field1 field2 field3 b z n big f nokey
EXISTS myhash
HSET h1 a 1
HSCAN h1 0
HSCAN h1 0 MATCH a*
HSCAN h1 0 MATCH b* COUNT 100
HRANDFIELD h1
HRANDFIELD h1 1 WITHVALUES
HRANDFIELD h1 -3 WITHVALUES
HDEL h1 a
EXISTS h1
)"));
  for (const auto& d : diffs) ADD_FAILURE() << d;
}

// Small hashes are packed (OBJECT ENCODING listpack) until a field count or a string length passes
// hash-max-listpack-*, then a table for good; a reload packs them again, as Redis' RDB load does.
TEST(Hashes, EncodingsAsRealRedis) {
  reference::RealRedis redis({"--enable-debug-command", "yes"});
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  std::vector<std::string> fill = {"HSET", "wide"};
  for (int i = 0; i < 512; ++i) {
    fill.push_back("f" + std::to_string(i));
    fill.push_back(std::to_string(i));
  }
  std::vector<std::vector<std::string>> commands = script(R"(
FLUSHALL
HSET h f1 v1 f2 v2
OBJECT ENCODING h
HSET h long xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
OBJECT ENCODING h
HDEL h long
OBJECT ENCODING h
HLEN h
HGET h f2
HSET h2 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx v
OBJECT ENCODING h2
HSETNX h3 a 1
OBJECT ENCODING h3
HSETNX h3 b xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
OBJECT ENCODING h3
HINCRBYFLOAT h4 f 1.5
OBJECT ENCODING h4
)");
  commands.push_back(fill);
  for (const auto& line : script(R"(
OBJECT ENCODING wide
HLEN wide
HGET wide f511
HSET wide f511 changed
OBJECT ENCODING wide
HSET wide f512 one-more
OBJECT ENCODING wide
HDEL wide f512
OBJECT ENCODING wide
CONFIG SET hash-max-listpack-entries 3
CONFIG SET hash-max-listpack-value 4
HSET small a 1 b 2 c 3
OBJECT ENCODING small
HSET small d 4
OBJECT ENCODING small
HSET short a abcd
OBJECT ENCODING short
HSET short a abcde
OBJECT ENCODING short
COPY h3 h3copy
OBJECT ENCODING h3copy
CONFIG SET hash-max-listpack-entries 512
CONFIG SET hash-max-listpack-value 64
DEBUG RELOAD
OBJECT ENCODING h
OBJECT ENCODING h3
OBJECT ENCODING small
OBJECT ENCODING wide
HMGET h f1 f2 long
HGET h3 b
)"))
    commands.push_back(line);
  EXPECT_EQ(reference::differences(redis.port, node.port, commands), std::vector<std::string>{});
}
