// store::Hash: the packed form (get/set/erase/iteration in insertion order), the one-way conversion to a
// table at either limit, and copies of both forms.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "datanode/store/hash.h"

namespace {

using store::Hash;

struct LimitsGuard {  // restores the process-wide thresholds after a test changes them
  Hash::Limits saved = Hash::limits();
  ~LimitsGuard() { Hash::limits() = saved; }
};

std::map<std::string, std::string> contents(const Hash& h) {
  std::map<std::string, std::string> out;
  for (const auto& [f, v] : h) out.emplace(f, v);
  return out;
}

}  // namespace

TEST(HashEncoding, PackedSetGetEraseKeepInsertionOrder) {
  Hash h;
  EXPECT_TRUE(h.set("a", "1"));
  EXPECT_TRUE(h.set("b", "22"));
  EXPECT_TRUE(h.set("c", ""));
  EXPECT_FALSE(h.set("b", "a longer value than before"));
  EXPECT_TRUE(h.packed());
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h.get("b").value_or("?"), "a longer value than before");
  EXPECT_EQ(h.get("c").value_or("?"), "");
  EXPECT_FALSE(h.get("d").has_value());
  std::vector<std::string> order;
  for (const auto& [f, v] : h) order.emplace_back(f);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(h.erase("a"));
  EXPECT_FALSE(h.erase("a"));
  EXPECT_EQ(contents(h), (std::map<std::string, std::string>{{"b", "a longer value than before"}, {"c", ""}}));
  EXPECT_TRUE(h.erase("b"));
  EXPECT_TRUE(h.erase("c"));
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.begin(), h.end());
}

TEST(HashEncoding, ConvertsAtTheEntryLimitForGood) {
  LimitsGuard guard;
  Hash::limits() = {4, 64};
  Hash h;
  for (int i = 0; i < 4; ++i) h.set("f" + std::to_string(i), std::to_string(i));
  EXPECT_TRUE(h.packed());
  EXPECT_FALSE(h.set("f0", "changed"));  // an update does not grow it
  EXPECT_TRUE(h.packed());
  EXPECT_TRUE(h.set("f4", "4"));
  EXPECT_FALSE(h.packed());
  EXPECT_EQ(h.size(), 5u);
  EXPECT_EQ(h.get("f0").value_or("?"), "changed");
  for (int i = 0; i < 5; ++i) h.erase("f" + std::to_string(i));
  h.set("x", "y");
  EXPECT_FALSE(h.packed());  // Redis never converts back
}

TEST(HashEncoding, ConvertsOnALongFieldOrValue) {
  LimitsGuard guard;
  Hash::limits() = {512, 8};
  Hash a, b;
  a.set("f", "12345678");
  EXPECT_TRUE(a.packed());
  a.set("f", "123456789");
  EXPECT_FALSE(a.packed());
  EXPECT_EQ(a.get("f").value_or("?"), "123456789");
  b.set("123456789", "v");
  EXPECT_FALSE(b.packed());
}

TEST(HashEncoding, ZeroEntriesMeansAlwaysATable) {
  LimitsGuard guard;
  Hash::limits() = {0, 64};
  Hash h;
  h.set("f", "v");
  EXPECT_FALSE(h.packed());
  EXPECT_EQ(h.get("f").value_or("?"), "v");
}

TEST(HashEncoding, LongLengthsInThePackedForm) {
  LimitsGuard guard;
  Hash::limits() = {512, 100000};
  Hash h;
  std::string big(70000, 'x');  // a three-byte length prefix
  h.set("big", big);
  h.set(std::string(200, 'k'), "v");
  EXPECT_TRUE(h.packed());
  EXPECT_EQ(h.get("big").value_or(""), big);
  EXPECT_EQ(h.get(std::string(200, 'k')).value_or(""), "v");
  EXPECT_TRUE(h.erase("big"));
  EXPECT_EQ(h.size(), 1u);
}

TEST(HashEncoding, MatchesAMapUnderRandomOperations) {
  LimitsGuard guard;
  Hash::limits() = {40, 12};
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    Hash h;
    std::map<std::string, std::string> model;
    for (int op = 0; op < 200; ++op) {
      std::string f = "f" + std::to_string(rng() % 60);
      if (rng() % 3 == 0) {
        EXPECT_EQ(h.erase(f), model.erase(f) == 1);
      } else {
        std::string v(rng() % 14, static_cast<char>('a' + rng() % 26));
        EXPECT_EQ(h.set(f, v), !model.contains(f));
        model[f] = v;
      }
      ASSERT_EQ(h.size(), model.size());
    }
    EXPECT_EQ(contents(h), model);
    Hash copy(h);
    EXPECT_EQ(copy.packed(), h.packed());
    EXPECT_EQ(contents(copy), model);
  }
}
