// Vote keeping (one vote per epoch) and vote counting (majority and quorum).
#include <gtest/gtest.h>

#include <vector>

#include "sentinel/failover/election.h"

using namespace sentinel::failover;

TEST(SentinelFailoverElection, FirstRequestOfAnEpochGetsTheVote) {
  VoteRecord rec;
  uint64_t epoch = 3;
  auto out = cast_vote(rec, epoch, 4, "peerA");
  EXPECT_TRUE(out.voted);
  EXPECT_TRUE(out.new_epoch);
  EXPECT_EQ(epoch, 4u);
  EXPECT_EQ(out.leader, "peerA");
  EXPECT_EQ(out.leader_epoch, 4u);
}

TEST(SentinelFailoverElection, OneVotePerEpoch) {
  VoteRecord rec;
  uint64_t epoch = 0;
  ASSERT_TRUE(cast_vote(rec, epoch, 1, "peerA").voted);
  auto again = cast_vote(rec, epoch, 1, "peerB");
  EXPECT_FALSE(again.voted);
  EXPECT_FALSE(again.new_epoch);
  EXPECT_EQ(again.leader, "peerA");  // the requester learns whom we voted for
  EXPECT_EQ(again.leader_epoch, 1u);
  auto next = cast_vote(rec, epoch, 2, "peerB");
  EXPECT_TRUE(next.voted);
  EXPECT_EQ(next.leader, "peerB");
  EXPECT_EQ(epoch, 2u);
}

TEST(SentinelFailoverElection, StaleEpochNeverVotedFor) {
  VoteRecord rec;
  uint64_t epoch = 10;  // we know of epoch 10 already (e.g. from hello messages)
  auto out = cast_vote(rec, epoch, 7, "peerA");
  EXPECT_FALSE(out.voted);
  EXPECT_FALSE(out.new_epoch);
  EXPECT_EQ(out.leader, "");
  EXPECT_EQ(epoch, 10u);
  EXPECT_TRUE(cast_vote(rec, epoch, 10, "peerA").voted);  // the current epoch is fine
}

TEST(SentinelFailoverElection, TallyNeedsMajorityOfKnownSentinels) {
  VoteRecord mine{"me", 5};
  // 4 peers known + us = 5 voters, majority 3; quorum 2.
  std::vector<PeerVote> votes = {{"me", 5}};
  auto r = tally_votes(votes, mine, 5, 4, 2);
  EXPECT_FALSE(r.winner);  // 2 votes >= quorum but < majority
  EXPECT_EQ(r.votes, 2u);
  EXPECT_EQ(r.voters, 5u);
  votes.push_back({"me", 5});
  r = tally_votes(votes, mine, 5, 4, 2);
  ASSERT_TRUE(r.winner);
  EXPECT_EQ(*r.winner, "me");
}

TEST(SentinelFailoverElection, TallyNeedsQuorumToo) {
  VoteRecord mine{"me", 5};
  std::vector<PeerVote> votes = {{"me", 5}};
  // 2 voters, majority 2, quorum 3: 2 votes are not enough.
  EXPECT_FALSE(tally_votes(votes, mine, 5, 1, 3).winner);
  EXPECT_TRUE(tally_votes(votes, mine, 5, 1, 2).winner);
}

TEST(SentinelFailoverElection, VotesOfOtherEpochsIgnored) {
  VoteRecord mine{"me", 5};
  std::vector<PeerVote> votes = {{"me", 4}, {"me", 6}, {"", 5}};
  auto r = tally_votes(votes, mine, 5, 3, 1);
  EXPECT_EQ(r.votes, 1u);
  EXPECT_FALSE(r.winner);
  VoteRecord old{"me", 4};
  EXPECT_EQ(tally_votes(votes, old, 5, 3, 1).votes, 0u);
}

TEST(SentinelFailoverElection, AnotherSentinelCanWin) {
  VoteRecord mine{"other", 5};
  std::vector<PeerVote> votes = {{"other", 5}, {"me", 5}};
  auto r = tally_votes(votes, mine, 5, 2, 2);
  ASSERT_TRUE(r.winner);
  EXPECT_EQ(*r.winner, "other");
}

TEST(SentinelFailoverElection, LoneSentinelWithQuorumOne) {
  VoteRecord mine{"me", 1};
  auto r = tally_votes({}, mine, 1, 0, 1);
  ASSERT_TRUE(r.winner);
  EXPECT_EQ(*r.winner, "me");
}

TEST(SentinelFailoverElection, MostVotedPeer) {
  std::vector<PeerVote> votes = {{"b", 2}, {"a", 2}, {"b", 2}, {"c", 1}};
  EXPECT_EQ(most_voted_peer(votes, 2), "b");
  EXPECT_EQ(most_voted_peer(votes, 3), "");
  std::vector<PeerVote> tie = {{"b", 2}, {"a", 2}};
  EXPECT_EQ(most_voted_peer(tie, 2), "a");
}
