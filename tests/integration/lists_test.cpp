// List commands over real sockets: the seed's walkthrough, exact replies (nil vs empty array), errors,
// and the same script replayed against a real redis-server, compared byte for byte.
#include <gtest/gtest.h>

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

// One command per line, arguments split on spaces.
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

const char* kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";

}  // namespace

TEST(Lists, SeedWalkthrough) {
  Datanode node;
  Client c(node.port);
  EXPECT_EQ(
      c.command({"LPUSH", "mylist", "10", "11", "12", "14", "19", "20", "30", "99", "2", "29", "76"}).integer,
      11);
  EXPECT_EQ(c.command({"LINDEX", "mylist", "0"}).str, "76");
  Reply r = c.command({"LINDEX", "mylist"});
  EXPECT_TRUE(r.is_error());
  EXPECT_EQ(r.str, "ERR wrong number of arguments for 'lindex' command");
  EXPECT_EQ(strs(c.command({"LRANGE", "mylist", "0", "5"})),
            (std::vector<std::string>{"76", "29", "2", "99", "30", "20"}));
  EXPECT_EQ(c.command({"LREM", "mylist", "0", "76"}).integer, 1);
  EXPECT_EQ(c.command({"LLEN", "mylist"}).integer, 10);
  EXPECT_EQ(c.command({"LINDEX", "mylist", "0"}).str, "29");
}

