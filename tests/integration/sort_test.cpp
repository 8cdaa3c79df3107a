// SORT and SORT_RO against a real redis-server 7.0.15: the same data and commands on both, replies
// compared byte for byte (sets are only compared where the reply is sorted: their iteration order is
// each server's own).
#include <gtest/gtest.h>

#include "harness.h"
#include "reference_redis.h"

using harness::Client;
using harness::Datanode;
using reference::differences;
using Commands = std::vector<std::vector<std::string>>;

namespace {

const Commands kData = {
    {"RPUSH", "nums", "3", "1", "2", "10", "-5", "2.5", "1e3", "0x10"},
    {"RPUSH", "words", "banana", "apple", "Cherry", "date", "apple"},
    {"SADD", "ids", "3", "1", "2", "4"},
    {"SADD", "names", "bob", "alice", "carol"},
    {"ZADD", "z", "1", "c", "2", "b", "3", "a", "4", "d"},
    {"MSET", "w_1", "40", "w_2", "10", "w_3", "30", "w_4", "20", "o_1", "one", "o_2", "two", "o_3", "three"},
    {"HSET", "h_1", "age", "9", "name", "x1"},
    {"HSET", "h_2", "age", "7", "name", "x2"},
    {"HSET", "h_3", "age", "8"},
    {"RPUSH", "bad", "1", "two", "3"},
    {"SET", "str", "x"},
    {"RPUSH", "big", "5", "4", "3", "2", "1", "0"},
};

const Commands kSorts = {
    {"SORT", "nums"},
    {"SORT", "nums", "DESC"},
    {"SORT", "nums", "LIMIT", "1", "3"},
    {"SORT", "nums", "LIMIT", "-5", "2"},
    {"SORT", "nums", "LIMIT", "2", "-1"},
    {"SORT", "nums", "LIMIT", "100", "5"},
    {"SORT", "nums", "LIMIT", "0", "0"},
    {"SORT", "nums", "LIMIT", "x", "1"},
    {"SORT", "nums", "LIMIT", "1"},
    {"SORT", "words"},
    {"SORT", "words", "ALPHA"},
    {"SORT", "words", "ALPHA", "DESC", "LIMIT", "1", "2"},
    {"SORT", "ids"},
    {"SORT", "ids", "DESC"},
    {"SORT", "names", "ALPHA"},
    {"SORT", "z"},
    {"SORT", "z", "ALPHA"},
    {"SORT", "z", "BY", "nosort"},
    {"SORT", "z", "BY", "nosort", "DESC"},
    {"SORT", "z", "BY", "nosort", "LIMIT", "1", "2"},
    {"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"},
    {"SORT", "big", "BY", "nosort"},
    {"SORT", "big", "BY", "nosort", "DESC", "LIMIT", "1", "3"},
    {"SORT", "big", "BY", "nosort", "LIMIT", "4", "10"},
    {"SORT", "ids", "BY", "w_*"},
    {"SORT", "ids", "BY", "w_*", "DESC"},
    {"SORT", "ids", "BY", "w_*", "GET", "o_*"},
    {"SORT", "ids", "BY", "w_*", "GET", "#", "GET", "o_*", "GET", "h_*->name"},
    {"SORT", "ids", "BY", "h_*->age"},
    {"SORT", "ids", "BY", "h_*->age", "GET", "h_*->age"},
    {"SORT", "ids", "BY", "o_*", "ALPHA"},
    {"SORT", "ids", "BY", "o_*"},
    {"SORT", "ids", "GET", "nostar"},
    {"SORT", "ids", "GET", "o_*->"},
    {"SORT", "big", "BY", "nosort", "GET", "o_*"},
    {"SORT", "bad"},
    {"SORT", "bad", "ALPHA"},
    {"SORT", "str"},
    {"SORT", "missing"},
    {"SORT", "missing", "STORE", "dst0"},
    {"SORT", "nums", "FOO"},
    {"SORT", "nums", "BY"},
    {"SORT_RO", "nums", "STORE", "x"},
    {"SORT_RO", "words", "ALPHA", "LIMIT", "0", "3"},
    {"SORT", "nums", "STORE", "dst1"},
    {"LRANGE", "dst1", "0", "-1"},
    {"SORT", "ids", "BY", "w_*", "GET", "o_*", "GET", "nope_*", "STORE", "dst2"},
    {"LRANGE", "dst2", "0", "-1"},
    {"SORT", "names", "BY", "nosort", "STORE", "dst3"},
    {"LRANGE", "dst3", "0", "-1"},
    {"SET", "dst4", "x"},
    {"SORT", "missing", "STORE", "dst4"},
    {"EXISTS", "dst4"},
    {"SORT", "bad", "STORE", "dst5"},
    {"EXISTS", "dst5"},
    {"SORT", "words", "ALPHA", "STORE", "words"},
    {"LRANGE", "words", "0", "-1"},
    {"SORT"},
};

}  // namespace

TEST(SurfaceSort, RepliesMatchRedis) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server not installed";
  reference::RealRedis redis;
  ASSERT_TRUE(redis.available);
  Datanode node;
  for (const std::string& d : differences(redis.port, node.port, kData)) ADD_FAILURE() << d;
  for (const std::string& d : differences(redis.port, node.port, kSorts)) ADD_FAILURE() << d;
}

TEST(SurfaceSort, StoreIsWrittenToTheAofAndPlainSortIsNot) {
  Datanode master("appendonly = true\nappendfsync = \"always\"\n");
  Client m(master.port);
  m.command({"RPUSH", "l", "3", "1", "2"});
  EXPECT_EQ(m.command({"SORT", "l", "STORE", "out"}).integer, 3);
  EXPECT_EQ(m.command({"SORT", "l"}).elements.size(), 3u);  // no STORE: nothing to propagate
  master.restart();
  Client again(master.port);
  auto r = again.command({"LRANGE", "out", "0", "-1"});
  ASSERT_EQ(r.elements.size(), 3u);
  EXPECT_EQ(r.elements[0].str, "1");
  EXPECT_EQ(r.elements[2].str, "3");
}
