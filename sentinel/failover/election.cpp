// Vote keeping and vote counting for the leader election (see election.h).
#include "sentinel/failover/election.h"

#include <map>

namespace sentinel::failover {

VoteOutcome cast_vote(VoteRecord& record, uint64_t& current_epoch, uint64_t req_epoch,
                      std::string_view req_runid) {
  VoteOutcome out;
  if (req_epoch > current_epoch) {
    current_epoch = req_epoch;
    out.new_epoch = true;
  }
  // A request older than our current epoch is from a stale election: refusing it keeps the rule that a
  // vote is only ever given for the newest epoch we know.
  if (record.leader_epoch < req_epoch && current_epoch <= req_epoch && !req_runid.empty()) {
    record.leader = std::string(req_runid);
    record.leader_epoch = current_epoch;
    out.voted = true;
  }
  out.leader = record.leader;
  out.leader_epoch = record.leader_epoch;
  return out;
}

namespace {

using Counts = std::map<std::string, uint64_t, std::less<>>;

Counts count_peer_votes(std::span<const PeerVote> peers, uint64_t epoch) {
  Counts counts;
  for (const auto& p : peers)
    if (!p.leader.empty() && p.leader_epoch == epoch) ++counts[p.leader];
  return counts;
}

// The entry with the most votes; std::map order makes the smaller run id win ties.
std::pair<std::string, uint64_t> top(const Counts& counts) {
  std::pair<std::string, uint64_t> best{"", 0};
  for (const auto& [runid, n] : counts)
    if (n > best.second) best = {runid, n};
  return best;
}

}  // namespace

std::string most_voted_peer(std::span<const PeerVote> peers, uint64_t epoch) {
  return top(count_peer_votes(peers, epoch)).first;
}

TallyResult tally_votes(std::span<const PeerVote> peers, const VoteRecord& mine, uint64_t epoch,
                        size_t known_peers, unsigned quorum) {
  Counts counts = count_peer_votes(peers, epoch);
  if (!mine.leader.empty() && mine.leader_epoch == epoch) ++counts[mine.leader];
  TallyResult r;
  r.voters = known_peers + 1;
  auto [leader, votes] = top(counts);
  r.most_voted = leader;
  r.votes = votes;
  const uint64_t majority = r.voters / 2 + 1;
  if (votes > 0 && votes >= majority && votes >= quorum) r.winner = leader;
  return r;
}

}  // namespace sentinel::failover
