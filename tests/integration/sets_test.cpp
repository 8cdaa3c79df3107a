// Set commands over real sockets: membership, pops and random members, SMOVE, unions/intersections/
// differences and their STORE forms, SINTERCARD, SSCAN, Redis' exact error texts, and SPOP reaching a
// replica as the members it removed.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "harness.h"

using harness::Client;
using harness::Datanode;
using harness::Reply;
using namespace std::chrono_literals;

namespace {

using Strings = std::set<std::string>;

Strings as_set(const Reply& r) {
  Strings out;
  for (const Reply& e : r.elements) out.insert(e.str);
  return out;
}

std::vector<std::string> as_list(const Reply& r) {
  std::vector<std::string> out;
  for (const Reply& e : r.elements) out.push_back(e.str);
  return out;
}

std::vector<std::string> args(std::vector<std::string> head, int n, const std::string& prefix = "m") {
  for (int i = 0; i < n; ++i) head.push_back(prefix + std::to_string(i));
  return head;
}

const char* kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";

}  // namespace

// The seed's walk-through: two sets, their union and difference.
TEST(Sets, SeedStudentsAndTeachers) {
  Datanode node;
  Client c(node.port);
  EXPECT_EQ(c.command({"SADD", "students", "tom", "jerry", "lily", "maxie"}).integer, 4);
  EXPECT_EQ(c.command({"SADD", "teachers", "sam", "tom", "jerry"}).integer, 3);
  EXPECT_EQ(as_set(c.command({"SUNION", "students", "teachers"})),
            (Strings{"tom", "jerry", "lily", "maxie", "sam"}));
  EXPECT_EQ(as_set(c.command({"SDIFF", "students", "teachers"})), (Strings{"lily", "maxie"}));
  EXPECT_EQ(as_set(c.command({"SDIFF", "teachers", "students"})), (Strings{"sam"}));
  EXPECT_EQ(as_set(c.command({"SINTER", "students", "teachers"})), (Strings{"tom", "jerry"}));
}

TEST(Sets, MembershipAndEmptyKeysGoAway) {
  Datanode node;
  Client c(node.port);
  EXPECT_EQ(c.command({"SADD", "s", "a", "b", "a"}).integer, 2);
  EXPECT_EQ(c.command({"SADD", "s", "b", "c"}).integer, 1);
  EXPECT_EQ(c.command({"SCARD", "s"}).integer, 3);
  EXPECT_EQ(c.command({"SCARD", "nokey"}).integer, 0);
  EXPECT_EQ(as_set(c.command({"SMEMBERS", "s"})), (Strings{"a", "b", "c"}));
  Reply empty = c.command({"SMEMBERS", "nokey"});
  EXPECT_EQ(empty.type, Reply::Type::kArray);
  EXPECT_TRUE(empty.elements.empty());
  EXPECT_EQ(c.command({"SISMEMBER", "s", "a"}).integer, 1);
  EXPECT_EQ(c.command({"SISMEMBER", "s", "z"}).integer, 0);
  EXPECT_EQ(c.command({"SISMEMBER", "nokey", "z"}).integer, 0);
  Reply mis = c.command({"SMISMEMBER", "s", "a", "z", "c"});
  ASSERT_EQ(mis.elements.size(), 3u);
  EXPECT_EQ(mis.elements[0].integer, 1);
  EXPECT_EQ(mis.elements[1].integer, 0);
  EXPECT_EQ(mis.elements[2].integer, 1);
  EXPECT_EQ(c.command({"SMISMEMBER", "nokey", "a"}).elements.at(0).integer, 0);
  EXPECT_EQ(c.command({"SREM", "s", "a", "z"}).integer, 1);
  EXPECT_EQ(c.command({"SREM", "nokey", "a"}).integer, 0);
  EXPECT_EQ(c.command({"SREM", "s", "b", "c"}).integer, 2);
  EXPECT_EQ(c.command({"EXISTS", "s"}).integer, 0);
  EXPECT_EQ(c.command({"TYPE", "s"}).str, "none");

  c.command({"SET", "str", "x"});
  for (auto cmd : std::vector<std::vector<std::string>>{{"SADD", "str", "a"},
                                                        {"SREM", "str", "a"},
                                                        {"SMEMBERS", "str"},
                                                        {"SISMEMBER", "str", "a"},
                                                        {"SMISMEMBER", "str", "a"},
                                                        {"SCARD", "str"},
                                                        {"SPOP", "str"},
                                                        {"SRANDMEMBER", "str"},
                                                        {"SSCAN", "str", "0"},
                                                        {"SUNION", "nokey", "str"},
                                                        {"SINTER", "nokey", "str"},
                                                        {"SDIFF", "nokey", "str"}})
    EXPECT_EQ(c.command(cmd).str, kWrongType) << cmd[0];
  EXPECT_EQ(c.command({"SADD", "s"}).str, "ERR wrong number of arguments for 'sadd' command");
}

