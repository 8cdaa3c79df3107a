// The failover state machine under a fake clock: start, election, selection, promotion, aborts, retry
// delays, forced failover, and the order of the events.
#include <gtest/gtest.h>

#include "tests/unit/sentinel_failover_test_harness.h"

using namespace failover_test;

namespace {

// Master with three replicas; 6380 is the best candidate (lowest priority).
struct SentinelFailoverMachine : ::testing::Test {
  Harness h;
  void SetUp() override {
    h.add_replica(6380, 90);
    h.add_replica(6381, 100);
    h.add_replica(6382, 100);
  }
  // Starts a failover and wins the election (2 peers vote for us).
  void elect() {
    h.tick();
    h.peers_vote("me", h.current_epoch, 2);
    h.tick();
    ASSERT_EQ(h.machine.state(), State::kWaitPromotion);
  }
};

}  // namespace

TEST_F(SentinelFailoverMachine, NothingWithoutOdown) {
  h.master.odown = false;
  h.run_for(5000);
  EXPECT_EQ(h.machine.state(), State::kNone);
  EXPECT_TRUE(h.actions.calls.empty());
  EXPECT_EQ(h.current_epoch, 0u);
}

TEST_F(SentinelFailoverMachine, OdownStartsAndAsksForVotes) {
  h.current_epoch = 6;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kWaitStart);
  EXPECT_STREQ(h.machine.state_name(), "wait_start");
  EXPECT_EQ(h.current_epoch, 7u);
  EXPECT_EQ(h.machine.failover_epoch(), 7u);
  EXPECT_EQ(h.actions.events, (std::vector<std::string>{"+new-epoch", "+try-failover", "+vote-for-leader"}));
  EXPECT_EQ(h.actions.messages[0], "+new-epoch 7");
  EXPECT_EQ(h.actions.messages[1], "+try-failover master mymaster 127.0.0.1 6379");
  EXPECT_EQ(h.actions.messages[2], "+vote-for-leader me 7");
  EXPECT_EQ(h.actions.count("request_votes 7"), 1u);
  EXPECT_GE(h.actions.count("persist"), 1u);  // our vote is on disk before anyone can see it
  EXPECT_EQ(h.machine.vote_record().leader, "me");
  EXPECT_EQ(h.machine.vote_record().leader_epoch, 7u);
  EXPECT_TRUE(h.machine.asking_for_votes());
  EXPECT_TRUE(h.machine.wants_fast_info());
  EXPECT_EQ(h.machine.master_flags(), (std::vector<std::string_view>{"failover_in_progress"}));
}

TEST_F(SentinelFailoverMachine, FullFailoverEventsInRedisOrder) {
  h.tick();
  h.now += 100;
  h.peers_vote("me", 1, 1);  // 2 of 3 voters, quorum 2
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kWaitPromotion);
  EXPECT_EQ(h.actions.count("promote 6380"), 1u);
  EXPECT_EQ(h.machine.promoted_replica(), (Addr{"127.0.0.1", 6380}));
  EXPECT_EQ(h.machine.replica_flags(Addr{"127.0.0.1", 6380}), (std::vector<std::string_view>{"promoted"}));

  h.now += 100;
  h.report_master(6380);
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kReconfSlaves);
  EXPECT_EQ(h.actions.config_epoch, 1u);
  EXPECT_EQ(h.actions.count("replicaof 6381 6380"), 1u);
  EXPECT_EQ(h.actions.count("replicaof 6382 6380"), 0u);  // parallel-syncs 1

  h.now += 100;
  h.report_following(6381, 6380, true);
  h.tick();
  EXPECT_EQ(h.actions.count("replicaof 6382 6380"), 1u);
  h.now += 100;
  h.report_following(6382, 6380, false);
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kReconfSlaves);
  EXPECT_EQ(h.machine.reconf_state(Addr{"127.0.0.1", 6382}), ReconfState::kInProgress);
  h.now += 100;
  h.report_following(6382, 6380, true);
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kNone);
  EXPECT_EQ(h.actions.count("switch 6380"), 1u);

  const std::vector<std::string> expected = {"+new-epoch",
                                             "+try-failover",
                                             "+vote-for-leader",
                                             "+elected-leader",
                                             "+failover-state-select-slave",
                                             "+selected-slave",
                                             "+failover-state-send-slaveof-noone",
                                             "+failover-state-wait-promotion",
                                             "+promoted-slave",
                                             "+failover-state-reconf-slaves",
                                             "+slave-reconf-sent",
                                             "+slave-reconf-inprog",
                                             "+slave-reconf-done",
                                             "+slave-reconf-sent",
                                             "+slave-reconf-inprog",
                                             "+slave-reconf-done",
                                             "+failover-end",
                                             "+switch-master"};
  EXPECT_EQ(h.actions.events, expected);
  EXPECT_EQ(h.actions.messages.back(), "+switch-master mymaster 127.0.0.1 6379 127.0.0.1 6380");
  EXPECT_EQ(h.actions.messages[5],
            "+selected-slave slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379");
  EXPECT_FALSE(h.machine.wants_fast_info());
  // The master moved: a failover of the new address may start at once when it is ODOWN.
  EXPECT_EQ(h.machine.next_attempt_ms(h.master.failover_timeout_ms), INT64_MIN);
}

