// Sorted set commands over real sockets: ZADD and its flags, scores as Redis prints them, ranks, every
// ZRANGE form with exclusive and infinite bounds, lex ranges, ZRANGESTORE, range removals, pops, the
// union/intersection/difference family, ZRANDMEMBER, ZSCAN, and Redis' exact error texts.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "harness.h"

using harness::Client;
using harness::Datanode;
using harness::Reply;

namespace {

using Strings = std::vector<std::string>;

Strings list(const Reply& r) {
  Strings out;
  for (const Reply& e : r.elements) out.push_back(e.str);
  return out;
}

const char* kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
const char* kNotFloatRange = "ERR min or max is not a float";
const char* kNotLexRange = "ERR min or max not valid string range item";

}  // namespace

// The seed's walk-through.
TEST(ZSets, SeedStudentScores) {
  Datanode node;
  Client c(node.port);
  EXPECT_EQ(c.command({"ZADD", "stus", "90", "maxie", "100", "tom", "69", "lily", "85", "jerry", "95", "sam"}).integer, 5);
  EXPECT_EQ(c.command({"ZRANK", "stus", "tom"}).integer, 4);
  EXPECT_EQ(list(c.command({"ZRANGE", "stus", "0", "4"})), (Strings{"lily", "jerry", "maxie", "sam", "tom"}));
  Reply none = c.command({"ZRANGEBYSCORE", "stus", "0", "3"});
  EXPECT_EQ(none.type, Reply::Type::kArray);
  EXPECT_TRUE(none.elements.empty());
  EXPECT_EQ(list(c.command({"ZRANGEBYSCORE", "stus", "60", "90"})), (Strings{"lily", "jerry", "maxie"}));
}

TEST(ZSets, ZaddFlagsAndErrors) {
  Datanode node;
  Client c(node.port);
  EXPECT_EQ(c.command({"ZADD", "z", "NX", "XX", "1", "a"}).str, "ERR XX and NX options at the same time are not compatible");
  EXPECT_EQ(c.command({"ZADD", "z", "GT", "LT", "1", "a"}).str,
            "ERR GT, LT, and/or NX options at the same time are not compatible");
  EXPECT_EQ(c.command({"ZADD", "z", "NX", "GT", "1", "a"}).str,
            "ERR GT, LT, and/or NX options at the same time are not compatible");
  EXPECT_EQ(c.command({"ZADD", "z", "INCR", "1", "a", "2", "b"}).str,
            "ERR INCR option supports a single increment-element pair");
  EXPECT_EQ(c.command({"ZADD", "z", "1", "a", "2"}).str, "ERR syntax error");
  EXPECT_EQ(c.command({"ZADD", "z", "abc", "a"}).str, "ERR value is not a valid float");
  EXPECT_EQ(c.command({"ZADD", "z", "nan", "a"}).str, "ERR value is not a valid float");
  EXPECT_EQ(c.command({"ZADD", "z", "NX"}).str, "ERR wrong number of arguments for 'zadd' command");
  EXPECT_EQ(c.command({"EXISTS", "z"}).integer, 0);
  // A bad score anywhere means nothing is added.
  EXPECT_EQ(c.command({"ZADD", "z", "1", "a", "x", "b"}).str, "ERR value is not a valid float");
  EXPECT_EQ(c.command({"EXISTS", "z"}).integer, 0);
  EXPECT_EQ(c.command({"ZADD", "z", "XX", "1", "a"}).integer, 0);
  EXPECT_EQ(c.command({"EXISTS", "z"}).integer, 0);

  EXPECT_EQ(c.command({"ZADD", "z", "1", "a", "2", "b", "3", "c"}).integer, 3);
  EXPECT_EQ(c.command({"ZADD", "z", "10", "a", "4", "d"}).integer, 1);  // updates do not count...
  EXPECT_EQ(c.command({"ZADD", "z", "CH", "11", "a", "5", "e", "5", "e"}).integer, 2);  // ...unless CH
  EXPECT_EQ(c.command({"ZADD", "z", "NX", "100", "a", "6", "f"}).integer, 1);
  EXPECT_EQ(c.command({"ZSCORE", "z", "a"}).str, "11");
  EXPECT_EQ(c.command({"ZADD", "z", "XX", "CH", "12", "a", "7", "new"}).integer, 1);
  EXPECT_EQ(c.command({"ZSCORE", "z", "new"}).type, Reply::Type::kNil);
  EXPECT_EQ(c.command({"ZADD", "z", "GT", "CH", "1", "a", "9", "b"}).integer, 1);
  EXPECT_EQ(c.command({"ZSCORE", "z", "a"}).str, "12");
  EXPECT_EQ(c.command({"ZSCORE", "z", "b"}).str, "9");
  EXPECT_EQ(c.command({"ZADD", "z", "LT", "CH", "1", "a", "90", "b"}).integer, 1);
  EXPECT_EQ(c.command({"ZSCORE", "z", "a"}).str, "1");
  // GT/LT still add new members.
  EXPECT_EQ(c.command({"ZADD", "z", "GT", "1", "g"}).integer, 1);

  EXPECT_EQ(c.command({"ZADD", "z", "INCR", "2.5", "a"}).str, "3.5");
  EXPECT_TRUE(c.command({"ZADD", "z", "NX", "INCR", "1", "a"}).is_nil());
  EXPECT_TRUE(c.command({"ZADD", "z", "XX", "INCR", "1", "nobody"}).is_nil());
  EXPECT_TRUE(c.command({"ZADD", "z", "GT", "INCR", "-1", "a"}).is_nil());
  EXPECT_EQ(c.command({"ZADD", "z", "LT", "INCR", "-1", "a"}).str, "2.5");
  EXPECT_EQ(c.command({"ZADD", "z", "INCR", "+inf", "a"}).str, "inf");
  EXPECT_EQ(c.command({"ZADD", "z", "INCR", "-inf", "a"}).str, "ERR resulting score is not a number (NaN)");
  EXPECT_EQ(c.command({"ZSCORE", "z", "a"}).str, "inf");
}

