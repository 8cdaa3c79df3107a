// The sorted set skiplist against a plain std::set model: random operations, ranks, elements at ranks,
// score and lex ranges with exclusive and infinite bounds, range removals and copies.
#include <gtest/gtest.h>

#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "datanode/store/zset.h"

using store::LexBound;
using store::LexRange;
using store::ScoreRange;
using store::ZSet;

namespace {

using Model = std::set<std::pair<double, std::string>>;
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<std::pair<double, std::string>> contents(const ZSet& z) {
  std::vector<std::pair<double, std::string>> out;
  z.for_each([&](const std::string& m, double s) { out.emplace_back(s, m); });
  return out;
}

std::vector<std::pair<double, std::string>> contents(const Model& m) { return {m.begin(), m.end()}; }

// Walks both ways and checks every rank query against the model.
void check_same(const ZSet& z, const Model& model) {
  ASSERT_EQ(z.size(), model.size());
  ASSERT_EQ(contents(z), contents(model));
  std::vector<std::pair<double, std::string>> backwards;
  for (const ZSet::Node* n = z.last(); n; n = ZSet::prev(n)) backwards.emplace_back(n->score(), n->member());
  std::vector<std::pair<double, std::string>> reversed(model.rbegin(), model.rend());
  ASSERT_EQ(backwards, reversed);
  size_t r = 0;
  for (const auto& [s, m] : model) {
    ASSERT_EQ(z.rank(m), r) << m;
    ASSERT_EQ(z.rank(m, true), model.size() - 1 - r) << m;
    const ZSet::Node* n = z.at(r);
    ASSERT_NE(n, nullptr);
    ASSERT_EQ(n->member(), m);
    ASSERT_EQ(n->score(), s);
    ASSERT_EQ(z.score(m), s);
    ++r;
  }
  ASSERT_EQ(z.at(model.size()), nullptr);
}

bool in_score(double s, const ScoreRange& r) { return ZSet::above_min(s, r) && ZSet::below_max(s, r); }
bool in_lex(const std::string& m, const LexRange& r) { return ZSet::above_min(m, r) && ZSet::below_max(m, r); }

LexBound value_bound(std::string v, bool exclusive) {
  LexBound b;
  b.kind = LexBound::Kind::kValue;
  b.value = std::move(v);
  b.exclusive = exclusive;
  return b;
}

}  // namespace

TEST(ZSet, InsertUpdateEraseBasics) {
  ZSet z;
  EXPECT_TRUE(z.empty());
  EXPECT_TRUE(z.insert("b", 2));
  EXPECT_TRUE(z.insert("a", 1));
  EXPECT_TRUE(z.insert("c", 3));
  EXPECT_FALSE(z.insert("a", 1));  // same score
  EXPECT_FALSE(z.insert("a", 5));  // moves to the end
  EXPECT_EQ(z.size(), 3u);
  EXPECT_EQ(z.score("a"), 5);
  EXPECT_EQ(z.score("zz"), std::nullopt);
  EXPECT_EQ(z.rank("a"), 2u);
  EXPECT_EQ(z.rank("a", true), 0u);
  EXPECT_EQ(z.rank("nope"), std::nullopt);
  EXPECT_TRUE(z.erase("b"));
  EXPECT_FALSE(z.erase("b"));
  EXPECT_EQ(z.first()->member(), "c");
  EXPECT_EQ(z.last()->member(), "a");
  EXPECT_TRUE(z.erase("a"));
  EXPECT_TRUE(z.erase("c"));
  EXPECT_TRUE(z.empty());
  EXPECT_EQ(z.first(), nullptr);
  EXPECT_EQ(z.last(), nullptr);
}

TEST(ZSet, EqualScoresOrderByMember) {
  ZSet z;
  for (const char* m : {"d", "b", "a", "c", "bb"}) z.insert(m, 7);
  z.insert("x", -kInf);
  z.insert("y", kInf);
  std::vector<std::pair<double, std::string>> want = {{-kInf, "x"}, {7, "a"}, {7, "b"}, {7, "bb"},
                                                      {7, "c"},     {7, "d"}, {kInf, "y"}};
  EXPECT_EQ(contents(z), want);
  EXPECT_EQ(z.rank("bb"), 3u);
  EXPECT_EQ(z.at(0)->member(), "x");
  EXPECT_EQ(z.at(6)->member(), "y");
}