TEST_F(SentinelFailoverMachine, NotElectedAbortsAfterElectionTimeoutThenWaitsRetryDelay) {
  h.tick();  // start at t0; only our own vote: 1 of 3
  const int64_t t0 = h.now;
  h.run_for(10000);  // exactly the election timeout: still waiting
  EXPECT_EQ(h.machine.state(), State::kWaitStart);
  h.now += 1;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kNone);
  EXPECT_EQ(h.actions.events.back(), "-failover-abort-not-elected");
  EXPECT_FALSE(h.actions.has_event("+elected-leader"));
  EXPECT_EQ(h.machine.next_attempt_ms(60000), t0 + 120000);

  // Still ODOWN: no new attempt before failover-timeout * 2 from the start of the last one.
  h.actions.clear();
  h.now = t0 + 120000 - 1;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kNone);
  EXPECT_FALSE(h.actions.has_event("+try-failover"));
  h.now = t0 + 120000;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kWaitStart);
  EXPECT_EQ(h.machine.failover_epoch(), 2u);
}

TEST_F(SentinelFailoverMachine, ElectionTimeoutIsCappedByFailoverTimeout) {
  h.master.failover_timeout_ms = 3000;
  h.tick();
  h.run_for(3000);
  EXPECT_EQ(h.machine.state(), State::kWaitStart);
  h.now += 1;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kNone);
}

TEST_F(SentinelFailoverMachine, VoteRequestsRepeatedWhileWaiting) {
  h.tick();
  h.run_for(1000);
  // Once at the start, then every 250 ms, which 100 ms ticks round up to 300 ms: 0, 300, 600, 900.
  EXPECT_EQ(h.actions.count("request_votes 1"), 4u);
}

TEST_F(SentinelFailoverMachine, QuorumAboveMajorityNeedsMoreVotes) {
  h.master.known_sentinels = 4;  // 5 voters, majority 3
  h.master.quorum = 4;
  h.tick();
  h.peers_vote("me", 1, 2);
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kWaitStart);  // 3 votes: majority but not quorum
  h.peers_vote("me", 1, 3);
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kWaitPromotion);
}

TEST_F(SentinelFailoverMachine, SplitVoteFollowsThePeersFavourite) {
  h.current_epoch = 4;
  h.peers_vote("other", 5, 1);  // a peer started epoch 5 too and got one vote already
  h.tick();
  EXPECT_EQ(h.machine.vote_record().leader, "other");  // we vote for it rather than for ourselves
  EXPECT_EQ(h.machine.state(), State::kWaitStart);
  h.run_for(12000);
  EXPECT_EQ(h.machine.state(), State::kNone);
  EXPECT_FALSE(h.actions.has_event("+elected-leader"));
}

TEST_F(SentinelFailoverMachine, PeerVoteRaisesEpochAndDelaysOurFailover) {
  h.master.odown = false;
  Env e = h.env();
  const int64_t t0 = h.now;
  VoteOutcome out = h.machine.vote(3, "other", h.now, e);
  EXPECT_TRUE(out.voted);
  EXPECT_EQ(out.leader, "other");
  EXPECT_EQ(out.leader_epoch, 3u);
  EXPECT_EQ(h.current_epoch, 3u);
  EXPECT_EQ(h.actions.events, (std::vector<std::string>{"+new-epoch", "+vote-for-leader"}));
  EXPECT_EQ(h.actions.messages[1], "+vote-for-leader other 3");
  EXPECT_EQ(h.actions.count("persist"), 1u);

  // Same epoch, someone else: refused, and the requester learns whom we voted for.
  out = h.machine.vote(3, "third", h.now, e);
  EXPECT_FALSE(out.voted);
  EXPECT_EQ(out.leader, "other");

  // The master goes ODOWN for us too: we leave the failover to "other" for failover-timeout * 2.
  h.master.odown = true;
  h.now = t0 + 119999;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kNone);
  h.now = t0 + 120000;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kWaitStart);
  EXPECT_EQ(h.machine.failover_epoch(), 4u);
}