TEST(ZSets, ScoresLookupsAndIncrements) {
  Datanode node;
  Client c(node.port);
  c.command({"ZADD", "f", "1.1", "x", "0.1", "y", "-0", "z", "3e20", "w", "1e-5", "v", "-inf", "lo"});
  EXPECT_EQ(list(c.command({"ZRANGE", "f", "0", "-1", "WITHSCORES"})),
            (Strings{"lo", "-inf", "z", "0", "v", "1.0000000000000001e-05", "y", "0.10000000000000001", "x",
                     "1.1000000000000001", "w", "3e+20"}));
  EXPECT_EQ(c.command({"ZINCRBY", "f", "0.2", "y"}).str, "0.30000000000000004");
  EXPECT_EQ(c.command({"ZINCRBY", "f", "5", "newm"}).str, "5");
  EXPECT_EQ(c.command({"ZINCRBY", "nokey", "1.5", "m"}).str, "1.5");
  EXPECT_EQ(c.command({"ZINCRBY", "f", "abc", "x"}).str, "ERR value is not a valid float");
  EXPECT_EQ(c.command({"ZINCRBY", "f", "+inf", "lo"}).str, "ERR resulting score is not a number (NaN)");
  EXPECT_TRUE(c.command({"ZSCORE", "f", "nope"}).is_nil());
  EXPECT_TRUE(c.command({"ZSCORE", "nokey2", "nope"}).is_nil());
  Reply ms = c.command({"ZMSCORE", "f", "newm", "nope", "lo"});
  ASSERT_EQ(ms.elements.size(), 3u);
  EXPECT_EQ(ms.elements[0].str, "5");
  EXPECT_TRUE(ms.elements[1].is_nil());
  EXPECT_EQ(ms.elements[2].str, "-inf");
  Reply ms_none = c.command({"ZMSCORE", "nokey2", "a", "b"});
  ASSERT_EQ(ms_none.elements.size(), 2u);
  EXPECT_TRUE(ms_none.elements[0].is_nil());
  EXPECT_EQ(c.command({"ZCARD", "f"}).integer, 7);
  EXPECT_EQ(c.command({"ZCARD", "nokey2"}).integer, 0);
}

