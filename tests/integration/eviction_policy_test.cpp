// maxmemory and each maxmemory-policy: -OOM next to redis-server 7.0.15, and every policy evicting the
// keys it says (volatile-* only keys with a TTL, volatile-ttl the nearest expiry, LRU/LFU keeping the
// keys that were used), OBJECT FREQ / IDLETIME as Redis, evictions reaching a replica as DEL.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "harness.h"
#include "reference_redis.h"

namespace {

using harness::Client;
using harness::Datanode;
using harness::Reply;
using namespace std::chrono_literals;

int64_t used_memory(Client& c) { return std::stoll(harness::info_field(c, "memory", "used_memory")); }
int64_t evicted(Client& c) { return std::stoll(harness::info_field(c, "stats", "evicted_keys")); }

std::string key(const std::string& prefix, int i) { return prefix + std::to_string(i); }

// Writes `count` keys of 10 KB (with a TTL of base_ttl + i seconds when base_ttl > 0).
void fill(Client& c, const std::string& prefix, int count, int base_ttl = 0) {
  std::string value(10 * 1024, 'x');
  for (int i = 0; i < count; ++i) {
    std::vector<std::string> cmd = {"SET", key(prefix, i), value};
    if (base_ttl > 0) cmd.insert(cmd.end(), {"EX", std::to_string(base_ttl + i)});
    ASSERT_EQ(c.command(cmd).str, "OK");
  }
}

bool exists(Client& c, const std::string& k) { return c.command({"EXISTS", k}).integer == 1; }

// Lowers maxmemory to about `free_bytes` under what is used now, then writes one key: the write makes
// the server evict down to the limit.
void squeeze(Client& c, int64_t free_bytes) {
  int64_t limit = used_memory(c) - free_bytes;
  ASSERT_EQ(c.command({"CONFIG", "SET", "maxmemory", std::to_string(limit)}).str, "OK");
  ASSERT_EQ(c.command({"SET", "trigger", "1"}).str, "OK");
}

TEST(EvictionPolicy, OomMatchesRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  auto diffs = reference::differences(redis.port, node.port,
                                      {{"SET", "before", "1"},
                                       {"CONFIG", "SET", "maxmemory-policy", "noeviction"},
                                       {"CONFIG", "SET", "maxmemory", "1"},
                                       {"SET", "k", "v"},
                                       {"APPEND", "before", "x"},
                                       {"GET", "before"},
                                       {"DEL", "before"},
                                       {"EXPIRE", "k", "10"},
                                       {"MULTI"},
                                       {"GET", "k"},
                                       {"EXEC"},
                                       {"MULTI"},
                                       {"DISCARD"},
                                       {"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"},
                                       {"SET", "k", "v"},  // nothing left to evict: still out of memory
                                       {"CONFIG", "SET", "maxmemory", "0"},
                                       {"SET", "k", "v"},
                                       {"CONFIG", "SET", "maxmemory-policy", "nonsense"},
                                       {"CONFIG", "SET", "maxmemory-samples", "0"},
                                       {"CONFIG", "SET", "maxmemory-eviction-tenacity", "101"},
                                       {"CONFIG", "SET", "maxmemory-clients", "101%"},
                                       {"CONFIG", "SET", "maxmemory-clients", "lots"},
                                       {"CONFIG", "SET", "maxmemory-clients", "-5"},
                                       {"CONFIG", "SET", "maxmemory-clients", "10%"},
                                       {"CONFIG", "GET", "maxmemory-clients"},
                                       {"CONFIG", "SET", "maxmemory-clients", "1mb"},
                                       {"CONFIG", "GET", "maxmemory-clients"},
                                       {"CONFIG", "SET", "maxmemory-clients", "0"},
                                       {"CONFIG", "GET", "lfu-log-factor"},
                                       {"CONFIG", "GET", "lfu-decay-time"},
                                       {"CONFIG", "GET", "maxmemory-samples"},
                                       {"CONFIG", "GET", "maxmemory-eviction-tenacity"},
                                       {"CONFIG", "GET", "maxmemory-policy"}});
  for (const auto& d : diffs) ADD_FAILURE() << d;
}

TEST(EvictionPolicy, ObjectFreqAndIdletimeAsRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  std::vector<std::vector<std::string>> cmds = {{"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"},
                                                {"CONFIG", "SET", "lfu-log-factor", "0"},
                                                {"SET", "k", "v"},
                                                {"OBJECT", "FREQ", "k"}};
  for (int i = 0; i < 10; ++i) cmds.push_back({"GET", "k"});
  cmds.push_back({"OBJECT", "FREQ", "k"});
  cmds.push_back({"OBJECT", "IDLETIME", "k"});
  cmds.push_back({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  cmds.push_back({"OBJECT", "FREQ", "k"});
  cmds.push_back({"SET", "j", "v"});
  cmds.push_back({"OBJECT", "IDLETIME", "j"});
  auto diffs = reference::differences(redis.port, node.port, cmds);
  for (const auto& d : diffs) ADD_FAILURE() << d;
}

TEST(EvictionPolicy, AllkeysLruKeepsRecentlyUsedKeys) {
  Datanode node("maxmemory-policy = \"allkeys-lru\"\nmaxmemory-samples = 10\n");
  auto c = node.client();
  fill(*c, "k", 200);
  std::this_thread::sleep_for(2100ms);  // the LRU clock counts seconds
  for (int i = 0; i < 20; ++i) ASSERT_FALSE(c->command({"GET", key("k", i)}).is_nil());
  squeeze(*c, 1024 * 1024);
  int64_t gone = evicted(*c);
  EXPECT_GE(gone, 50);
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(exists(*c, key("k", i))) << "hot key evicted: " << key("k", i);
  // The allocator's thread caches make its figure differ a little from the exact one eviction uses.
  EXPECT_LE(used_memory(*c), std::stoll(harness::info_field(*c, "memory", "maxmemory")) + 512 * 1024);
}

TEST(EvictionPolicy, AllkeysLfuKeepsFrequentlyUsedKeys) {
  Datanode node("maxmemory-policy = \"allkeys-lfu\"\nlfu-log-factor = 0\nmaxmemory-samples = 10\n");
  auto c = node.client();
  fill(*c, "k", 200);
  for (int round = 0; round < 5; ++round)
    for (int i = 0; i < 20; ++i) c->command({"GET", key("k", i)});
  EXPECT_EQ(c->command({"OBJECT", "FREQ", "k0"}).integer, 10);
  EXPECT_EQ(c->command({"OBJECT", "FREQ", "k100"}).integer, 5);
  squeeze(*c, 1024 * 1024);
  EXPECT_GE(evicted(*c), 50);
  for (int i = 0; i < 20; ++i)
    EXPECT_TRUE(exists(*c, key("k", i))) << "frequent key evicted: " << key("k", i);
}

// volatile-lru/lfu/random: only keys with a TTL go; volatile-ttl: the nearest expiries first.
void check_volatile(const std::string& policy) {
  Datanode node("maxmemory-policy = \"" + policy + "\"\nmaxmemory-samples = 20\n");
  auto c = node.client();
  fill(*c, "persistent", 100);
  fill(*c, "volatile", 100, 1000);
  squeeze(*c, 500 * 1024);
  EXPECT_GE(evicted(*c), 30) << policy;
  for (int i = 0; i < 100; ++i)
    EXPECT_TRUE(exists(*c, key("persistent", i))) << policy << " evicted a key without TTL";
  int left = 0;
  for (int i = 0; i < 100; ++i) left += exists(*c, key("volatile", i)) ? 1 : 0;
  EXPECT_LT(left, 100) << policy;
  if (policy == "volatile-ttl") {
    // TTLs grow with the index: whatever was evicted was nearer to expiry than what stayed.
    for (int i = 0; i < 5; ++i) EXPECT_FALSE(exists(*c, key("volatile", i))) << "short TTL kept: " << i;
    for (int i = 95; i < 100; ++i) EXPECT_TRUE(exists(*c, key("volatile", i))) << "long TTL evicted: " << i;
  }
  // Once no key has a TTL, nothing is evictable: writes get -OOM.
  c->command({"CONFIG", "SET", "maxmemory", "1"});
  Reply r = c->command({"SET", "more", "x"});
  EXPECT_EQ(r.str, "OOM command not allowed when used memory > 'maxmemory'.") << policy;
  EXPECT_EQ(c->command({"EXISTS", "persistent0"}).integer, 1);
}

TEST(EvictionPolicy, VolatileLruOnlyVolatileKeys) { check_volatile("volatile-lru"); }
TEST(EvictionPolicy, VolatileLfuOnlyVolatileKeys) { check_volatile("volatile-lfu"); }
TEST(EvictionPolicy, VolatileRandomOnlyVolatileKeys) { check_volatile("volatile-random"); }
TEST(EvictionPolicy, VolatileTtlShortestTtlFirst) { check_volatile("volatile-ttl"); }

TEST(EvictionPolicy, AllkeysRandomEvictsAnyKey) {
  Datanode node("maxmemory-policy = \"allkeys-random\"\n");
  auto c = node.client();
  fill(*c, "k", 200);
  squeeze(*c, 1024 * 1024);
  EXPECT_GE(evicted(*c), 50);
  EXPECT_LT(c->command({"DBSIZE"}).integer, 160);
}

TEST(EvictionPolicy, EvictionsReachReplicaAsDel) {
  Datanode master("maxmemory-policy = \"allkeys-lru\"\n");
  Datanode replica("replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n");
  auto m = master.client();
  auto r = replica.client();
  ASSERT_TRUE(harness::eventually(
      [&] { return harness::info_field(*r, "replication", "master_link_status") == "up"; }, 10s));
  fill(*m, "k", 200);
  ASSERT_TRUE(harness::eventually([&] { return r->command({"DBSIZE"}).integer == 200; }, 10s));
  squeeze(*m, 1024 * 1024);
  int64_t left = m->command({"DBSIZE"}).integer;
  ASSERT_LT(left, 200);
  EXPECT_TRUE(harness::eventually([&] { return r->command({"DBSIZE"}).integer == left; }, 10s))
      << "replica " << r->command({"DBSIZE"}).integer << " master " << left;
  EXPECT_EQ(harness::info_field(*r, "stats", "evicted_keys"), "0");  // the replica only applied DELs
}

TEST(EvictionPolicy, UsedMemoryFallsAfterDelOfBigKey) {
  Datanode node;
  auto c = node.client();
  // A -DUSE_JEMALLOC=OFF or sanitized build reports glibc's (or ASan's) figures: not what this checks.
  if (harness::info_field(*c, "memory", "mem_allocator").rfind("jemalloc-", 0) != 0)
    GTEST_SKIP() << "not built with jemalloc";
  int64_t before = used_memory(*c);
  ASSERT_EQ(c->command({"SET", "big", std::string(12 * 1024 * 1024, 'b')}).str, "OK");
  int64_t with = used_memory(*c);
  EXPECT_GT(with, before + 12 * 1024 * 1024);
  ASSERT_EQ(c->command({"DEL", "big"}).integer, 1);
  // The value goes at once; the query buffer of the SET when the cron sees the client idle.
  int64_t after = 0;
  EXPECT_TRUE(harness::eventually([&] { return (after = used_memory(*c)) < before + 3 * 1024 * 1024; }, 5s))
      << "before " << before << " after " << after;
  // The pages go back to the system (the allocator's background thread, or MEMORY PURGE at once).
  ASSERT_EQ(c->command({"MEMORY", "PURGE"}).str, "OK");
  int64_t rss = std::stoll(harness::info_field(*c, "memory", "used_memory_rss"));
  EXPECT_LT(rss, with) << "rss " << rss;
  Reply stats = c->command({"MEMORY", "MALLOC-STATS"});
  EXPECT_NE(stats.str.find("jemalloc"), std::string::npos);
}

}  // namespace
