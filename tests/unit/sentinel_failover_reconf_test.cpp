// The reconf_slaves phase: parallel-syncs, progress from INFO, timeouts, and the end of the failover.
#include <gtest/gtest.h>

#include "tests/unit/sentinel_failover_test_harness.h"

using namespace failover_test;

namespace {

// Master with the promoted-to-be replica 6380 and three others.
struct SentinelFailoverReconf : ::testing::Test {
  Harness h;
  void SetUp() override {
    h.add_replica(6380, 10);
    h.add_replica(6381);
    h.add_replica(6382);
    h.add_replica(6383);
  }
  // Runs the failover up to the promotion of 6380.
  void promote() {
    h.tick();
    h.peers_vote("me", 1, 2);
    h.tick();
    ASSERT_EQ(h.machine.state(), State::kWaitPromotion);
    h.now += 100;
    h.report_master(6380);
    h.tick();
    ASSERT_EQ(h.machine.state(), State::kReconfSlaves);
  }
  size_t sent() const {
    size_t n = 0;
    for (const auto& c : h.actions.calls) n += c.rfind("replicaof ", 0) == 0;
    return n;
  }
  ReconfState reconf(int port) const { return h.machine.reconf_state(Addr{"127.0.0.1", port}); }
  void done(int port) {
    h.report_following(port, 6380, true);
    h.now += 100;
    h.tick();
  }
};

}  // namespace

TEST_F(SentinelFailoverReconf, ParallelSyncsOneSendsOneAtATime) {
  promote();
  EXPECT_EQ(sent(), 1u);
  EXPECT_EQ(reconf(6381), ReconfState::kSent);
  EXPECT_EQ(h.machine.replica_flags(Addr{"127.0.0.1", 6381}), (std::vector<std::string_view>{"reconf_sent"}));
  h.run_for(3000);
  EXPECT_EQ(sent(), 1u);  // nothing more while 6381 has not finished

  h.report_following(6381, 6380, false);  // INFO: now replicating from the new master, link still down
  h.run_for(100);
  EXPECT_EQ(reconf(6381), ReconfState::kInProgress);
  EXPECT_EQ(sent(), 1u);  // still syncing: the slot stays taken
  done(6381);
  EXPECT_EQ(reconf(6381), ReconfState::kDone);
  EXPECT_EQ(sent(), 2u);
  EXPECT_EQ(reconf(6382), ReconfState::kSent);
  done(6382);
  EXPECT_EQ(sent(), 3u);
  EXPECT_EQ(h.machine.state(), State::kReconfSlaves);
  done(6383);
  EXPECT_EQ(h.machine.state(), State::kNone);
  EXPECT_EQ(h.actions.count("switch 6380"), 1u);
  EXPECT_EQ(h.actions.events[h.actions.events.size() - 2], "+failover-end");
  EXPECT_FALSE(h.actions.has_event("+failover-end-for-timeout"));
}

TEST_F(SentinelFailoverReconf, ParallelSyncsTwo) {
  h.master.parallel_syncs = 2;
  promote();
  EXPECT_EQ(sent(), 2u);
  done(6381);
  EXPECT_EQ(sent(), 3u);
}

TEST_F(SentinelFailoverReconf, AllAtOnceWhenParallelSyncsCoversThem) {
  h.master.parallel_syncs = 10;
  promote();
  EXPECT_EQ(sent(), 3u);
  for (int port : {6381, 6382, 6383}) h.report_following(port, 6380, true);
  h.now += 100;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kNone);
  EXPECT_EQ(h.actions.count("switch 6380"), 1u);
}

TEST_F(SentinelFailoverReconf, SentButNeverMovingTimesOutAndFreesTheSlot) {
  promote();
  h.run_for(10000);
  EXPECT_EQ(reconf(6381), ReconfState::kSent);
  h.run_for(100);
  EXPECT_EQ(reconf(6381), ReconfState::kDone);
  EXPECT_TRUE(h.actions.has_event("-slave-reconf-sent-timeout"));
  EXPECT_EQ(reconf(6382), ReconfState::kSent);
}