TEST_F(SentinelFailoverMachine, NoGoodSlaveAborts) {
  for (auto& r : h.replicas) r.priority = 0;
  h.tick();
  h.peers_vote("me", 1, 2);
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kNone);
  EXPECT_EQ(h.actions.events.back(), "-failover-abort-no-good-slave");
  EXPECT_EQ(h.actions.count("promote 6380"), 0u);
  h.run_for(1000);
  EXPECT_EQ(h.machine.state(), State::kNone);  // retry delay
}

TEST_F(SentinelFailoverMachine, StaleAndDownReplicasAreNotSelected) {
  h.replica(6380).sdown = true;
  h.stale[1] = true;  // 6381: last PING reply and INFO too old
  h.replicas[1].last_avail_ms = h.now - 60000;
  h.tick();
  h.peers_vote("me", 1, 2);
  h.tick();
  EXPECT_EQ(h.machine.promoted_replica(), (Addr{"127.0.0.1", 6382}));
}

// Offsets from INFO replies older than the failover can understate what a replica holds: the leader
// waits (briefly) until every candidate has answered again, so the replica holding the most wins.
TEST_F(SentinelFailoverMachine, SelectionWaitsForInfoNewerThanTheFailover) {
  for (auto& r : h.replicas) r.priority = 100;
  h.stale[1] = true;  // 6381 answers PING, but its last INFO predates the failover
  h.replicas[1].info_refresh_ms = h.now - 500;
  h.replicas[1].repl_offset = 900;
  h.tick();
  h.peers_vote("me", 1, 2);
  h.now += 100;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kSelectSlave);
  EXPECT_FALSE(h.machine.promoted_replica());
  h.replicas[1].info_refresh_ms = h.now;  // its INFO arrives: it holds more than the others
  h.replicas[1].repl_offset = 1200;
  h.now += 100;
  h.tick();
  EXPECT_EQ(h.machine.promoted_replica(), (Addr{"127.0.0.1", 6381}));
}

TEST_F(SentinelFailoverMachine, SelectionStopsWaitingForASilentReplica) {
  for (auto& r : h.replicas) r.priority = 100;
  h.stale[1] = true;
  h.replicas[1].info_refresh_ms = h.now - 500;
  h.replicas[1].repl_offset = 5000;
  h.tick();
  h.peers_vote("me", 1, 2);
  h.run_for(500);
  EXPECT_EQ(h.machine.state(), State::kSelectSlave);
  h.run_for(700);  // past fresh_info_wait_ms: select on what is known (the stale offset, like Redis)
  EXPECT_EQ(h.machine.promoted_replica(), (Addr{"127.0.0.1", 6381}));
}

// A master that answers again before a replica is promoted (restarted, or the partition healed) keeps
// its role: promoting anyway would make two masters and drop the writes the old one takes meanwhile.
TEST_F(SentinelFailoverMachine, MasterBackBeforePromotionAbortsTheFailover) {
  h.actions.links_accept = false;  // SLAVEOF NO ONE cannot be sent yet
  h.tick();
  h.peers_vote("me", 1, 2);
  h.now += 100;
  h.tick();
  ASSERT_EQ(h.machine.state(), State::kSendSlaveofNoone);
  h.master.sdown = false;
  h.master.odown = false;
  h.actions.links_accept = true;
  h.now += 100;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kNone);
  EXPECT_TRUE(h.actions.has_event("-failover-abort-master-back"));
  EXPECT_EQ(h.actions.count("promote 6380"), 0u);
}