TEST(Lists, PopRepliesNilVersusEmptyArray) {
  Datanode node;
  rawresp::Conn c(node.port);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.command({"LPOP", "none"}), "$-1\r\n");
  EXPECT_EQ(c.command({"LPOP", "none", "1"}), "*-1\r\n");
  EXPECT_EQ(c.command({"LPOP", "none", "0"}), "*-1\r\n");
  EXPECT_EQ(c.command({"RPUSH", "l", "a", "b", "c"}), ":3\r\n");
  EXPECT_EQ(c.command({"LPOP", "l", "0"}), "*0\r\n");
  EXPECT_EQ(c.command({"LPOP", "l"}), "$1\r\na\r\n");
  EXPECT_EQ(c.command({"RPOP", "l", "5"}), "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
  EXPECT_EQ(c.command({"EXISTS", "l"}), ":0\r\n");  // emptied lists are deleted
  EXPECT_EQ(c.command({"LPOP", "l", "-1"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(c.command({"LPOP", "l", "1", "2"}), "-ERR wrong number of arguments for 'lpop' command\r\n");
  EXPECT_EQ(c.command({"LPUSHX", "l", "a"}), ":0\r\n");
  EXPECT_EQ(c.command({"RPUSHX", "l", "a"}), ":0\r\n");
  EXPECT_EQ(c.command({"RPUSH", "l", "a"}), ":1\r\n");
  EXPECT_EQ(c.command({"RPUSHX", "l", "b", "c"}), ":3\r\n");
  EXPECT_EQ(c.command({"LPUSHX", "l", "z"}), ":4\r\n");
}

TEST(Lists, ErrorsAndEdits) {
  Datanode node;
  Client c(node.port);
  c.command({"SET", "s", "x"});
  for (auto cmd : std::vector<std::vector<std::string>>{{"LPUSH", "s", "a"},
                                                        {"LLEN", "s"},
                                                        {"LRANGE", "s", "0", "1"},
                                                        {"LPOP", "s"},
                                                        {"LINDEX", "s", "0"},
                                                        {"LSET", "s", "0", "a"},
                                                        {"LPOS", "s", "a"},
                                                        {"LMOVE", "s", "d", "LEFT", "LEFT"}}) {
    EXPECT_EQ(c.command(cmd).str, kWrongType) << cmd[0];
  }
  EXPECT_EQ(c.command({"LSET", "nokey", "0", "a"}).str, "ERR no such key");
  c.command({"RPUSH", "l", "a", "b", "c", "d"});
  EXPECT_EQ(c.command({"LSET", "l", "9", "a"}).str, "ERR index out of range");
  EXPECT_EQ(c.command({"LSET", "l", "-1", "D"}).str, "OK");
  EXPECT_EQ(c.command({"LINSERT", "l", "BEFORE", "b", "X"}).integer, 5);
  EXPECT_EQ(c.command({"LINSERT", "l", "AFTER", "nope", "X"}).integer, -1);
  EXPECT_EQ(c.command({"LINSERT", "nokey", "AFTER", "a", "X"}).integer, 0);
  EXPECT_EQ(c.command({"LINSERT", "l", "MIDDLE", "a", "X"}).str, "ERR syntax error");
  EXPECT_EQ(strs(c.command({"LRANGE", "l", "0", "-1"})), (std::vector<std::string>{"a", "X", "b", "c", "D"}));
  EXPECT_EQ(c.command({"LTRIM", "l", "1", "-2"}).str, "OK");
  EXPECT_EQ(strs(c.command({"LRANGE", "l", "0", "-1"})), (std::vector<std::string>{"X", "b", "c"}));
  EXPECT_EQ(c.command({"LRANGE", "l", "x", "1"}).str, "ERR value is not an integer or out of range");
  EXPECT_EQ(c.command({"LTRIM", "l", "5", "1"}).str, "OK");
  EXPECT_EQ(c.command({"EXISTS", "l"}).integer, 0);
  c.command({"RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"});
  EXPECT_EQ(c.command({"LPOS", "l", "c"}).integer, 2);
  EXPECT_EQ(c.command({"LPOS", "l", "c", "RANK", "-1"}).integer, 7);
  Reply all = c.command({"LPOS", "l", "c", "COUNT", "0"});
  ASSERT_EQ(all.elements.size(), 3u);
  EXPECT_EQ(all.elements[2].integer, 7);
  EXPECT_TRUE(c.command({"LPOS", "l", "zz"}).is_nil());
  EXPECT_EQ(
      c.command({"LPOS", "l", "c", "RANK", "0"}).str,
      "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative "
      "to start from the end of the list");
  EXPECT_EQ(c.command({"LPOS", "l", "c", "COUNT", "-1"}).str, "ERR COUNT can't be negative");
  EXPECT_EQ(c.command({"LPOS", "l", "c", "MAXLEN", "-1"}).str, "ERR MAXLEN can't be negative");
  EXPECT_EQ(c.command({"LPOS", "l", "c", "MAXLEN", "2"}).type, Reply::Type::kNil);
  EXPECT_EQ(c.command({"LMOVE", "l", "m", "LEFT", "RIGHT"}).str, "a");
  EXPECT_EQ(c.command({"RPOPLPUSH", "l", "m"}).str, "c");
  EXPECT_EQ(strs(c.command({"LRANGE", "m", "0", "-1"})), (std::vector<std::string>{"c", "a"}));
  EXPECT_EQ(c.command({"LMOVE", "l", "m", "UP", "RIGHT"}).str, "ERR syntax error");
  EXPECT_EQ(c.command({"LMOVE", "l", "s", "LEFT", "RIGHT"}).str, kWrongType);
  Reply mp = c.command({"LMPOP", "2", "nokey", "m", "RIGHT", "COUNT", "5"});
  ASSERT_EQ(mp.elements.size(), 2u);
  EXPECT_EQ(mp.elements[0].str, "m");
  EXPECT_EQ(strs(mp.elements[1]), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(c.command({"LMPOP", "0", "m", "LEFT"}).str, "ERR numkeys should be greater than 0");
  EXPECT_EQ(c.command({"LMPOP", "1", "m", "LEFT", "COUNT", "0"}).str, "ERR count should be greater than 0");
}

TEST(Lists, SameRepliesAsRealRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  auto diffs = reference::differences(redis.port, node.port, script(R"(
FLUSHALL
LPUSH mylist 10 11 12 14 19 20 30 99 2 29 76
LINDEX mylist 0
LINDEX mylist
LINDEX mylist -1
LINDEX mylist 100
LINDEX mylist abc
LINDEX nokey abc
LRANGE mylist 0 5
LRANGE mylist -3 -1
LRANGE mylist 5 2
LRANGE mylist -100 100
LRANGE nokey a 1
LREM mylist 0 76
LREM mylist a 76
LREM nokey 1 a
SET s str
LLEN s
LPUSH s a
LPOP s x
LPOP nokey
LPOP nokey 1
LPOP nokey 0
LPOP nokey -1
LPOP nokey x
LPOP mylist 0
LPOP mylist 1 2
RPOP mylist 1 2
LPOP mylist
RPOP mylist
LPOP mylist 2
RPOP mylist 3
LRANGE mylist 0 -1
RPOP mylist 100
EXISTS mylist
LPUSHX mylist a
RPUSH mylist a b c a b c a
LREM mylist 2 a
LREM mylist -1 b
LREM mylist -100 c
LRANGE mylist 0 -1
LSET nokey 0 a
LSET nokey x a
LSET mylist x a
LSET mylist 100 a
LSET mylist -1 last
LTRIM mylist 1 -2
LTRIM mylist a 1
LTRIM nokey 0 1
LTRIM s 0 1
LTRIM mylist 5 1
EXISTS mylist
RPUSH mylist a b c d
LINSERT mylist BEFORE c X
LINSERT mylist after d Y
LINSERT mylist after nope Y
LINSERT mylist middle d Y
LINSERT s before a b
DEL mylist
RPUSH mylist a b c 1 2 3 c c
LPOS mylist c COUNT 2 RANK -1
LPOS mylist c RANK x
LPOS mylist c RANK -9223372036854775808
LPOS mylist c COUNT x
LPOS mylist c MAXLEN x
LPOS mylist c MAXLEN 3 COUNT 0
LPOS mylist c MAXLEN 2 COUNT 0 RANK -1
LPOS mylist c FOO 1
LPOS mylist c RANK
LPOS mylist z COUNT 1
LPOS nokey z
LPOS nokey z COUNT 0
LPOS mylist c RANK 10
LMOVE mylist l2 LEFT RIGHT
LMOVE nokey l2 left left
LMOVE s l2 left left
RPOPLPUSH nokey l2
RPOPLPUSH l2 l2
LMPOP 1 mylist
LMPOP -1 mylist LEFT
LMPOP x mylist LEFT
LMPOP 2 mylist LEFT
LMPOP 1 mylist UP
LMPOP 1 mylist LEFT COUNT x
LMPOP 1 mylist LEFT COUNT 2 COUNT 2
LMPOP 1 mylist LEFT COUNT
LMPOP 2 nokey mylist LEFT
LMPOP 2 s mylist LEFT
LMPOP 2 nokey2 nokey LEFT
BLPOP l2
BLPOP l2 x
BLPOP l2 -1
BLPOP l2 inf
BLPOP s 0
BLPOP nokey l2 0
BLMOVE mylist l3 LEFT UP x
BLMOVE mylist l3 LEFT RIGHT x
BLMOVE mylist l3 LEFT RIGHT 0
BRPOPLPUSH mylist l3 0
BRPOPLPUSH mylist l3 -1
BLMPOP 0 1 l3 LEFT COUNT 5
BLMPOP x 1 l3 LEFT COUNT 5
BLMPOP 0 0 l3 LEFT
MULTI
BLPOP nokey 0
BLMOVE nokey l3 LEFT RIGHT 0
BRPOPLPUSH nokey l3 0
BLMPOP 0 1 nokey LEFT
EXEC
)"));
  for (const auto& d : diffs) ADD_FAILURE() << d;
}
