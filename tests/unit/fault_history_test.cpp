// The fault suite's history check (tests/fault/history.h): losses, duplicates, reorders, writes that
// failed yet survived, and split-brain windows from the probes.
#include <gtest/gtest.h>

#include <thread>

#include "history.h"

using fault::check;
using fault::Findings;
using fault::Op;
using fault::Outcome;

namespace {

Op write(int client, int64_t seq, Outcome outcome = Outcome::kOk, int64_t at = 0) {
  Op op;
  op.client = client;
  op.seq = seq;
  op.node = "127.0.0.1:7000";
  op.start_ms = at;
  op.end_ms = at + 1;
  op.outcome = outcome;
  return op;
}

Op probe(const std::string& node, int64_t end_ms, Outcome outcome = Outcome::kOk) {
  Op op;
  op.client = -1;
  op.node = node;
  op.start_ms = end_ms - 1;
  op.end_ms = end_ms;
  op.outcome = outcome;
  return op;
}

// Probes of `node` acknowledged every `step` ms over [from, to].
void probes_every(std::vector<Op>& out, const std::string& node, int64_t from, int64_t to, int64_t step = 100) {
  for (int64_t t = from; t <= to; t += step) out.push_back(probe(node, t));
}

}  // namespace

TEST(FaultHistory, CleanRunHasNoFindings) {
  std::vector<Op> writes = {write(0, 1), write(0, 2), write(1, 1)};
  Findings f = check(writes, {{0, {1, 2}}, {1, {1}}}, {});
  EXPECT_EQ(f.acknowledged, 3);
  EXPECT_EQ(f.lost, 0);
  EXPECT_EQ(f.duplicated, 0);
  EXPECT_EQ(f.reordered, 0);
  EXPECT_EQ(f.failed_but_present, 0);
  EXPECT_TRUE(f.split_brain.empty());
}

TEST(FaultHistory, AcknowledgedButAbsentIsLost) {
  std::vector<Op> writes = {write(0, 1), write(0, 2), write(0, 3), write(1, 1)};
  // Client 1's list is missing altogether: its acknowledged write counts as lost too.
  Findings f = check(writes, {{0, {1, 3}}}, {});
  EXPECT_EQ(f.acknowledged, 4);
  EXPECT_EQ(f.lost, 2);
  ASSERT_EQ(f.lost_examples.size(), 2u);
  EXPECT_EQ(f.lost_examples[0].client, 0);
  EXPECT_EQ(f.lost_examples[0].seq, 2);
  EXPECT_EQ(f.lost_examples[1].client, 1);
}

TEST(FaultHistory, LostExamplesAreCapped) {
  std::vector<Op> writes;
  for (int64_t s = 1; s <= 50; ++s) writes.push_back(write(0, s));
  Findings f = check(writes, {{0, {}}}, {});
  EXPECT_EQ(f.lost, 50);
  EXPECT_EQ(f.lost_examples.size(), 10u);
}

TEST(FaultHistory, DuplicatesCountedOncePerSeq) {
  std::vector<Op> writes = {write(0, 1), write(0, 2), write(0, 3)};
  Findings f = check(writes, {{0, {1, 2, 2, 2, 3, 3}}}, {});
  EXPECT_EQ(f.duplicated, 2);
  EXPECT_EQ(f.lost, 0);
  // A repeated seq is also "not greater than the one before it".
  EXPECT_EQ(f.reordered, 3);
}

TEST(FaultHistory, ReorderedEntries) {
  std::vector<Op> writes = {write(0, 1), write(0, 2), write(0, 3), write(0, 4)};
  Findings f = check(writes, {{0, {1, 3, 2, 4}}}, {});
  EXPECT_EQ(f.reordered, 1);
  EXPECT_EQ(f.duplicated, 0);
  EXPECT_EQ(f.lost, 0);
  // Gaps (writes that never made it, acknowledged or not) are not reorders.
  EXPECT_EQ(check(writes, {{0, {1, 4}}}, {}).reordered, 0);
}

TEST(FaultHistory, FailedButPresentIsReported) {
  std::vector<Op> writes = {write(0, 1), write(0, 2, Outcome::kFailed), write(0, 3, Outcome::kFailed)};
  Findings f = check(writes, {{0, {1, 2}}}, {});
  EXPECT_EQ(f.failed, 2);
  EXPECT_EQ(f.failed_but_present, 1);
  EXPECT_EQ(f.lost, 0);
}

TEST(FaultHistory, UnknownMayOrMayNotSurvive) {
  std::vector<Op> writes = {write(0, 1, Outcome::kUnknown), write(0, 2, Outcome::kUnknown), write(0, 3)};
  Findings f = check(writes, {{0, {2, 3}}}, {});
  EXPECT_EQ(f.unknown, 2);
  EXPECT_EQ(f.unknown_present, 1);
  EXPECT_EQ(f.lost, 0);
  EXPECT_EQ(f.failed_but_present, 0);
}