// A master down only because a script kept it busy answers again once a sentinel's SCRIPT KILL stops the
// script: Redis Sentinel goes on with the failover it started, and so do we.
TEST_F(SentinelFailoverMachine, MasterBackFromABusyScriptDoesNotAbortTheFailover) {
  h.actions.links_accept = false;
  h.master.sdown_since_ms = h.now - 1000;
  h.master.last_busy_reply_ms = h.now - 500;
  h.tick();
  h.peers_vote("me", 1, 2);
  h.now += 100;
  h.tick();
  ASSERT_EQ(h.machine.state(), State::kSendSlaveofNoone);
  h.master.sdown = false;
  h.master.odown = false;
  h.actions.links_accept = true;
  h.now += 100;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kWaitPromotion);
  EXPECT_FALSE(h.actions.has_event("-failover-abort-master-back"));
}

TEST_F(SentinelFailoverMachine, SlaveofNoOneRetriedUntilFailoverTimeout) {
  h.actions.links_accept = false;  // selected, but the link cannot take the command
  h.tick();
  h.peers_vote("me", 1, 2);
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kSendSlaveofNoone);
  h.run_for(60000);
  EXPECT_EQ(h.machine.state(), State::kSendSlaveofNoone);
  h.actions.links_accept = true;
  h.now += 100;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kNone);  // past failover-timeout: aborted before sending
  EXPECT_EQ(h.actions.events.back(), "-failover-abort-slave-timeout");
}

TEST_F(SentinelFailoverMachine, SlaveofNoOneSentOnceLinkAccepts) {
  h.actions.links_accept = false;
  h.tick();
  h.peers_vote("me", 1, 2);
  h.tick();
  h.run_for(2000);
  EXPECT_EQ(h.machine.state(), State::kSendSlaveofNoone);
  h.actions.links_accept = true;
  h.run_for(100);
  EXPECT_EQ(h.machine.state(), State::kWaitPromotion);
  EXPECT_EQ(h.actions.count("promote 6380"), 1u);
}

TEST_F(SentinelFailoverMachine, PromotionTimeoutAborts) {
  elect();
  h.run_for(60000);
  EXPECT_EQ(h.machine.state(), State::kWaitPromotion);
  h.now += 100;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kNone);
  EXPECT_EQ(h.actions.events.back(), "-failover-abort-slave-timeout");
  EXPECT_FALSE(h.machine.promoted_replica());
  EXPECT_FALSE(h.actions.has_event("+promoted-slave"));
}

TEST_F(SentinelFailoverMachine, PromotionNeedsAnInfoNewerThanTheCommand) {
  h.report_master(6380);
  h.now += 100;
  h.tick();
  h.stale[0] = true;  // its last INFO (role:master) predates REPLICAOF NO ONE
  h.peers_vote("me", 1, 2);
  h.now += 100;
  h.tick();
  ASSERT_EQ(h.machine.state(), State::kWaitPromotion);
  h.now += 100;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kWaitPromotion);
  h.stale[0] = false;
  h.now += 100;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kReconfSlaves);
}

TEST_F(SentinelFailoverMachine, ForcedFailoverSkipsOdownAndElection) {
  h.master.odown = false;
  h.master.sdown = false;
  h.master.known_sentinels = 4;
  EXPECT_EQ(h.force(), FailoverMachine::ForceResult::kStarted);
  EXPECT_EQ(h.machine.state(), State::kWaitPromotion);
  EXPECT_TRUE(h.machine.forced());
  EXPECT_EQ(h.machine.master_flags(),
            (std::vector<std::string_view>{"failover_in_progress", "force_failover"}));
  EXPECT_EQ(h.actions.count("request_votes 1"), 0u);
  EXPECT_FALSE(h.machine.asking_for_votes());
  EXPECT_EQ(h.actions.events, (std::vector<std::string>{
                                  "+new-epoch", "+try-failover", "+vote-for-leader", "+elected-leader",
                                  "+failover-state-select-slave", "+selected-slave",
                                  "+failover-state-send-slaveof-noone", "+failover-state-wait-promotion"}));
  EXPECT_EQ(h.force(), FailoverMachine::ForceResult::kInProgress);

  h.now += 100;
  h.report_master(6380);
  h.tick();  // ticks keep driving it although the master is not ODOWN
  EXPECT_EQ(h.machine.state(), State::kReconfSlaves);
}

TEST_F(SentinelFailoverMachine, ForcedFailoverIgnoresRetryDelay) {
  h.tick();
  h.run_for(11000);  // not elected: aborted, retry delayed
  ASSERT_EQ(h.machine.state(), State::kNone);
  EXPECT_EQ(h.force(), FailoverMachine::ForceResult::kStarted);
  EXPECT_EQ(h.machine.failover_epoch(), 2u);
}