TEST_F(SentinelFailoverReconf, PhaseTimeoutEndsTheFailoverAnyway) {
  h.master.failover_timeout_ms = 20000;
  promote();
  h.report_following(6381, 6380, false);  // in progress forever (a long full sync)
  h.run_for(20000);
  EXPECT_EQ(h.machine.state(), State::kReconfSlaves);
  EXPECT_EQ(reconf(6382), ReconfState::kNone);  // the only slot is taken
  h.run_for(100);
  EXPECT_EQ(h.machine.state(), State::kNone);
  EXPECT_EQ(h.actions.count("switch 6380"), 1u);
  // Best effort for those never sent the command, after +failover-end, before +switch-master.
  const std::vector<std::string> tail(h.actions.events.end() - 5, h.actions.events.end());
  EXPECT_EQ(tail,
            (std::vector<std::string>{"+failover-end-for-timeout", "+failover-end", "+slave-reconf-sent-be",
                                      "+slave-reconf-sent-be", "+switch-master"}));
  EXPECT_EQ(h.actions.count("replicaof 6382 6380"), 1u);
  EXPECT_EQ(h.actions.count("replicaof 6383 6380"), 1u);
}

TEST_F(SentinelFailoverReconf, DownReplicasDoNotHoldTheEnd) {
  h.master.parallel_syncs = 3;
  h.replica(6383).disconnected = true;
  promote();
  EXPECT_EQ(sent(), 2u);  // not to the disconnected one
  h.report_following(6381, 6380, true);
  h.report_following(6382, 6380, true);
  h.now += 100;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kReconfSlaves);  // 6383 is not SDOWN yet: wait for it
  h.replica(6383).sdown = true;
  h.now += 100;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kNone);
}

TEST_F(SentinelFailoverReconf, NoEndWhileTheNewMasterIsDown) {
  h.master.parallel_syncs = 3;
  promote();
  h.replica(6380).sdown = true;
  for (int port : {6381, 6382, 6383}) h.report_following(port, 6380, true);
  h.run_for(1000);
  EXPECT_EQ(h.machine.state(), State::kReconfSlaves);
  h.replica(6380).sdown = false;
  h.run_for(100);
  EXPECT_EQ(h.machine.state(), State::kNone);
}

TEST_F(SentinelFailoverReconf, InfoStillShowingTheOldMasterIsNotProgress) {
  promote();
  h.replica(6381).master_link_up = true;  // up, but still to the old master
  h.run_for(1000);
  EXPECT_EQ(reconf(6381), ReconfState::kSent);
}

TEST_F(SentinelFailoverReconf, LoneReplicaEndsRightAfterPromotion) {
  h.replicas.resize(1);
  h.stale.resize(1);
  h.tick();
  h.peers_vote("me", 1, 2);
  h.tick();
  h.now += 100;
  h.report_master(6380);
  h.tick();
  // Nothing to reconfigure: promoted, failover over, master switched within the same tick.
  EXPECT_EQ(h.machine.state(), State::kNone);
  EXPECT_EQ(h.actions.count("switch 6380"), 1u);
}

TEST_F(SentinelFailoverReconf, PromotionSetsConfigEpochAndFastInfo) {
  h.current_epoch = 41;
  h.tick();
  h.peers_vote("me", 42, 2);
  h.tick();
  EXPECT_TRUE(h.machine.wants_fast_info());
  EXPECT_EQ(h.machine.fast_info_period_ms(), 100);
  h.now += 100;
  h.report_master(6380);
  h.tick();
  EXPECT_EQ(h.actions.config_epoch, 42u);
  EXPECT_EQ(h.actions.count("promoted 6380 42"), 1u);
}

TEST_F(SentinelFailoverReconf, ShorterPingPeriodMakesSelectionStricter) {
  h.master.ping_period_ms = 500;  // down-after below a second
  h.stale[0] = true;
  h.replicas[0].last_avail_ms = h.now - 2600;  // more than 5 PING periods
  h.tick();
  h.peers_vote("me", 1, 2);
  h.tick();
  ASSERT_TRUE(h.machine.promoted_replica());
  EXPECT_NE(h.machine.promoted_replica()->port, 6380);
}
