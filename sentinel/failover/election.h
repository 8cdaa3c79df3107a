// Leader election for one master, by epoch, as Redis Sentinel does it: every sentinel votes at most once
// per epoch (for the first sentinel that asks with an epoch newer than its last vote), and a sentinel
// that collects the votes of a majority of all known sentinels, and at least `quorum` of them, leads
// the failover of that epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sentinel::failover {

// The vote this sentinel cast for one master: persisted (Redis: `sentinel leader-epoch <master> <epoch>`)
// so a restart cannot vote twice in one epoch.
struct VoteRecord {
  std::string leader;         // run id we voted for; empty before the first vote
  uint64_t leader_epoch = 0;  // epoch of that vote
};

// What a vote request did; the caller persists and publishes when something changed.
struct VoteOutcome {
  std::string leader;         // our vote for this master now (empty: none yet) -> reply to the requester
  uint64_t leader_epoch = 0;  // and its epoch
  bool new_epoch = false;     // current_epoch was raised to the request's epoch: persist, emit +new-epoch
  bool voted = false;         // a vote was cast by this request: persist, emit +vote-for-leader
};

// A request for our vote (SENTINEL is-master-down-by-addr with a run id, or our own failover):
// raise current_epoch to req_epoch if it is newer, then vote for req_runid if we have not voted in that
// epoch (or a newer one) yet. Returns our vote either way.
VoteOutcome cast_vote(VoteRecord& record, uint64_t& current_epoch, uint64_t req_epoch,
                      std::string_view req_runid);

// One peer's latest answer to our is-master-down-by-addr: whom it voted for, in which epoch.
struct PeerVote {
  std::string leader;  // run id, empty when the peer answered "*"
  uint64_t leader_epoch = 0;
};

struct TallyResult {
  std::optional<std::string> winner;  // set only with a majority of voters and at least `quorum` votes
  std::string most_voted;             // leader with the most votes (our own vote included), if any
  uint64_t votes = 0;                 // votes of most_voted
  uint64_t voters = 0;                // known sentinels + us
};

// Counts the votes for `epoch`: those of the peers plus ours (when our vote is in that epoch). `known_peers`
// is the number of other sentinels known for the master, whether they answered or not. Ties go to the
// smaller run id so every sentinel computes the same result.
TallyResult tally_votes(std::span<const PeerVote> peers, const VoteRecord& mine, uint64_t epoch,
                        size_t known_peers, unsigned quorum);

// The peers' favourite for `epoch` (the run id most of them voted for), empty when none voted in it:
// Redis votes for that one instead of itself so that split elections converge.
std::string most_voted_peer(std::span<const PeerVote> peers, uint64_t epoch);

}  // namespace sentinel::failover