TEST_F(SentinelFailoverMachine, ForcedFailoverWithoutGoodReplicaRefused) {
  for (auto& r : h.replicas) r.priority = 0;
  h.master.odown = false;
  EXPECT_EQ(h.force(), FailoverMachine::ForceResult::kNoGoodSlave);
  EXPECT_EQ(h.machine.state(), State::kNone);
  EXPECT_TRUE(h.actions.calls.empty());
  EXPECT_EQ(h.current_epoch, 0u);
}

TEST_F(SentinelFailoverMachine, ResetForgetsFailoverAndRetryDelayButKeepsVote) {
  h.tick();
  h.run_for(11000);
  ASSERT_EQ(h.machine.state(), State::kNone);
  h.machine.reset();
  EXPECT_EQ(h.machine.vote_record().leader_epoch, 1u);
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kWaitStart);
}

TEST_F(SentinelFailoverMachine, RestoredVoteRecordPreventsSecondVote) {
  h.machine.restore_vote_record(VoteRecord{"other", 9});
  h.current_epoch = 9;
  Env e = h.env();
  EXPECT_FALSE(h.machine.vote(9, "third", h.now, e).voted);
}

TEST(SentinelFailoverNames, StateNamesAsRedis) {
  EXPECT_STREQ(state_name(State::kNone), "none");
  EXPECT_STREQ(state_name(State::kWaitStart), "wait_start");
  EXPECT_STREQ(state_name(State::kSelectSlave), "select_slave");
  EXPECT_STREQ(state_name(State::kSendSlaveofNoone), "send_slaveof_noone");
  EXPECT_STREQ(state_name(State::kWaitPromotion), "wait_promotion");
  EXPECT_STREQ(state_name(State::kReconfSlaves), "reconf_slaves");
  EXPECT_STREQ(state_name(State::kUpdateConfig), "update_config");
}

TEST(SentinelFailoverNames, ReplicaofTransaction) {
  auto promote = replicaof_transaction(std::nullopt);
  ASSERT_EQ(promote.size(), 6u);
  EXPECT_EQ(promote[0], (std::vector<std::string>{"MULTI"}));
  EXPECT_EQ(promote[1], (std::vector<std::string>{"SLAVEOF", "NO", "ONE"}));
  EXPECT_EQ(promote[2], (std::vector<std::string>{"CONFIG", "REWRITE"}));
  EXPECT_EQ(promote[3], (std::vector<std::string>{"CLIENT", "KILL", "TYPE", "normal"}));
  EXPECT_EQ(promote[4], (std::vector<std::string>{"CLIENT", "KILL", "TYPE", "pubsub"}));
  EXPECT_EQ(promote[5], (std::vector<std::string>{"EXEC"}));
  auto follow = replicaof_transaction(Addr{"10.0.0.5", 6380});
  EXPECT_EQ(follow[1], (std::vector<std::string>{"SLAVEOF", "10.0.0.5", "6380"}));
}

// A lone sentinel (quorum 1) reaches select-slave right after ODOWN, when the replica's INFO may be up to
// one INFO period (10 s) old, past the 5 s a master in SDOWN allows: the selection waits for the INFO
// it polls fast now instead of aborting with -failover-abort-no-good-slave.
TEST(SentinelFailoverLoneSentinel, StaleReplicaInfoIsRefreshedNotRejected) {
  Harness h;
  h.master.known_sentinels = 0;
  h.master.quorum = 1;
  h.add_replica(6380);
  h.stale[0] = true;
  h.replicas[0].info_refresh_ms = h.now - 8000;
  h.tick();  // wait_start: our own vote is enough
  h.now += 100;
  h.replicas[0].last_avail_ms = h.now;
  h.tick();
  EXPECT_EQ(h.machine.state(), State::kSelectSlave);
  EXPECT_FALSE(h.machine.promoted_replica());
  h.now += 100;
  h.replicas[0].last_avail_ms = h.replicas[0].info_refresh_ms = h.now;  // the fast INFO arrives
  h.tick();
  EXPECT_EQ(h.machine.promoted_replica(), (Addr{"127.0.0.1", 6380}));
  EXPECT_FALSE(h.actions.has_event("-failover-abort-no-good-slave"));
}