TEST(ZSets, RanksAndRankRanges) {
  Datanode node;
  Client c(node.port);
  c.command({"ZADD", "stus", "90", "maxie", "100", "tom", "69", "lily", "85", "jerry", "95", "sam"});
  EXPECT_EQ(c.command({"ZRANK", "stus", "lily"}).integer, 0);
  EXPECT_EQ(c.command({"ZREVRANK", "stus", "lily"}).integer, 4);
  EXPECT_EQ(c.command({"ZREVRANK", "stus", "tom"}).integer, 0);
  EXPECT_TRUE(c.command({"ZRANK", "stus", "nope"}).is_nil());
  EXPECT_TRUE(c.command({"ZRANK", "nokey", "nope"}).is_nil());
  Reply ws = c.command({"ZRANK", "stus", "maxie", "WITHSCORE"});
  ASSERT_EQ(ws.elements.size(), 2u);
  EXPECT_EQ(ws.elements[0].integer, 2);
  EXPECT_EQ(ws.elements[1].str, "90");
  EXPECT_EQ(c.command({"ZREVRANK", "stus", "maxie", "WITHSCORE"}).elements.at(0).integer, 2);
  EXPECT_TRUE(c.command({"ZRANK", "stus", "nope", "WITHSCORE"}).is_nil());
  EXPECT_EQ(c.command({"ZRANK", "stus", "maxie", "WITHSCORES"}).str, "ERR syntax error");

  EXPECT_EQ(list(c.command({"ZRANGE", "stus", "-2", "-1"})), (Strings{"sam", "tom"}));
  EXPECT_EQ(list(c.command({"ZRANGE", "stus", "-100", "100"})).size(), 5u);
  EXPECT_TRUE(c.command({"ZRANGE", "stus", "3", "1"}).elements.empty());
  EXPECT_TRUE(c.command({"ZRANGE", "stus", "10", "20"}).elements.empty());
  EXPECT_TRUE(c.command({"ZRANGE", "nokey", "0", "-1"}).elements.empty());
  EXPECT_EQ(list(c.command({"ZRANGE", "stus", "0", "1", "REV", "WITHSCORES"})), (Strings{"tom", "100", "sam", "95"}));
  EXPECT_EQ(list(c.command({"ZREVRANGE", "stus", "0", "1", "WITHSCORES"})), (Strings{"tom", "100", "sam", "95"}));
  EXPECT_EQ(list(c.command({"ZREVRANGE", "stus", "-1", "-1"})), (Strings{"lily"}));
  EXPECT_EQ(c.command({"ZRANGE", "stus", "x", "1"}).str, "ERR value is not an integer or out of range");
  EXPECT_EQ(c.command({"ZRANGE", "stus", "0", "-1", "LIMIT", "0", "1"}).str,
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  EXPECT_EQ(c.command({"ZREVRANGE", "stus", "0", "1", "LIMIT", "0", "1"}).str,
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  EXPECT_EQ(c.command({"ZRANGE", "stus", "0", "-1", "LIMIT", "0"}).str, "ERR syntax error");
  EXPECT_EQ(c.command({"ZRANGE", "stus", "0", "-1", "BYSCORE", "BYLEX"}).str, "ERR syntax error");
  EXPECT_EQ(c.command({"ZRANGE", "stus", "0", "-1", "REV", "REV"}).str, "ERR syntax error");
  EXPECT_EQ(c.command({"ZREVRANGE", "stus", "0", "1", "REV"}).str, "ERR syntax error");
}

TEST(ZSets, ScoreRanges) {
  Datanode node;
  Client c(node.port);
  c.command({"ZADD", "stus", "90", "maxie", "100", "tom", "69", "lily", "85", "jerry", "95", "sam"});
  EXPECT_EQ(list(c.command({"ZRANGEBYSCORE", "stus", "(69", "(100"})), (Strings{"jerry", "maxie", "sam"}));
  EXPECT_EQ(list(c.command({"ZRANGEBYSCORE", "stus", "-inf", "+inf", "WITHSCORES", "LIMIT", "1", "2"})),
            (Strings{"jerry", "85", "maxie", "90"}));
  EXPECT_EQ(list(c.command({"ZRANGEBYSCORE", "stus", "0", "100", "LIMIT", "3", "-1"})), (Strings{"sam", "tom"}));
  EXPECT_TRUE(c.command({"ZRANGEBYSCORE", "stus", "0", "100", "LIMIT", "-1", "2"}).elements.empty());
  EXPECT_TRUE(c.command({"ZRANGEBYSCORE", "stus", "0", "100", "LIMIT", "1", "0"}).elements.empty());
  EXPECT_TRUE(c.command({"ZRANGEBYSCORE", "stus", "0", "100", "LIMIT", "10", "1"}).elements.empty());
  EXPECT_TRUE(c.command({"ZRANGEBYSCORE", "stus", "90", "(90"}).elements.empty());
  EXPECT_TRUE(c.command({"ZRANGEBYSCORE", "stus", "100", "0"}).elements.empty());
  EXPECT_EQ(list(c.command({"ZRANGEBYSCORE", "stus", "1e2", "+inf"})), (Strings{"tom"}));
  EXPECT_EQ(list(c.command({"ZREVRANGEBYSCORE", "stus", "90", "85", "WITHSCORES"})),
            (Strings{"maxie", "90", "jerry", "85"}));
  EXPECT_TRUE(c.command({"ZREVRANGEBYSCORE", "stus", "85", "90"}).elements.empty());
  EXPECT_EQ(list(c.command({"ZREVRANGEBYSCORE", "stus", "+inf", "-inf", "LIMIT", "1", "2"})), (Strings{"sam", "maxie"}));
  EXPECT_EQ(list(c.command({"ZRANGE", "stus", "(85", "+inf", "BYSCORE"})), (Strings{"maxie", "sam", "tom"}));
  EXPECT_EQ(list(c.command({"ZRANGE", "stus", "+inf", "(85", "BYSCORE", "REV", "WITHSCORES", "LIMIT", "1", "2"})),
            (Strings{"sam", "95", "maxie", "90"}));
  EXPECT_TRUE(c.command({"ZRANGEBYSCORE", "nokey", "0", "1"}).elements.empty());
  EXPECT_EQ(c.command({"ZRANGEBYSCORE", "stus", "nan", "1"}).str, kNotFloatRange);
  EXPECT_EQ(c.command({"ZRANGEBYSCORE", "stus", "(a", "1"}).str, kNotFloatRange);
  EXPECT_EQ(c.command({"ZRANGE", "stus", "a", "b", "BYSCORE"}).str, kNotFloatRange);
  EXPECT_EQ(c.command({"ZRANGEBYSCORE", "stus", "0", "10", "BYSCORE"}).str, "ERR syntax error");

  EXPECT_EQ(c.command({"ZCOUNT", "stus", "-inf", "+inf"}).integer, 5);
  EXPECT_EQ(c.command({"ZCOUNT", "stus", "(85", "95"}).integer, 2);
  EXPECT_EQ(c.command({"ZCOUNT", "stus", "(85", "(90"}).integer, 0);
  EXPECT_EQ(c.command({"ZCOUNT", "stus", "100", "0"}).integer, 0);
  EXPECT_EQ(c.command({"ZCOUNT", "nokey", "0", "1"}).integer, 0);
  EXPECT_EQ(c.command({"ZCOUNT", "stus", "abc", "1"}).str, kNotFloatRange);
}

TEST(ZSets, LexRanges) {
  Datanode node;
  Client c(node.port);
  c.command({"ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "f", "0", "g"});
  EXPECT_EQ(list(c.command({"ZRANGEBYLEX", "lex", "-", "+"})).size(), 7u);
  EXPECT_EQ(list(c.command({"ZRANGEBYLEX", "lex", "[b", "(e"})), (Strings{"b", "c", "d"}));
  EXPECT_EQ(list(c.command({"ZRANGEBYLEX", "lex", "(b", "[e"})), (Strings{"c", "d", "e"}));
  EXPECT_EQ(list(c.command({"ZRANGEBYLEX", "lex", "-", "+", "LIMIT", "2", "3"})), (Strings{"c", "d", "e"}));
  EXPECT_TRUE(c.command({"ZRANGEBYLEX", "lex", "+", "-"}).elements.empty());
  EXPECT_EQ(list(c.command({"ZRANGEBYLEX", "lex", "[c", "[c"})), (Strings{"c"}));
  EXPECT_TRUE(c.command({"ZRANGEBYLEX", "lex", "(c", "[c"}).elements.empty());
  EXPECT_EQ(list(c.command({"ZREVRANGEBYLEX", "lex", "[e", "(b"})), (Strings{"e", "d", "c"}));
  EXPECT_EQ(list(c.command({"ZREVRANGEBYLEX", "lex", "+", "-", "LIMIT", "1", "2"})), (Strings{"f", "e"}));
  EXPECT_EQ(list(c.command({"ZRANGE", "lex", "[e", "(b", "BYLEX", "REV"})), (Strings{"e", "d", "c"}));
  EXPECT_EQ(c.command({"ZRANGEBYLEX", "lex", "b", "c"}).str, kNotLexRange);
  EXPECT_EQ(c.command({"ZRANGEBYLEX", "lex", "--", "+"}).str, kNotLexRange);
  EXPECT_EQ(c.command({"ZRANGE", "lex", "a", "b", "BYLEX"}).str, kNotLexRange);
  EXPECT_EQ(c.command({"ZRANGEBYLEX", "lex", "-", "+", "WITHSCORES"}).str,
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  EXPECT_EQ(c.command({"ZRANGE", "lex", "-", "+", "BYLEX", "WITHSCORES"}).str,
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  EXPECT_EQ(c.command({"ZLEXCOUNT", "lex", "[b", "(e"}).integer, 3);
  EXPECT_EQ(c.command({"ZLEXCOUNT", "lex", "-", "+"}).integer, 7);
  EXPECT_EQ(c.command({"ZLEXCOUNT", "nokey", "-", "+"}).integer, 0);
  EXPECT_EQ(c.command({"ZLEXCOUNT", "lex", "", "+"}).str, kNotLexRange);
}

TEST(ZSets, Zrangestore) {
  Datanode node;
  Client c(node.port);
  c.command({"ZADD", "src", "1", "a", "2", "b", "3", "c", "4", "d"});
  EXPECT_EQ(c.command({"ZRANGESTORE", "dst", "src", "0", "1"}).integer, 2);
  EXPECT_EQ(list(c.command({"ZRANGE", "dst", "0", "-1", "WITHSCORES"})), (Strings{"a", "1", "b", "2"}));
  EXPECT_EQ(c.command({"ZRANGESTORE", "dst", "src", "(1", "+inf", "BYSCORE", "LIMIT", "1", "1"}).integer, 1);
  EXPECT_EQ(list(c.command({"ZRANGE", "dst", "0", "-1", "WITHSCORES"})), (Strings{"c", "3"}));
  EXPECT_EQ(c.command({"ZRANGESTORE", "dst", "src", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "0", "2"}).integer, 2);
  EXPECT_EQ(list(c.command({"ZRANGE", "dst", "0", "-1"})), (Strings{"c", "d"}));
  EXPECT_EQ(c.command({"ZRANGESTORE", "dst", "src", "1000", "2000", "BYSCORE"}).integer, 0);
  EXPECT_EQ(c.command({"EXISTS", "dst"}).integer, 0);
  EXPECT_EQ(c.command({"ZRANGESTORE", "dst", "src", "0", "-1", "WITHSCORES"}).str, "ERR syntax error");
  c.command({"ZADD", "dst", "1", "x"});
  EXPECT_EQ(c.command({"ZRANGESTORE", "dst", "nokey", "0", "-1"}).integer, 0);
  EXPECT_EQ(c.command({"EXISTS", "dst"}).integer, 0);
  EXPECT_EQ(c.command({"ZRANGESTORE", "src", "src", "1", "2"}).integer, 2);
  EXPECT_EQ(list(c.command({"ZRANGE", "src", "0", "-1"})), (Strings{"b", "c"}));
  c.command({"SET", "str", "x"});
  EXPECT_EQ(c.command({"ZRANGESTORE", "dst", "str", "0", "-1"}).str, kWrongType);
}

TEST(ZSets, RemovalsDeleteEmptyKeys) {
  Datanode node;
  Client c(node.port);
  c.command({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
  EXPECT_EQ(c.command({"ZREM", "z", "a", "nope"}).integer, 1);
  EXPECT_EQ(c.command({"ZREM", "z", "nope"}).integer, 0);
  EXPECT_EQ(c.command({"ZREM", "nokey", "a"}).integer, 0);
  EXPECT_EQ(c.command({"ZREM", "z", "b", "c"}).integer, 2);
  EXPECT_EQ(c.command({"EXISTS", "z"}).integer, 0);

  c.command({"ZADD", "r", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"});
  EXPECT_EQ(c.command({"ZREMRANGEBYRANK", "r", "0", "1"}).integer, 2);
  EXPECT_EQ(c.command({"ZREMRANGEBYRANK", "r", "-1", "-1"}).integer, 1);
  EXPECT_EQ(c.command({"ZREMRANGEBYRANK", "r", "5", "10"}).integer, 0);
  EXPECT_EQ(c.command({"ZREMRANGEBYRANK", "r", "x", "1"}).str, "ERR value is not an integer or out of range");
  EXPECT_EQ(list(c.command({"ZRANGE", "r", "0", "-1"})), (Strings{"c", "d", "e"}));
  EXPECT_EQ(c.command({"ZREMRANGEBYSCORE", "r", "(3", "4"}).integer, 1);
  EXPECT_EQ(c.command({"ZREMRANGEBYSCORE", "r", "x", "4"}).str, kNotFloatRange);
  EXPECT_EQ(list(c.command({"ZRANGE", "r", "0", "-1"})), (Strings{"c", "e"}));
  EXPECT_EQ(c.command({"ZREMRANGEBYSCORE", "r", "-inf", "+inf"}).integer, 2);
  EXPECT_EQ(c.command({"EXISTS", "r"}).integer, 0);
  c.command({"ZADD", "r", "0", "a", "0", "b", "0", "c"});
  EXPECT_EQ(c.command({"ZREMRANGEBYLEX", "r", "[a", "(c"}).integer, 2);
  EXPECT_EQ(c.command({"ZREMRANGEBYLEX", "r", "x", "y"}).str, kNotLexRange);
  EXPECT_EQ(c.command({"ZREMRANGEBYLEX", "r", "-", "+"}).integer, 1);
  EXPECT_EQ(c.command({"EXISTS", "r"}).integer, 0);
  EXPECT_EQ(c.command({"ZREMRANGEBYRANK", "nokey", "0", "1"}).integer, 0);
}

TEST(ZSets, Pops) {
  Datanode node;
  Client c(node.port);
  c.command({"ZADD", "p", "1", "a", "2", "b", "3", "c", "4", "d"});
  EXPECT_EQ(list(c.command({"ZPOPMIN", "p"})), (Strings{"a", "1"}));
  EXPECT_EQ(list(c.command({"ZPOPMAX", "p", "2"})), (Strings{"d", "4", "c", "3"}));
  EXPECT_TRUE(c.command({"ZPOPMIN", "p", "0"}).elements.empty());
  EXPECT_EQ(c.command({"ZPOPMIN", "p", "-1"}).str, "ERR value is out of range, must be positive");
  EXPECT_EQ(c.command({"ZPOPMIN", "p", "x"}).str, "ERR value is out of range, must be positive");
  EXPECT_EQ(c.command({"ZPOPMIN", "p", "1", "2"}).str, "ERR syntax error");
  EXPECT_EQ(list(c.command({"ZPOPMIN", "p", "10"})), (Strings{"b", "2"}));
  EXPECT_EQ(c.command({"EXISTS", "p"}).integer, 0);
  Reply none = c.command({"ZPOPMIN", "nokey"});
  EXPECT_EQ(none.type, Reply::Type::kArray);
  EXPECT_TRUE(none.elements.empty());
  EXPECT_TRUE(c.command({"ZPOPMAX", "nokey", "3"}).elements.empty());
}

TEST(ZSets, Zmpop) {
  Datanode node;
  Client c(node.port);
  c.command({"ZADD", "b", "1", "x", "2", "y", "3", "z"});
  Reply r = c.command({"ZMPOP", "2", "a", "b", "MIN"});
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[0].str, "b");
  ASSERT_EQ(r.elements[1].elements.size(), 1u);
  EXPECT_EQ(list(r.elements[1].elements[0]), (Strings{"x", "1"}));
  r = c.command({"ZMPOP", "2", "a", "b", "MAX", "COUNT", "5"});
  ASSERT_EQ(r.elements.size(), 2u);
  ASSERT_EQ(r.elements[1].elements.size(), 2u);
  EXPECT_EQ(list(r.elements[1].elements[0]), (Strings{"z", "3"}));
  EXPECT_EQ(list(r.elements[1].elements[1]), (Strings{"y", "2"}));
  EXPECT_EQ(c.command({"EXISTS", "b"}).integer, 0);
  EXPECT_TRUE(c.command({"ZMPOP", "1", "a", "MIN"}).is_nil());
  EXPECT_EQ(c.command({"ZMPOP", "0", "a", "MIN"}).str, "ERR numkeys should be greater than 0");
  EXPECT_EQ(c.command({"ZMPOP", "3", "a", "MIN"}).str, "ERR syntax error");
  EXPECT_EQ(c.command({"ZMPOP", "1", "a", "FOO"}).str, "ERR syntax error");
  EXPECT_EQ(c.command({"ZMPOP", "1", "a", "MIN", "COUNT", "0"}).str, "ERR count should be greater than 0");
  EXPECT_EQ(c.command({"ZMPOP", "1", "a", "MIN", "COUNT", "1", "COUNT", "2"}).str, "ERR syntax error");
  c.command({"SET", "str", "x"});
  EXPECT_EQ(c.command({"ZMPOP", "1", "str", "MIN"}).str, kWrongType);
}

TEST(ZSets, UnionInterDiff) {
  Datanode node;
  Client c(node.port);
  c.command({"ZADD", "u1", "1", "a", "2", "b", "3", "c"});
  c.command({"ZADD", "u2", "10", "b", "20", "c", "30", "d"});
  c.command({"SADD", "us", "c", "d", "e"});
  EXPECT_EQ(c.command({"ZUNIONSTORE", "out", "2", "u1", "u2"}).integer, 4);
  EXPECT_EQ(list(c.command({"ZRANGE", "out", "0", "-1", "WITHSCORES"})),
            (Strings{"a", "1", "b", "12", "c", "23", "d", "30"}));
  EXPECT_EQ(c.command({"ZUNIONSTORE", "out", "2", "u1", "u2", "WEIGHTS", "2", "3"}).integer, 4);
  EXPECT_EQ(list(c.command({"ZRANGE", "out", "0", "-1", "WITHSCORES"})),
            (Strings{"a", "2", "b", "34", "c", "66", "d", "90"}));
  c.command({"ZUNIONSTORE", "out", "2", "u1", "u2", "AGGREGATE", "MIN"});
  EXPECT_EQ(list(c.command({"ZRANGE", "out", "0", "-1", "WITHSCORES"})),
            (Strings{"a", "1", "b", "2", "c", "3", "d", "30"}));
  c.command({"ZUNIONSTORE", "out", "2", "u1", "u2", "AGGREGATE", "MAX", "WEIGHTS", "1", "-1"});
  EXPECT_EQ(list(c.command({"ZRANGE", "out", "0", "-1", "WITHSCORES"})),
            (Strings{"d", "-30", "a", "1", "b", "2", "c", "3"}));
  // Plain sets count with score 1.
  EXPECT_EQ(c.command({"ZUNIONSTORE", "out", "3", "u1", "u2", "us"}).integer, 5);
  EXPECT_EQ(list(c.command({"ZRANGE", "out", "0", "-1", "WITHSCORES"})),
            (Strings{"a", "1", "e", "1", "b", "12", "c", "24", "d", "31"}));
  EXPECT_EQ(c.command({"ZINTERSTORE", "out", "3", "u1", "u2", "us"}).integer, 1);
  EXPECT_EQ(list(c.command({"ZRANGE", "out", "0", "-1", "WITHSCORES"})), (Strings{"c", "24"}));
  EXPECT_EQ(c.command({"ZINTERSTORE", "out", "2", "u1", "u2", "WEIGHTS", "1", "0.5", "AGGREGATE", "SUM"}).integer, 2);
  EXPECT_EQ(list(c.command({"ZRANGE", "out", "0", "-1", "WITHSCORES"})), (Strings{"b", "7", "c", "13"}));
  EXPECT_EQ(c.command({"ZINTERSTORE", "out", "2", "u1", "nokey"}).integer, 0);
  EXPECT_EQ(c.command({"EXISTS", "out"}).integer, 0);
  // inf * 0 and inf - inf become 0.
  c.command({"ZADD", "i1", "1", "a"});
  c.command({"ZADD", "i2", "+inf", "a"});
  c.command({"ZUNIONSTORE", "out", "2", "i1", "i2", "WEIGHTS", "0", "1"});
  EXPECT_EQ(c.command({"ZSCORE", "out", "a"}).str, "inf");
  c.command({"ZINTERSTORE", "out", "2", "i2", "i2", "WEIGHTS", "1", "-1"});
  EXPECT_EQ(c.command({"ZSCORE", "out", "a"}).str, "0");
  // Inputs are summed smallest first, as in Redis: inf + -inf resets to 0 before the set's 1 is added.
  c.command({"SADD", "three", "a", "b", "c"});
  c.command({"ZADD", "minus", "-inf", "a", "0", "x"});
  EXPECT_EQ(c.command({"ZUNIONSTORE", "out", "3", "three", "minus", "i2"}).integer, 4);
  EXPECT_EQ(c.command({"ZSCORE", "out", "a"}).str, "1");

  EXPECT_EQ(list(c.command({"ZUNION", "2", "u1", "u2", "WITHSCORES"})),
            (Strings{"a", "1", "b", "12", "c", "23", "d", "30"}));
  EXPECT_EQ(list(c.command({"ZINTER", "2", "u1", "u2"})), (Strings{"b", "c"}));
  EXPECT_EQ(list(c.command({"ZDIFF", "2", "u1", "u2", "WITHSCORES"})), (Strings{"a", "1"}));
  EXPECT_EQ(list(c.command({"ZDIFF", "2", "u1", "us"})), (Strings{"a", "b"}));
  EXPECT_EQ(c.command({"ZDIFFSTORE", "out", "2", "u1", "u2"}).integer, 1);
  EXPECT_EQ(c.command({"ZDIFFSTORE", "out", "2", "u1", "u1"}).integer, 0);
  EXPECT_EQ(c.command({"EXISTS", "out"}).integer, 0);
  EXPECT_EQ(c.command({"ZINTERCARD", "2", "u1", "u2"}).integer, 2);
  EXPECT_EQ(c.command({"ZINTERCARD", "2", "u1", "u2", "LIMIT", "1"}).integer, 1);
  EXPECT_EQ(c.command({"ZINTERCARD", "1", "u1", "LIMIT", "-1"}).str, "ERR LIMIT can't be negative");

  EXPECT_EQ(c.command({"ZUNIONSTORE", "out", "0", "u1"}).str, "ERR at least 1 input key is needed for 'zunionstore' command");
  EXPECT_EQ(c.command({"ZUNION", "0", "u1"}).str, "ERR at least 1 input key is needed for 'zunion' command");
  EXPECT_EQ(c.command({"ZUNIONSTORE", "out", "x", "u1"}).str, "ERR value is not an integer or out of range");
  EXPECT_EQ(c.command({"ZUNIONSTORE", "out", "3", "u1", "u2"}).str, "ERR syntax error");
  EXPECT_EQ(c.command({"ZUNIONSTORE", "out", "1", "u1", "WEIGHTS", "x"}).str, "ERR weight value is not a float");
  EXPECT_EQ(c.command({"ZUNIONSTORE", "out", "1", "u1", "WEIGHTS", "1", "2"}).str, "ERR syntax error");
  EXPECT_EQ(c.command({"ZUNIONSTORE", "out", "1", "u1", "AGGREGATE", "foo"}).str, "ERR syntax error");
  EXPECT_EQ(c.command({"ZUNIONSTORE", "out", "1", "u1", "WITHSCORES"}).str, "ERR syntax error");
  EXPECT_EQ(c.command({"ZDIFF", "1", "u1", "WEIGHTS", "1"}).str, "ERR syntax error");
  c.command({"SET", "str", "x"});
  EXPECT_EQ(c.command({"ZUNIONSTORE", "out", "1", "str"}).str, kWrongType);
  EXPECT_EQ(c.command({"ZINTERSTORE", "out", "2", "nokey", "str"}).str, kWrongType);
}

TEST(ZSets, Zrandmember) {
  Datanode node;
  Client c(node.port);
  c.command({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
  std::set<std::string> all = {"a", "b", "c", "d", "e"};
  EXPECT_TRUE(all.count(c.command({"ZRANDMEMBER", "z"}).str));
  Reply three = c.command({"ZRANDMEMBER", "z", "3"});
  std::set<std::string> distinct;
  for (const auto& m : list(three)) distinct.insert(m);
  EXPECT_EQ(three.elements.size(), 3u);
  EXPECT_EQ(distinct.size(), 3u);
  Reply ws = c.command({"ZRANDMEMBER", "z", "2", "WITHSCORES"});
  ASSERT_EQ(ws.elements.size(), 4u);
  EXPECT_EQ(c.command({"ZSCORE", "z", ws.elements[0].str}).str, ws.elements[1].str);
  EXPECT_EQ(c.command({"ZRANDMEMBER", "z", "10"}).elements.size(), 5u);
  Reply rep = c.command({"ZRANDMEMBER", "z", "-12", "WITHSCORES"});
  EXPECT_EQ(rep.elements.size(), 24u);
  EXPECT_TRUE(c.command({"ZRANDMEMBER", "z", "0"}).elements.empty());
  EXPECT_TRUE(c.command({"ZRANDMEMBER", "nokey"}).is_nil());
  EXPECT_TRUE(c.command({"ZRANDMEMBER", "nokey", "3"}).elements.empty());
  EXPECT_EQ(c.command({"ZRANDMEMBER", "z", "1", "foo"}).str, "ERR syntax error");
  EXPECT_EQ(c.command({"ZRANDMEMBER", "z", "abc"}).str, "ERR value is not an integer or out of range");
  EXPECT_EQ(c.command({"ZRANDMEMBER", "z", "-9223372036854775807", "WITHSCORES"}).str, "ERR value is out of range");
  EXPECT_EQ(c.command({"ZCARD", "z"}).integer, 5);
}

TEST(ZSets, Zscan) {
  Datanode node;
  Client c(node.port);
  c.command({"ZADD", "small", "1", "a1", "2", "a2", "3", "b1"});
  Reply r = c.command({"ZSCAN", "small", "0"});
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[0].str, "0");
  EXPECT_EQ(list(r.elements[1]), (Strings{"a1", "1", "a2", "2", "b1", "3"}));
  EXPECT_EQ(list(c.command({"ZSCAN", "small", "0", "MATCH", "a*"}).elements.at(1)), (Strings{"a1", "1", "a2", "2"}));
  EXPECT_EQ(c.command({"ZSCAN", "small", "x"}).str, "ERR invalid cursor");
  EXPECT_EQ(c.command({"ZSCAN", "small", "0", "COUNT", "0"}).str, "ERR syntax error");
  EXPECT_TRUE(c.command({"ZSCAN", "nokey", "0"}).elements.at(1).elements.empty());

  std::vector<std::string> add = {"ZADD", "big"};
  for (int i = 0; i < 1000; ++i) {
    add.push_back(std::to_string(i));
    add.push_back("m" + std::to_string(i));
  }
  EXPECT_EQ(c.command(add).integer, 1000);
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    Reply page = c.command({"ZSCAN", "big", cursor, "COUNT", "100"});
    ASSERT_EQ(page.elements.size(), 2u);
    cursor = page.elements[0].str;
    for (size_t i = 0; i < page.elements[1].elements.size(); i += 2) seen.insert(page.elements[1].elements[i].str);
    ASSERT_LT(++calls, 100);
  } while (cursor != "0");
  EXPECT_EQ(calls, 10);
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(ZSets, WrongTypeEverywhere) {
  Datanode node;
  Client c(node.port);
  c.command({"SET", "str", "x"});
  for (auto cmd : std::vector<std::vector<std::string>>{
           {"ZADD", "str", "1", "a"},          {"ZINCRBY", "str", "1", "a"},   {"ZREM", "str", "a"},
           {"ZCARD", "str"},                   {"ZSCORE", "str", "a"},         {"ZMSCORE", "str", "a"},
           {"ZRANK", "str", "a"},              {"ZREVRANK", "str", "a"},       {"ZCOUNT", "str", "0", "1"},
           {"ZLEXCOUNT", "str", "-", "+"},     {"ZRANGE", "str", "0", "-1"},   {"ZRANGEBYSCORE", "str", "0", "1"},
           {"ZRANGEBYLEX", "str", "-", "+"},   {"ZPOPMIN", "str"},             {"ZREMRANGEBYRANK", "str", "0", "1"},
           {"ZREMRANGEBYSCORE", "str", "0", "1"}, {"ZREMRANGEBYLEX", "str", "-", "+"}, {"ZRANDMEMBER", "str"},
           {"ZSCAN", "str", "0"}})
    EXPECT_EQ(c.command(cmd).str, kWrongType) << cmd[0];
  c.command({"SADD", "set", "a"});
  EXPECT_EQ(c.command({"ZADD", "set", "1", "a"}).str, kWrongType);
  EXPECT_EQ(c.command({"GET", "str"}).str, "x");
}

// Ranks and rank ranges on a large set stay right (and quick) at the far end.
TEST(ZSets, LargeSetRanks) {
  Datanode node;
  Client c(node.port);
  std::vector<std::string> add = {"ZADD", "big"};
  const int n = 50000;
  for (int i = 0; i < n; ++i) {
    add.push_back(std::to_string(i % 1000));
    add.push_back("m" + std::to_string(i));
  }
  EXPECT_EQ(c.command(add).integer, n);
  // Score 999 holds m999, m1999, ... ordered by member; the last one is m9999 ("m9999" > "m49999").
  EXPECT_EQ(c.command({"ZRANK", "big", "m9999"}).integer, n - 1);
  EXPECT_EQ(c.command({"ZREVRANK", "big", "m0"}).integer, n - 1);
  EXPECT_EQ(list(c.command({"ZRANGE", "big", "0", "1"})), (Strings{"m0", "m1000"}));
  EXPECT_EQ(c.command({"ZCOUNT", "big", "10", "(20"}).integer, 500);
  EXPECT_EQ(list(c.command({"ZRANGEBYSCORE", "big", "500", "500", "LIMIT", "49", "5"})), (Strings{"m9500"}));
  EXPECT_EQ(c.command({"ZREMRANGEBYRANK", "big", "0", "24999"}).integer, 25000);
  EXPECT_EQ(c.command({"ZCARD", "big"}).integer, 25000);
  EXPECT_EQ(list(c.command({"ZRANGE", "big", "0", "0", "WITHSCORES"})), (Strings{"m10500", "500"}));
}