TEST(FaultHistory, CleanHandoverHasNoWindow) {
  std::vector<Op> probes;
  probes_every(probes, "a:1", 0, 1000);
  // "a" stops answering OK; "b" starts well after the merge gap.
  probes.push_back(probe("a:1", 1100, Outcome::kFailed));
  probes.push_back(probe("b:2", 1000, Outcome::kUnknown));
  probes_every(probes, "b:2", 1400, 3000);
  Findings f = check({}, {}, probes, 300);
  EXPECT_TRUE(f.split_brain.empty());
  EXPECT_EQ(f.split_brain_ms, 0);
  // Touching exactly at the end of the gap is still a handover.
  std::vector<Op> touching;
  probes_every(touching, "a:1", 0, 1000);
  probes_every(touching, "b:2", 1300, 2000);
  EXPECT_TRUE(check({}, {}, touching, 300).split_brain.empty());
}

TEST(FaultHistory, InterleavedAcceptanceIsAWindow) {
  std::vector<Op> probes;
  probes_every(probes, "a:1", 0, 2000);
  probes_every(probes, "b:2", 1500, 3000);
  Findings f = check({}, {}, probes, 300);
  ASSERT_EQ(f.split_brain.size(), 1u);
  EXPECT_EQ(f.split_brain[0].nodes, (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_EQ(f.split_brain[0].start_ms, 1500);
  EXPECT_EQ(f.split_brain[0].end_ms, 2300);
  EXPECT_EQ(f.split_brain_ms, 800);
}

TEST(FaultHistory, SeparateWindowsAndThreeNodes) {
  std::vector<Op> probes;
  probes_every(probes, "a:1", 0, 5000);
  probes.push_back(probe("b:2", 1000));  // [1000, 1300]
  probes.push_back(probe("c:3", 1200));  // [1200, 1500]
  probes.push_back(probe("b:2", 3000));  // [3000, 3300]
  Findings f = check({}, {}, probes, 300);
  ASSERT_EQ(f.split_brain.size(), 2u);
  EXPECT_EQ(f.split_brain[0].nodes, (std::vector<std::string>{"a:1", "b:2", "c:3"}));
  EXPECT_EQ(f.split_brain[0].start_ms, 1000);
  EXPECT_EQ(f.split_brain[0].end_ms, 1500);
  EXPECT_EQ(f.split_brain[1].nodes, (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_EQ(f.split_brain[1].start_ms, 3000);
  EXPECT_EQ(f.split_brain[1].end_ms, 3300);
  EXPECT_EQ(f.split_brain_ms, 800);
}

TEST(FaultHistory, MergeGapDecidesWhetherAcceptanceIsContinuous) {
  // "a" acknowledged every 500 ms, "b" once in between.
  std::vector<Op> probes;
  probes_every(probes, "a:1", 0, 2000, 500);
  probes.push_back(probe("b:2", 1300));
  // With a 100 ms gap, "a" is not known to accept between 1100 and 1500: no overlap with [1300, 1400].
  EXPECT_TRUE(check({}, {}, probes, 100).split_brain.empty());
  // With a 600 ms gap, "a"'s acks merge into one span from 0 to 2600, which covers "b".
  Findings wide = check({}, {}, probes, 600);
  ASSERT_EQ(wide.split_brain.size(), 1u);
  EXPECT_EQ(wide.split_brain[0].start_ms, 1300);
  EXPECT_EQ(wide.split_brain[0].end_ms, 1900);
}

TEST(FaultHistory, OnlyAcknowledgedProbesCount) {
  std::vector<Op> probes;
  probes_every(probes, "a:1", 0, 1000);
  for (int64_t t = 0; t <= 1000; t += 100) {
    probes.push_back(probe("b:2", t, Outcome::kFailed));
    probes.push_back(probe("c:3", t, Outcome::kUnknown));
  }
  EXPECT_TRUE(check({}, {}, probes, 300).split_brain.empty());
}

TEST(FaultHistory, JsonHasCountsWindowsAndEscapes) {
  Findings f;
  f.acknowledged = 7;
  f.lost = 1;
  Op lost = write(2, 42);
  lost.node = "we\"ird\\node\n";
  f.lost_examples.push_back(lost);
  f.split_brain.push_back({{"a:1", "b:2"}, 100, 250});
  f.split_brain_ms = 150;
  std::string j = fault::to_json(f);
  EXPECT_EQ(j.front(), '{');
  EXPECT_EQ(j.back(), '}');
  EXPECT_EQ(j.find('\n'), std::string::npos);
  EXPECT_NE(j.find("\"acknowledged\":7,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"lost\":1,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"split_brain_ms\":150"), std::string::npos) << j;
  EXPECT_NE(j.find(R"({"client":2,"seq":42,"node":"we\"ird\\node\n",)"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("split_brain":[{"nodes":["a:1","b:2"],"start_ms":100,"end_ms":250}])"), std::string::npos) << j;
  EXPECT_EQ(fault::to_json(Findings{}),
            "{\"acknowledged\":0,\"failed\":0,\"unknown\":0,\"lost\":0,\"duplicated\":0,\"reordered\":0,"
            "\"failed_but_present\":0,\"unknown_present\":0,\"split_brain_ms\":0,\"lost_examples\":[],"
            "\"split_brain\":[]}");
}

TEST(FaultHistory, HistoryTakesConcurrentAppends) {
  fault::History h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 1000; ++i) h.add(write(t, i));
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.ops().size(), 4000u);
}
