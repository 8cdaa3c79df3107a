// store::List: the quicklist layout against a std::deque doing the same random operations (pushes, pops,
// inserts, sets, erases, trims, removals from either end, backward visits), node sizes under the
// list-max-listpack-size rules, copies and moves.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "datanode/store/list.h"

namespace {

using store::List;

struct LimitsGuard {  // restores the process-wide node limit after a test changes it
  List::Limits saved = List::limits();
  ~LimitsGuard() { List::limits() = saved; }
};

std::vector<std::string> contents(const List& l) {
  std::vector<std::string> out;
  for (std::string_view e : l) out.emplace_back(e);
  return out;
}

std::vector<std::string> contents(const std::deque<std::string>& d) { return {d.begin(), d.end()}; }

std::string random_element(std::mt19937& rng) {
  static const size_t kSizes[] = {0, 1, 3, 7, 20, 127, 128, 300, 5000, 20000};
  size_t n = kSizes[rng() % std::size(kSizes)];
  if (rng() % 4 != 0) n = rng() % 3;  // mostly tiny elements from a small alphabet, so LREM finds some
  std::string s(n, 'a');
  for (char& c : s) c = static_cast<char>('a' + rng() % 3);
  return s;
}

}  // namespace

TEST(ListEncoding, PushPopAndIndexAtBothEnds) {
  List l;
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.begin(), l.end());
  l.push_back("b");
  l.push_front("a");
  l.push_back("");
  l.push_back(std::string(200, 'x'));
  EXPECT_EQ(l.size(), 4u);
  EXPECT_EQ(l.front(), "a");
  EXPECT_EQ(l.back(), std::string(200, 'x'));
  EXPECT_EQ(l[2], "");
  EXPECT_EQ(l.node_count(), 1u);
  EXPECT_EQ(l.pop_back(), std::string(200, 'x'));
  EXPECT_EQ(l.pop_front(), "a");
  EXPECT_EQ(contents(l), (std::vector<std::string>{"b", ""}));
  l.pop_front();
  l.pop_front();
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.node_count(), 0u);
}

TEST(ListEncoding, NodesFollowListMaxListpackSize) {
  LimitsGuard guard;
  List::limits() = {5};  // five elements per node
  List l;
  for (int i = 0; i < 23; ++i) l.push_back(std::to_string(i));
  EXPECT_EQ(l.node_count(), 5u);
  List::limits() = {-1};  // 4 KB per node: 100-byte elements, about 39 a node
  List big;
  for (int i = 0; i < 400; ++i) big.push_front(std::string(100, 'y'));
  EXPECT_GE(big.node_count(), 10u);
  EXPECT_LE(big.node_count(), 11u);
  List::limits() = {-2};  // 8 KB
  List bigger;
  for (int i = 0; i < 400; ++i) bigger.push_back(std::string(100, 'y'));
  EXPECT_GE(bigger.node_count(), 5u);
  EXPECT_LE(bigger.node_count(), 6u);
  // An element larger than a node's limit still gets a node of its own.
  bigger.push_back(std::string(20000, 'z'));
  EXPECT_EQ(bigger.back(), std::string(20000, 'z'));
  List::limits() = {1000};  // counts are capped by the 8 KB safety limit
  List counted;
  for (int i = 0; i < 1000; ++i) counted.push_back(std::string(100, 'c'));
  EXPECT_GE(counted.node_count(), 12u);
}

TEST(ListEncoding, RandomOperationsMatchADeque) {
  LimitsGuard guard;
  for (int64_t fill : {-2, -1, 3, 1}) {
    List::limits() = {fill};
    std::mt19937 rng(static_cast<unsigned>(fill + 100));
    List l;
    std::deque<std::string> d;
    for (int step = 0; step < 6000; ++step) {
      size_t op = rng() % 12;
      std::string v = random_element(rng);
      if (op <= 2 || d.empty()) {
        (op % 2 ? l.push_front(v) : l.push_back(v));
        (op % 2 ? d.push_front(v) : d.push_back(v));
      } else if (op == 3) {
        EXPECT_EQ(l.pop_front(), d.front());
        d.pop_front();
      } else if (op == 4) {
        EXPECT_EQ(l.pop_back(), d.back());
        d.pop_back();
      } else if (op == 5) {
        size_t i = rng() % (d.size() + 1);
        l.insert(i, v);
        d.insert(d.begin() + static_cast<long>(i), v);
      } else if (op == 6) {
        size_t i = rng() % d.size();
        l.set(i, v);
        d[i] = v;
      } else if (op == 7) {
        size_t i = rng() % d.size();
        l.erase(i);
        d.erase(d.begin() + static_cast<long>(i));
      } else if (op == 8 && rng() % 8 == 0) {
        size_t a = rng() % d.size(), b = rng() % d.size();
        if (a > b) std::swap(a, b);
        l.keep_range(a, b);
        d.erase(d.begin() + static_cast<long>(b) + 1, d.end());
        d.erase(d.begin(), d.begin() + static_cast<long>(a));
      } else if (op == 9) {
        bool from_tail = rng() % 2;
        size_t limit = rng() % 3 == 0 ? SIZE_MAX : rng() % 3 + 1;
        size_t expected = 0;
        if (!from_tail) {
          for (auto it = d.begin(); it != d.end() && expected < limit;)
            it = *it == v ? (++expected, d.erase(it)) : it + 1;
        } else {
          for (size_t i = d.size(); i > 0 && expected < limit; --i)
            if (d[i - 1] == v) {
              d.erase(d.begin() + static_cast<long>(i - 1));
              ++expected;
            }
        }
        EXPECT_EQ(l.remove(v, limit, from_tail), expected);
      } else if (op == 10) {
        size_t i = rng() % d.size();
        EXPECT_EQ(l[i], d[i]);
        auto found = l.find(v);
        auto it = std::find(d.begin(), d.end(), v);
        EXPECT_EQ(found.has_value(), it != d.end());
        if (found) {
          EXPECT_EQ(*found, static_cast<size_t>(it - d.begin()));
        }
      } else {
        size_t from = rng() % d.size();
        std::vector<std::string> seen;
        l.visit_backward(from, [&](size_t index, std::string_view e) {
          EXPECT_EQ(e, d[index]);
          seen.emplace_back(e);
          return seen.size() < 50;
        });
        EXPECT_EQ(seen.size(), std::min<size_t>(from + 1, 50));
        auto it = l.iterator_at(from);
        for (size_t i = from; i < d.size() && i < from + 50; ++i, ++it) {
          ASSERT_EQ(*it, d[i]);
        }
      }
      ASSERT_EQ(l.size(), d.size()) << "fill " << fill << " step " << step;
      if (l.empty()) {
        ASSERT_EQ(l.node_count(), 0u);
      }
    }
    EXPECT_EQ(contents(l), contents(d)) << "fill " << fill;
  }
}

TEST(ListEncoding, CopiesMovesAndComparisons) {
  LimitsGuard guard;
  List::limits() = {2};
  List a{"1", "2", "3", "4", "5"};
  EXPECT_EQ(a.node_count(), 3u);
  List b = a;
  EXPECT_EQ(a, b);
  b.set(4, "five");
  EXPECT_FALSE(a == b);
  EXPECT_EQ(a.back(), "5");
  List c = std::move(b);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(c.back(), "five");
  a = c;
  EXPECT_EQ(a, c);
  a = List{"x"};
  EXPECT_EQ(contents(a), (std::vector<std::string>{"x"}));
  EXPECT_EQ(a.allocated_bytes(), sizeof(void*) * 2 + 3u);  // one 16-byte node record, "x" in 3 bytes
}
