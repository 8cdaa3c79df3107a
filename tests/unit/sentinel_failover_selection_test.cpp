// Replica selection for promotion: filters and ordering as Redis Sentinel.
#include <gtest/gtest.h>

#include <vector>

#include "sentinel/failover/selection.h"

using namespace sentinel::failover;

namespace {

constexpr int64_t kNow = 1'000'000;

ReplicaView healthy(std::string runid, int port, int priority = 100, int64_t offset = 1000) {
  ReplicaView r;
  r.runid = std::move(runid);
  r.ip = "127.0.0.1";
  r.port = port;
  r.last_avail_ms = kNow - 100;
  r.info_refresh_ms = kNow - 500;
  r.priority = priority;
  r.repl_offset = offset;
  return r;
}

SelectionParams params() {
  SelectionParams p;
  p.now_ms = kNow;
  p.master_sdown = true;
  p.master_sdown_since_ms = kNow - 5000;
  p.down_after_ms = 5000;
  return p;
}

std::optional<int> chosen_port(const std::vector<ReplicaView>& rs, const SelectionParams& p = params()) {
  auto i = select_promotion_candidate(rs, p);
  if (!i) return std::nullopt;
  return rs[*i].port;
}

}  // namespace

TEST(SentinelFailoverSelection, LowerPriorityWins) {
  std::vector<ReplicaView> rs = {healthy("b", 1, 100, 5000), healthy("a", 2, 90, 10)};
  EXPECT_EQ(chosen_port(rs), 2);
}

TEST(SentinelFailoverSelection, SamePriorityLargerOffsetWins) {
  std::vector<ReplicaView> rs = {healthy("a", 1, 100, 10), healthy("b", 2, 100, 20)};
  EXPECT_EQ(chosen_port(rs), 2);
}

TEST(SentinelFailoverSelection, SameOffsetSmallerRunidWinsCaseInsensitive) {
  std::vector<ReplicaView> rs = {healthy("BBB", 1), healthy("aaa", 2), healthy("ccc", 3)};
  EXPECT_EQ(chosen_port(rs), 2);
}

TEST(SentinelFailoverSelection, MissingRunidSortsLast) {
  std::vector<ReplicaView> rs = {healthy("", 1), healthy("zzz", 2)};
  EXPECT_EQ(chosen_port(rs), 2);
  std::vector<ReplicaView> only = {healthy("", 7)};
  EXPECT_EQ(chosen_port(only), 7);
}

TEST(SentinelFailoverSelection, PriorityZeroNeverChosen) {
  std::vector<ReplicaView> rs = {healthy("a", 1, 0, 99999)};
  EXPECT_FALSE(chosen_port(rs));
  EXPECT_EQ(check_candidate(rs[0], params()), Rejection::kPriorityZero);
  rs.push_back(healthy("b", 2, 100, 1));
  EXPECT_EQ(chosen_port(rs), 2);
}

TEST(SentinelFailoverSelection, DownAndDisconnectedSkipped) {
  auto s = healthy("a", 1, 10);
  s.sdown = true;
  auto o = healthy("b", 2, 10);
  o.odown = true;
  auto d = healthy("c", 3, 10);
  d.disconnected = true;
  EXPECT_EQ(check_candidate(s, params()), Rejection::kDown);
  EXPECT_EQ(check_candidate(o, params()), Rejection::kDown);
  EXPECT_EQ(check_candidate(d, params()), Rejection::kDisconnected);
  std::vector<ReplicaView> rs = {s, o, d};
  EXPECT_FALSE(chosen_port(rs));
  rs.push_back(healthy("z", 4, 200));
  EXPECT_EQ(chosen_port(rs), 4);
}

TEST(SentinelFailoverSelection, OldPingReplySkipped) {
  auto r = healthy("a", 1);
  r.last_avail_ms = kNow - 5000;  // exactly 5 ping periods: still fine
  EXPECT_EQ(check_candidate(r, params()), Rejection::kOk);
  r.last_avail_ms = kNow - 5001;
  EXPECT_EQ(check_candidate(r, params()), Rejection::kNoRecentPing);
  r.last_avail_ms = kNever;
  EXPECT_EQ(check_candidate(r, params()), Rejection::kNoRecentPing);
}

TEST(SentinelFailoverSelection, InfoValidityDependsOnMasterSdown) {
  auto r = healthy("a", 1);
  r.info_refresh_ms = kNow - 6000;
  auto p = params();
  EXPECT_EQ(check_candidate(r, p), Rejection::kStaleInfo);  // master SDOWN: 5 s
  p.master_sdown = false;
  EXPECT_EQ(check_candidate(r, p), Rejection::kOk);  // otherwise 3 * 10 s
  r.info_refresh_ms = kNow - 30001;
  EXPECT_EQ(check_candidate(r, p), Rejection::kStaleInfo);
  r.info_refresh_ms = kNever;
  EXPECT_EQ(check_candidate(r, p), Rejection::kStaleInfo);
}

TEST(SentinelFailoverSelection, MasterLinkDownTooLongSkipped) {
  auto p = params();  // SDOWN for 5 s, down-after 5 s: limit 5 s + 50 s
  auto r = healthy("a", 1);
  r.master_link_down_ms = 55000;
  EXPECT_EQ(check_candidate(r, p), Rejection::kOk);
  r.master_link_down_ms = 55001;
  EXPECT_EQ(check_candidate(r, p), Rejection::kLinkDownTooLong);
  p.master_sdown = false;  // forced failover of a healthy master: only down-after * 10
  r.master_link_down_ms = 50001;
  EXPECT_EQ(check_candidate(r, p), Rejection::kLinkDownTooLong);
}

TEST(SentinelFailoverSelection, EmptyListSelectsNothing) {
  std::vector<ReplicaView> none;
  EXPECT_FALSE(chosen_port(none));
}

// A replica rejected only because its INFO is old is worth waiting for (it is polled fast during the
// failover); one rejected for another reason is not.
TEST(SentinelFailoverSelection, CandidatesAnsweredSinceWaitsForStaleInfoOnly) {
  auto p = params();
  auto fresh = healthy("a", 1);
  auto stale = healthy("b", 2);
  stale.info_refresh_ms = kNow - 8000;  // past the 5 s limit of a master in SDOWN
  ASSERT_EQ(check_candidate(stale, p), Rejection::kStaleInfo);
  std::vector<ReplicaView> rs = {fresh, stale};
  EXPECT_FALSE(candidates_answered_since(rs, p, kNow - 1000));
  rs[1].priority = 0;  // would be refused even with a fresh INFO
  EXPECT_TRUE(candidates_answered_since(rs, p, kNow - 1000));
  rs[1].priority = 100;
  rs[1].info_refresh_ms = kNow - 500;
  EXPECT_TRUE(candidates_answered_since(rs, p, kNow - 1000));
}