TEST(Sets, PopAndRandomMember) {
  Datanode node;
  Client c(node.port);
  c.command(args({"SADD", "s"}, 10));
  Reply one = c.command({"SPOP", "s"});
  ASSERT_EQ(one.type, Reply::Type::kString);
  EXPECT_EQ(c.command({"SISMEMBER", "s", one.str}).integer, 0);
  Reply three = c.command({"SPOP", "s", "3"});
  EXPECT_EQ(as_set(three).size(), 3u);
  EXPECT_EQ(c.command({"SCARD", "s"}).integer, 6);
  EXPECT_TRUE(c.command({"SPOP", "s", "0"}).elements.empty());
  EXPECT_EQ(c.command({"SPOP", "s", "-1"}).str, "ERR value is out of range, must be positive");
  EXPECT_EQ(c.command({"SPOP", "s", "abc"}).str, "ERR value is out of range, must be positive");
  EXPECT_EQ(c.command({"SPOP", "s", "1", "2"}).str, "ERR syntax error");
  EXPECT_TRUE(c.command({"SPOP", "nokey"}).is_nil());
  Reply none = c.command({"SPOP", "nokey", "3"});
  EXPECT_EQ(none.type, Reply::Type::kArray);
  EXPECT_TRUE(none.elements.empty());

  // SRANDMEMBER leaves the set alone.
  Reply r = c.command({"SRANDMEMBER", "s"});
  EXPECT_EQ(c.command({"SISMEMBER", "s", r.str}).integer, 1);
  Reply distinct = c.command({"SRANDMEMBER", "s", "4"});
  EXPECT_EQ(distinct.elements.size(), 4u);
  EXPECT_EQ(as_set(distinct).size(), 4u);
  EXPECT_EQ(as_set(c.command({"SRANDMEMBER", "s", "100"})), as_set(c.command({"SMEMBERS", "s"})));
  Reply repeated = c.command({"SRANDMEMBER", "s", "-20"});
  EXPECT_EQ(repeated.elements.size(), 20u);
  Strings members = as_set(c.command({"SMEMBERS", "s"}));
  for (const auto& m : as_list(repeated)) EXPECT_TRUE(members.count(m)) << m;
  EXPECT_EQ(c.command({"SCARD", "s"}).integer, 6);
  EXPECT_TRUE(c.command({"SRANDMEMBER", "s", "0"}).elements.empty());
  EXPECT_TRUE(c.command({"SRANDMEMBER", "nokey"}).is_nil());
  EXPECT_TRUE(c.command({"SRANDMEMBER", "nokey", "5"}).elements.empty());
  EXPECT_EQ(c.command({"SRANDMEMBER", "s", "x"}).str, "ERR value is not an integer or out of range");
  EXPECT_EQ(c.command({"SRANDMEMBER", "s", "-9223372036854775808"}).str,
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
  EXPECT_EQ(c.command({"SRANDMEMBER", "s", "1", "2"}).str, "ERR syntax error");

  // Popping everything deletes the key.
  EXPECT_EQ(as_set(c.command({"SPOP", "s", "6"})), members);
  EXPECT_EQ(c.command({"EXISTS", "s"}).integer, 0);
  c.command({"SADD", "s", "last"});
  EXPECT_EQ(c.command({"SPOP", "s"}).str, "last");
  EXPECT_EQ(c.command({"EXISTS", "s"}).integer, 0);
}

TEST(Sets, Smove) {
  Datanode node;
  Client c(node.port);
  c.command({"SADD", "src", "a", "b"});
  c.command({"SADD", "dst", "c"});
  EXPECT_EQ(c.command({"SMOVE", "src", "dst", "a"}).integer, 1);
  EXPECT_EQ(c.command({"SMOVE", "src", "dst", "zz"}).integer, 0);
  EXPECT_EQ(as_set(c.command({"SMEMBERS", "dst"})), (Strings{"a", "c"}));
  EXPECT_EQ(c.command({"SMOVE", "src", "new", "b"}).integer, 1);
  EXPECT_EQ(c.command({"EXISTS", "src"}).integer, 0);
  EXPECT_EQ(as_set(c.command({"SMEMBERS", "new"})), (Strings{"b"}));
  EXPECT_EQ(c.command({"SMOVE", "dst", "dst", "a"}).integer, 1);
  EXPECT_EQ(c.command({"SMOVE", "dst", "dst", "zz"}).integer, 0);
  EXPECT_EQ(c.command({"SMOVE", "nokey", "dst", "a"}).integer, 0);
  c.command({"SET", "str", "x"});
  EXPECT_EQ(c.command({"SMOVE", "dst", "str", "a"}).str, kWrongType);
  EXPECT_EQ(c.command({"SMOVE", "str", "dst", "a"}).str, kWrongType);
  EXPECT_EQ(c.command({"SMOVE", "nokey", "str", "a"}).integer, 0);
  EXPECT_EQ(c.command({"SCARD", "dst"}).integer, 2);
}

TEST(Sets, AlgebraAndStoreForms) {
  Datanode node;
  Client c(node.port);
  c.command({"SADD", "a", "1", "2", "3", "4"});
  c.command({"SADD", "b", "3", "4", "5"});
  c.command({"SADD", "c", "4", "6"});
  EXPECT_EQ(as_set(c.command({"SUNION", "a", "b", "c", "nokey"})), (Strings{"1", "2", "3", "4", "5", "6"}));
  EXPECT_EQ(as_set(c.command({"SINTER", "a", "b", "c"})), (Strings{"4"}));
  EXPECT_TRUE(c.command({"SINTER", "a", "nokey"}).elements.empty());
  EXPECT_EQ(as_set(c.command({"SDIFF", "a", "b", "c"})), (Strings{"1", "2"}));
  EXPECT_EQ(as_set(c.command({"SDIFF", "a", "nokey"})), (Strings{"1", "2", "3", "4"}));
  EXPECT_TRUE(c.command({"SDIFF", "nokey", "a"}).elements.empty());
  EXPECT_TRUE(c.command({"SDIFF", "a", "a"}).elements.empty());

  EXPECT_EQ(c.command({"SUNIONSTORE", "u", "a", "b"}).integer, 5);
  EXPECT_EQ(as_set(c.command({"SMEMBERS", "u"})), (Strings{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(c.command({"SINTERSTORE", "i", "a", "b"}).integer, 2);
  EXPECT_EQ(as_set(c.command({"SMEMBERS", "i"})), (Strings{"3", "4"}));
  EXPECT_EQ(c.command({"SDIFFSTORE", "d", "a", "b"}).integer, 2);
  EXPECT_EQ(as_set(c.command({"SMEMBERS", "d"})), (Strings{"1", "2"}));
  // The destination may be a source; it is replaced whatever it held, TTL included.
  EXPECT_EQ(c.command({"SINTERSTORE", "a", "a", "b"}).integer, 2);
  EXPECT_EQ(as_set(c.command({"SMEMBERS", "a"})), (Strings{"3", "4"}));
  c.command({"SET", "str", "x"});
  c.command({"EXPIRE", "str", "100"});
  EXPECT_EQ(c.command({"SUNIONSTORE", "str", "c"}).integer, 2);
  EXPECT_EQ(c.command({"TYPE", "str"}).str, "set");
  EXPECT_EQ(c.command({"TTL", "str"}).integer, -1);
  // Empty results delete the destination.
  EXPECT_EQ(c.command({"SINTERSTORE", "u", "a", "nokey"}).integer, 0);
  EXPECT_EQ(c.command({"EXISTS", "u"}).integer, 0);
  EXPECT_EQ(c.command({"SDIFFSTORE", "i", "a", "a"}).integer, 0);
  EXPECT_EQ(c.command({"EXISTS", "i"}).integer, 0);
  EXPECT_EQ(c.command({"SUNIONSTORE", "d", "nokey"}).integer, 0);
  EXPECT_EQ(c.command({"EXISTS", "d"}).integer, 0);
  c.command({"SET", "s2", "x"});
  EXPECT_EQ(c.command({"SINTERSTORE", "out", "nokey", "s2"}).str, kWrongType);
}

TEST(Sets, Sintercard) {
  Datanode node;
  Client c(node.port);
  c.command({"SADD", "a", "1", "2", "3", "4"});
  c.command({"SADD", "b", "2", "3", "4", "5"});
  EXPECT_EQ(c.command({"SINTERCARD", "2", "a", "b"}).integer, 3);
  EXPECT_EQ(c.command({"SINTERCARD", "1", "a"}).integer, 4);
  EXPECT_EQ(c.command({"SINTERCARD", "2", "a", "b", "LIMIT", "2"}).integer, 2);
  EXPECT_EQ(c.command({"SINTERCARD", "2", "a", "b", "LIMIT", "0"}).integer, 3);
  EXPECT_EQ(c.command({"SINTERCARD", "2", "a", "nokey"}).integer, 0);
  EXPECT_EQ(c.command({"SINTERCARD", "0", "a"}).str, "ERR numkeys should be greater than 0");
  EXPECT_EQ(c.command({"SINTERCARD", "abc", "a"}).str, "ERR numkeys should be greater than 0");
  EXPECT_EQ(c.command({"SINTERCARD", "3", "a"}).str, "ERR Number of keys can't be greater than number of args");
  EXPECT_EQ(c.command({"SINTERCARD", "1", "a", "LIMIT", "-1"}).str, "ERR LIMIT can't be negative");
  EXPECT_EQ(c.command({"SINTERCARD", "1", "a", "LIMIT", "x"}).str, "ERR LIMIT can't be negative");
  EXPECT_EQ(c.command({"SINTERCARD", "1", "a", "foo"}).str, "ERR syntax error");
  c.command({"SET", "str", "x"});
  EXPECT_EQ(c.command({"SINTERCARD", "2", "a", "str"}).str, kWrongType);
}

TEST(Sets, Sscan) {
  Datanode node;
  Client c(node.port);
  c.command({"SADD", "small", "a1", "a2", "b1"});
  Reply r = c.command({"SSCAN", "small", "0"});
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[0].str, "0");
  EXPECT_EQ(as_set(r.elements[1]), (Strings{"a1", "a2", "b1"}));
  EXPECT_EQ(as_set(c.command({"SSCAN", "small", "0", "MATCH", "a*"}).elements.at(1)), (Strings{"a1", "a2"}));
  Reply none = c.command({"SSCAN", "nokey", "0"});
  ASSERT_EQ(none.elements.size(), 2u);
  EXPECT_EQ(none.elements[0].str, "0");
  EXPECT_TRUE(none.elements[1].elements.empty());
  EXPECT_EQ(c.command({"SSCAN", "small", "abc"}).str, "ERR invalid cursor");
  EXPECT_EQ(c.command({"SSCAN", "small", "0", "COUNT", "0"}).str, "ERR syntax error");
  EXPECT_EQ(c.command({"SSCAN", "small", "0", "COUNT", "x"}).str, "ERR value is not an integer or out of range");
  EXPECT_EQ(c.command({"SSCAN", "small", "0", "TYPE", "set"}).str, "ERR syntax error");
  EXPECT_EQ(c.command({"SSCAN", "small", "0", "MATCH"}).str, "ERR syntax error");

  // A large set is paged: the cursor comes back non-zero until everything was seen.
  c.command(args({"SADD", "big"}, 1000));
  Strings seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    Reply page = c.command({"SSCAN", "big", cursor, "COUNT", "50"});
    ASSERT_EQ(page.elements.size(), 2u);
    cursor = page.elements[0].str;
    for (const auto& m : as_list(page.elements[1])) seen.insert(m);
    ASSERT_LT(++calls, 1000);
  } while (cursor != "0");
  EXPECT_GT(calls, 5);
  EXPECT_EQ(seen.size(), 1000u);
}

// SPOP picks at random, so it must reach a replica as the members it removed.
TEST(Sets, SpopReachesReplicaAsRemovedMembers) {
  Datanode master;
  Datanode replica("replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n");
  Client m(master.port), r(replica.port);
  ASSERT_TRUE(harness::eventually(
      [&] {
        Reply info = r.command({"INFO", "replication"});
        return info.str.find("master_link_status:up") != std::string::npos;
      },
      20s));
  m.command(args({"SADD", "s"}, 200));
  m.command({"SADD", "whole", "x", "y"});
  m.command({"SPOP", "s"});
  m.command({"SPOP", "s", "50"});
  m.command({"SPOP", "whole", "10"});
  m.command({"SET", "marker", "done"});
  ASSERT_TRUE(harness::eventually([&] { return r.command({"GET", "marker"}).str == "done"; }, 10s));
  EXPECT_EQ(m.command({"SCARD", "s"}).integer, 149);
  EXPECT_EQ(as_set(r.command({"SMEMBERS", "s"})), as_set(m.command({"SMEMBERS", "s"})));
  EXPECT_EQ(r.command({"EXISTS", "whole"}).integer, 0);
}