TEST(ZSet, ScoreRangesWithExclusiveAndInfiniteBounds) {
  ZSet z;
  for (int i = 1; i <= 10; ++i) z.insert("m" + std::to_string(i), i);
  ScoreRange all{-kInf, kInf, false, false};
  EXPECT_EQ(z.count_in(all), 10u);
  EXPECT_EQ(z.first_in(all)->member(), "m1");
  EXPECT_EQ(z.last_in(all)->member(), "m10");
  ScoreRange r{3, 6, false, false};
  EXPECT_EQ(z.count_in(r), 4u);
  EXPECT_EQ(z.first_in(r)->score(), 3);
  EXPECT_EQ(z.last_in(r)->score(), 6);
  ScoreRange ex{3, 6, true, true};
  EXPECT_EQ(z.count_in(ex), 2u);
  EXPECT_EQ(z.first_in(ex)->score(), 4);
  EXPECT_EQ(z.last_in(ex)->score(), 5);
  EXPECT_EQ(z.count_in(ScoreRange{5, 5, false, false}), 1u);
  EXPECT_EQ(z.count_in(ScoreRange{5, 5, true, false}), 0u);
  EXPECT_EQ(z.count_in(ScoreRange{6, 3, false, false}), 0u);
  EXPECT_EQ(z.first_in(ScoreRange{11, kInf, false, false}), nullptr);
  EXPECT_EQ(z.last_in(ScoreRange{-kInf, 0.5, false, false}), nullptr);
  EXPECT_EQ(z.first_in(ScoreRange{4.5, 4.7, false, false}), nullptr);
  EXPECT_EQ(z.count_in(ScoreRange{-kInf, 1, false, true}), 0u);
  EXPECT_EQ(z.count_in(ScoreRange{10, kInf, true, false}), 0u);
}

TEST(ZSet, LexRanges) {
  ZSet z;
  for (const char* m : {"a", "b", "c", "d", "e", "f", "g"}) z.insert(m, 0);
  LexRange all;
  all.max.kind = LexBound::Kind::kPosInf;
  EXPECT_EQ(z.count_in(all), 7u);
  LexRange r{value_bound("b", false), value_bound("e", true)};
  EXPECT_EQ(z.count_in(r), 3u);
  EXPECT_EQ(z.first_in(r)->member(), "b");
  EXPECT_EQ(z.last_in(r)->member(), "d");
  LexRange r2{value_bound("aa", true), value_bound("c", false)};
  EXPECT_EQ(z.first_in(r2)->member(), "b");
  EXPECT_EQ(z.count_in(r2), 2u);
  LexRange inverted;
  inverted.min.kind = LexBound::Kind::kPosInf;
  inverted.max.kind = LexBound::Kind::kNegInf;
  EXPECT_EQ(z.count_in(inverted), 0u);
  EXPECT_EQ(z.count_in(LexRange{value_bound("c", true), value_bound("c", false)}), 0u);
  EXPECT_EQ(z.count_in(LexRange{value_bound("c", false), value_bound("c", false)}), 1u);
  EXPECT_EQ(z.first_in(LexRange{value_bound("h", false), LexBound{LexBound::Kind::kPosInf, "", false}}), nullptr);
  EXPECT_EQ(z.erase_range(r), 3u);
  EXPECT_EQ(z.size(), 4u);
  EXPECT_EQ(z.first()->member(), "a");
  EXPECT_EQ(z.at(1)->member(), "e");
}

TEST(ZSet, CopiesAreDeepAndIndependent) {
  ZSet z;
  for (int i = 0; i < 500; ++i) z.insert("k" + std::to_string(i), i % 37);
  ZSet copy(z);
  EXPECT_EQ(contents(copy), contents(z));
  for (size_t r = 0; r < z.size(); r += 7) EXPECT_EQ(copy.at(r)->member(), z.at(r)->member());
  copy.insert("new", 1000);
  copy.erase("k1");
  EXPECT_EQ(z.size(), 500u);
  EXPECT_EQ(z.score("k1"), 1);
  EXPECT_EQ(copy.size(), 500u);
  ZSet moved(std::move(copy));
  EXPECT_EQ(moved.rank("new"), 499u);
  ZSet assigned;
  assigned = z;
  EXPECT_EQ(contents(assigned), contents(z));
  assigned = std::move(moved);
  EXPECT_EQ(assigned.score("new"), 1000);
  ZSet empty_copy{ZSet()};
  EXPECT_TRUE(empty_copy.empty());
  empty_copy.insert("a", 1);
  EXPECT_EQ(empty_copy.rank("a"), 0u);
}

TEST(ZSet, EraseRankRange) {
  ZSet z;
  Model model;
  for (int i = 0; i < 100; ++i) {
    z.insert("m" + std::to_string(i), i);
    model.emplace(i, "m" + std::to_string(i));
  }
  EXPECT_EQ(z.erase_rank_range(10, 19), 10u);
  model.erase(std::next(model.begin(), 10), std::next(model.begin(), 20));
  check_same(z, model);
  EXPECT_EQ(z.erase_rank_range(85, 200), 5u);
  model.erase(std::next(model.begin(), 85), model.end());
  check_same(z, model);
  EXPECT_EQ(z.erase_rank_range(5, 4), 0u);
  EXPECT_EQ(z.erase_rank_range(500, 600), 0u);
  EXPECT_EQ(z.erase_rank_range(0, 84), 85u);
  EXPECT_TRUE(z.empty());
}

