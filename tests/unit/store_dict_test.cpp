// store::Dict: insert/remove/resize, the SCAN guarantee across incremental rehash, random sampling.
#include "datanode/store/dict.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace {

struct Node {
  Node* next = nullptr;
  std::string k;
  std::string_view key() const { return k; }
};

class Fixture {
 public:
  ~Fixture() { d.clear([](Node* n) { delete n; }); }
  void add(const std::string& k) {
    auto* n = new Node;
    n->k = k;
    d.insert(n);
  }
  bool del(const std::string& k) {
    Node* n = d.remove(k);
    delete n;
    return n != nullptr;
  }
  store::Dict<Node> d;
};

std::string key(int i) { return "key:" + std::to_string(i); }

TEST(StoreDict, InsertFindRemoveThroughResizes) {
  Fixture f;
  for (int i = 0; i < 10000; ++i) f.add(key(i));
  EXPECT_EQ(f.d.size(), 10000u);
  for (int i = 0; i < 10000; ++i) ASSERT_NE(f.d.find(key(i)), nullptr) << i;
  EXPECT_EQ(f.d.find("absent"), nullptr);
  while (f.d.rehash_step(100)) {
  }
  EXPECT_GE(f.d.buckets(), 10000u);  // load factor at most 1
  for (int i = 0; i < 9990; ++i) ASSERT_TRUE(f.del(key(i)));
  EXPECT_FALSE(f.del(key(0)));
  EXPECT_EQ(f.d.size(), 10u);
  for (int i = 9990; i < 10000; ++i) ASSERT_NE(f.d.find(key(i)), nullptr);
  while (f.d.rehash_step(100)) {
  }
  // Shrinks once mostly empty (a few removals after the last resize may still be pending).
  for (int i = 0; i < 100 && f.d.buckets() > 64; ++i) {
    f.add("tmp");
    f.del("tmp");
    while (f.d.rehash_step(100)) {
    }
  }
  EXPECT_LE(f.d.buckets(), 64u);
  for (int i = 9990; i < 10000; ++i) ASSERT_NE(f.d.find(key(i)), nullptr);
}

TEST(StoreDict, IteratesEveryNodeOnceEvenWhileRehashing) {
  Fixture f;
  for (int i = 0; i < 1000; ++i) f.add(key(i));
  // Force a rehash in progress: the table doubled at 512 -> 1024 buckets only once size reached it.
  for (int i = 1000; i < 1025; ++i) f.add(key(i));
  std::multiset<std::string> seen;
  for (Node* n : f.d) seen.insert(n->k);
  EXPECT_EQ(seen.size(), 1025u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 1025u);
}

// Runs a SCAN to completion while `mutate` changes the table between steps; returns what was seen.
std::set<std::string> scan_all(Fixture& f, const std::function<void(int step)>& mutate) {
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int step = 0;
  do {
    cursor = f.d.scan(cursor, [&](const Node* n) { seen.insert(n->k); });
    mutate(step++);
    EXPECT_LT(step, 1000000);
  } while (cursor != 0 && step < 1000000);
  return seen;
}

TEST(StoreDict, ScanReturnsEveryStableKeyWhileGrowing) {
  Fixture f;
  for (int i = 0; i < 500; ++i) f.add(key(i));
  int next = 100000;
  // Every step adds keys, so the table grows (and is rehashing) many times during the scan.
  auto seen = scan_all(f, [&](int) {
    for (int j = 0; j < 7; ++j) f.add(key(next++));
    f.d.rehash_step(1);
  });
  for (int i = 0; i < 500; ++i) EXPECT_TRUE(seen.count(key(i))) << key(i);
}

TEST(StoreDict, ScanReturnsEveryStableKeyWhileShrinking) {
  Fixture f;
  for (int i = 0; i < 20000; ++i) f.add(key(i));
  while (f.d.rehash_step(100)) {
  }
  // Keys 0..199 stay; the rest go away during the scan, so the table shrinks under it.
  int victim = 200;
  auto seen = scan_all(f, [&](int) {
    for (int j = 0; j < 100 && victim < 20000; ++j) f.del(key(victim++));
    f.d.rehash_step(1);
  });
  for (int i = 0; i < 200; ++i) EXPECT_TRUE(seen.count(key(i))) << key(i);
  EXPECT_LE(f.d.buckets(), 4096u);
}

TEST(StoreDict, ScanOfStableTableVisitsEachKeyOnce) {
  Fixture f;
  for (int i = 0; i < 3000; ++i) f.add(key(i));
  while (f.d.rehash_step(100)) {
  }
  std::map<std::string, int> counts;
  uint64_t cursor = 0;
  do {
    cursor = f.d.scan(cursor, [&](const Node* n) { counts[n->k]++; });
  } while (cursor != 0);
  EXPECT_EQ(counts.size(), 3000u);
  for (auto& [k, c] : counts) EXPECT_EQ(c, 1) << k;
}

TEST(StoreDict, ScanOfEmptyTableEndsAtOnce) {
  store::Dict<Node> d;
  EXPECT_EQ(d.scan(0, [](const Node*) { FAIL(); }), 0u);
}

TEST(StoreDict, RandomSamplingCoversKeysAndWorksWhileRehashing) {
  Fixture f;
  std::mt19937_64 rng(42);
  EXPECT_EQ(f.d.random(rng), nullptr);
  for (int i = 0; i < 100; ++i) f.add(key(i));
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) {
    Node* n = f.d.random(rng);
    ASSERT_NE(n, nullptr);
    seen.insert(n->k);
  }
  EXPECT_EQ(seen.size(), 100u);
  // Mid-rehash the sample still only returns present keys.
  for (int i = 100; i < 129; ++i) f.add(key(i));
  for (int i = 0; i < 2000; ++i) {
    Node* n = f.d.random(rng);
    ASSERT_NE(n, nullptr);
    ASSERT_NE(f.d.lookup(n->k), nullptr);
  }
}

TEST(StoreDict, MoveAndSwap) {
  Fixture a, b;
  for (int i = 0; i < 50; ++i) a.add(key(i));
  b.add("only");
  a.d.swap(b.d);
  EXPECT_EQ(a.d.size(), 1u);
  EXPECT_EQ(b.d.size(), 50u);
  EXPECT_NE(a.d.find("only"), nullptr);
  store::Dict<Node> moved(std::move(b.d));
  EXPECT_EQ(moved.size(), 50u);
  EXPECT_EQ(b.d.size(), 0u);
  moved.clear([](Node* n) { delete n; });
}

TEST(StoreDict, ReverseBits) {
  EXPECT_EQ(store::reverse_bits(1), 1ULL << 63);
  EXPECT_EQ(store::reverse_bits(store::reverse_bits(0x123456789abcdefULL)), 0x123456789abcdefULL);
}

}  // namespace
