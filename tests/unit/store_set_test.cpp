// store::Set: the intset form (ascending order, 16/32/64-bit widths, members that only look like
// integers), the one-way conversion to a table at either limit, copies, and random operations against a
// std::set of the same members.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "datanode/store/set.h"

namespace {

using store::Set;

struct LimitsGuard {  // restores the process-wide threshold after a test changes it
  Set::Limits saved = Set::limits();
  ~LimitsGuard() { Set::limits() = saved; }
};

std::vector<std::string> members(const Set& s) {
  std::vector<std::string> out;
  for (std::string_view m : s) out.emplace_back(m);
  return out;
}

}  // namespace

TEST(SetEncoding, IntsetKeepsIntegersInOrderAndWidens) {
  Set s;
  EXPECT_TRUE(s.insert("5"));
  EXPECT_TRUE(s.insert("-3"));
  EXPECT_FALSE(s.insert("5"));
  EXPECT_TRUE(s.insert("40000"));                 // 32 bits
  EXPECT_TRUE(s.insert("-9223372036854775808"));  // 64 bits
  EXPECT_TRUE(s.insert("0"));
  EXPECT_TRUE(s.intset());
  EXPECT_EQ(members(s), (std::vector<std::string>{"-9223372036854775808", "-3", "0", "5", "40000"}));
  EXPECT_EQ(s.allocated_bytes(), 5u * 8);
  EXPECT_TRUE(s.contains("40000"));
  EXPECT_FALSE(s.contains("4"));
  EXPECT_FALSE(s.contains("05"));  // not an integer as Redis reads one: never an intset member
  EXPECT_FALSE(s.erase("+5"));
  EXPECT_TRUE(s.erase("5"));
  EXPECT_FALSE(s.erase("5"));
  EXPECT_EQ(s.size(), 4u);
  EXPECT_TRUE(s.intset());
}

TEST(SetEncoding, ConvertsForGoodOnANonIntegerOrPastTheLimit) {
  LimitsGuard guard;
  Set::limits() = {3};
  Set s;
  for (const char* m : {"1", "2", "3"}) s.insert(m);
  EXPECT_TRUE(s.intset());
  EXPECT_FALSE(s.insert("2"));
  EXPECT_TRUE(s.intset());
  EXPECT_TRUE(s.insert("4"));
  EXPECT_FALSE(s.intset());
  s.erase("4");
  EXPECT_FALSE(s.intset());  // one way, as in Redis
  Set t;
  for (const char* m : {"1", "01"}) t.insert(m);
  EXPECT_FALSE(t.intset());
  EXPECT_TRUE(t.contains("01"));
  EXPECT_TRUE(t.contains("1"));
  Set copy(t);
  EXPECT_FALSE(copy.intset());
  EXPECT_EQ(copy.size(), 2u);
  Set ints;
  ints.insert("7");
  Set ints_copy(ints);
  EXPECT_TRUE(ints_copy.intset());
  EXPECT_EQ(members(ints_copy), (std::vector<std::string>{"7"}));
}

TEST(SetEncoding, RandomOperationsMatchAStdSet) {
  LimitsGuard guard;
  Set::limits() = {400};  // about 300 members at equilibrium: intsets until the last rounds
  std::mt19937 rng(7);
  auto s = std::make_unique<Set>();
  std::set<std::string> expected;
  for (int step = 0; step < 20000; ++step) {
    if (step % 5000 == 0) {  // start over: most of each round runs as an intset
      s = std::make_unique<Set>();
      expected.clear();
    }
    static const int64_t kScales[] = {10, 100000, 5000000000LL};
    int64_t v = static_cast<int64_t>(rng() % 200) - 100;
    v *= kScales[rng() % 3];
    std::string m = std::to_string(v);
    if (step >= 10000 && rng() % 500 == 0) m = "x" + m;  // tables from here
    if (rng() % 2) {
      EXPECT_EQ(s->insert(m), expected.insert(m).second) << m;
    } else {
      EXPECT_EQ(s->erase(m), expected.erase(m) > 0) << m;
    }
    ASSERT_EQ(s->size(), expected.size());
    EXPECT_EQ(s->contains(m), expected.count(m) > 0);
  }
  std::vector<std::string> got = members(*s);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), expected);
}