// Random insertions, score updates and removals (single and ranges) against the model.
TEST(ZSet, RandomOperationsMatchModel) {
  std::mt19937 rng(12345);
  ZSet z;
  Model model;
  std::map<std::string, double> scores;
  auto pick_member = [&] { return "m" + std::to_string(rng() % 300); };
  auto pick_score = [&] { return static_cast<double>(static_cast<int>(rng() % 50) - 25) / 2; };
  for (int step = 0; step < 20000; ++step) {
    unsigned op = rng() % 100;
    if (op < 55) {
      std::string m = pick_member();
      double s = pick_score();
      auto old = scores.find(m);
      bool is_new = old == scores.end();
      if (!is_new) model.erase({old->second, m});
      model.emplace(s, m);
      scores[m] = s;
      ASSERT_EQ(z.insert(m, s), is_new);
    } else if (op < 85) {
      std::string m = pick_member();
      auto old = scores.find(m);
      bool present = old != scores.end();
      if (present) {
        model.erase({old->second, m});
        scores.erase(old);
      }
      ASSERT_EQ(z.erase(m), present);
    } else if (op < 90) {
      double a = pick_score(), b = pick_score();
      ScoreRange r{std::min(a, b), std::max(a, b), rng() % 2 == 0, rng() % 2 == 0};
      size_t n = 0;
      for (auto it = model.begin(); it != model.end();) {
        if (in_score(it->first, r)) {
          scores.erase(it->second);
          it = model.erase(it);
          ++n;
        } else {
          ++it;
        }
      }
      ASSERT_EQ(z.erase_range(r), n);
    } else if (op < 93 && !model.empty()) {
      size_t a = rng() % model.size(), b = a + rng() % 5;
      size_t n = 0;
      auto it = std::next(model.begin(), static_cast<long>(a));
      for (size_t r = a; r <= b && it != model.end(); ++r, ++n) {
        scores.erase(it->second);
        it = model.erase(it);
      }
      ASSERT_EQ(z.erase_rank_range(a, b), n);
    } else {
      // Queries only: counts and bounds of a random score range.
      double a = pick_score(), b = pick_score();
      ScoreRange r{a, b, rng() % 2 == 0, rng() % 2 == 0};
      if (rng() % 10 == 0) r.min = -kInf;
      if (rng() % 10 == 0) r.max = kInf;
      std::vector<std::pair<double, std::string>> inside;
      for (const auto& e : model)
        if (in_score(e.first, r)) inside.push_back(e);
      ASSERT_EQ(z.count_in(r), inside.size());
      const ZSet::Node* f = z.first_in(r);
      const ZSet::Node* l = z.last_in(r);
      if (inside.empty()) {
        ASSERT_EQ(f, nullptr);
        ASSERT_EQ(l, nullptr);
      } else {
        ASSERT_NE(f, nullptr);
        ASSERT_NE(l, nullptr);
        ASSERT_EQ(f->member(), inside.front().second);
        ASSERT_EQ(l->member(), inside.back().second);
      }
    }
    if (step % 500 == 0) check_same(z, model);
  }
  check_same(z, model);
  ZSet copy(z);
  check_same(copy, model);
}

// All members on one score (as ZRANGEBYLEX expects): lex ranges against the model.
TEST(ZSet, RandomLexRangesMatchModel) {
  std::mt19937 rng(777);
  ZSet z;
  std::set<std::string> model;
  auto word = [&] {
    std::string w;
    size_t len = 1 + rng() % 3;
    for (size_t i = 0; i < len; ++i) w += static_cast<char>('a' + rng() % 5);
    return w;
  };
  for (int i = 0; i < 80; ++i) {
    std::string w = word();
    model.insert(w);
    z.insert(w, 0);
  }
  for (int step = 0; step < 2000; ++step) {
    LexRange r{value_bound(word(), rng() % 2 == 0), value_bound(word(), rng() % 2 == 0)};
    if (rng() % 8 == 0) r.min.kind = LexBound::Kind::kNegInf;
    if (rng() % 8 == 0) r.max.kind = LexBound::Kind::kPosInf;
    std::vector<std::string> inside;
    for (const auto& m : model)
      if (in_lex(m, r)) inside.push_back(m);
    ASSERT_EQ(z.count_in(r), inside.size());
    const ZSet::Node* f = z.first_in(r);
    const ZSet::Node* l = z.last_in(r);
    if (inside.empty()) {
      ASSERT_EQ(f, nullptr);
    } else {
      ASSERT_EQ(f->member(), inside.front());
      ASSERT_EQ(l->member(), inside.back());
    }
    if (step % 50 == 0) {
      ZSet copy(z);
      std::set<std::string> left = model;
      for (const auto& m : inside) left.erase(m);
      ASSERT_EQ(copy.erase_range(r), inside.size());
      std::vector<std::string> got;
      copy.for_each([&](const std::string& m, double) { got.push_back(m); });
      ASSERT_EQ(got, std::vector<std::string>(left.begin(), left.end()));
    }
  }
}
