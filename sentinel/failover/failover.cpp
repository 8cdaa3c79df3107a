// The failover state machine up to the promotion of the chosen replica: start, election, selection,
// REPLICAOF NO ONE, waiting for role:master. The reconfiguration of the other replicas and the end of the
// failover are in reconf.cpp.
#include "sentinel/failover/failover.h"

#include <strings.h>

#include <algorithm>

namespace sentinel::failover {

namespace {

SelectionParams selection_params_for(const TickInput& in, int64_t info_period_ms) {
  return SelectionParams{in.now_ms,
                         in.master.sdown,
                         in.master.sdown_since_ms,
                         in.master.down_after_ms,
                         in.master.ping_period_ms,
                         info_period_ms};
}

bool same_runid(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

FailoverMachine::FailoverMachine(Tuning tuning, uint64_t seed)
    : tuning_(tuning), rng_(static_cast<std::minstd_rand::result_type>(seed % 2147483646 + 1)) {}

int64_t FailoverMachine::desync() {
  if (tuning_.max_desync_ms <= 0) return 0;
  return static_cast<int64_t>(rng_() % static_cast<uint64_t>(tuning_.max_desync_ms));
}

int64_t FailoverMachine::next_attempt_ms(int64_t failover_timeout_ms) const {
  return start_ms_ ? *start_ms_ + failover_timeout_ms * 2 : INT64_MIN;
}

void FailoverMachine::enter(State s, int64_t now_ms) {
  state_ = s;
  state_change_ms_ = now_ms;
}

void FailoverMachine::reset() {
  state_ = State::kNone;
  state_change_ms_ = 0;
  forced_ = false;
  start_ms_.reset();
  delay_logged_for_.reset();
  promoted_.reset();
  reconf_.clear();
}

void FailoverMachine::abort_failover(int64_t now_ms) {
  // start_ms_ stays: it is what delays the next attempt by failover_timeout * 2.
  enter(State::kNone, now_ms);
  forced_ = false;
  promoted_.reset();
  reconf_.clear();
}

const ReplicaView* FailoverMachine::find(const TickInput& in, const Addr& a) const {
  for (const auto& r : in.replicas)
    if (r.port == a.port && r.ip == a.ip) return &r;
  return nullptr;
}

bool FailoverMachine::is_promoted(const ReplicaView& r) const {
  return promoted_ && promoted_->port == r.port && promoted_->ip == r.ip;
}

ReconfState FailoverMachine::reconf_state(const Addr& replica) const {
  auto it = reconf_.find(replica);
  return it == reconf_.end() ? ReconfState::kNone : it->second.state;
}

std::vector<std::string_view> FailoverMachine::master_flags() const {
  std::vector<std::string_view> flags;
  if (in_progress()) flags.push_back("failover_in_progress");
  if (forced_) flags.push_back("force_failover");
  return flags;
}

std::vector<std::string_view> FailoverMachine::replica_flags(const Addr& replica) const {
  std::vector<std::string_view> flags;
  if (promoted_ && *promoted_ == replica) flags.push_back("promoted");
  switch (reconf_state(replica)) {
    case ReconfState::kSent: flags.push_back("reconf_sent"); break;
    case ReconfState::kInProgress: flags.push_back("reconf_inprog"); break;
    case ReconfState::kDone: flags.push_back("reconf_done"); break;
    case ReconfState::kNone: break;
  }
  return flags;
}

// ---- votes ----------------------------------------------------------------------------------------------

void FailoverMachine::report_vote(const VoteOutcome& out, int64_t now_ms, Env& env) {
  if (out.new_epoch) env.actions.emit(text_event("+new-epoch", std::to_string(env.current_epoch)));
  if (out.voted) {
    env.actions.emit(text_event("+vote-for-leader", out.leader + " " + std::to_string(out.leader_epoch)));
    // Having voted for someone else, give that leader the room to fail over before we try ourselves.
    if (!same_runid(out.leader, env.my_runid)) start_ms_ = now_ms + desync();
  }
  if (out.new_epoch || out.voted) env.actions.persist();
}

VoteOutcome FailoverMachine::vote(uint64_t req_epoch, std::string_view req_runid, int64_t now_ms, Env& env) {
  VoteOutcome out = cast_vote(vote_, env.current_epoch, req_epoch, req_runid);
  report_vote(out, now_ms, env);
  return out;
}

// ---- driving --------------------------------------------------------------------------------------------

void FailoverMachine::tick(const TickInput& in, Env& env) {
  if (state_ == State::kNone) {
    if (!in.master.odown) return;
    const int64_t not_before = next_attempt_ms(in.master.failover_timeout_ms);
    if (in.now_ms < not_before) {
      if (delay_logged_for_ != start_ms_) {
        delay_logged_for_ = start_ms_;
        env.actions.log_notice("Next failover delay: I will not start a failover of master " +
                               in.master.name + " in the next " + std::to_string(not_before - in.now_ms) +
                               " ms");
      }
      return;
    }
    start(in, env, /*forced=*/false);
  }
  run_states(in, env);
}

FailoverMachine::ForceResult FailoverMachine::force(const TickInput& in, Env& env) {
  if (in_progress()) return ForceResult::kInProgress;
  const SelectionParams p = selection_params_for(in, tuning_.info_period_ms);
  if (!select_promotion_candidate(in.replicas, p)) return ForceResult::kNoGoodSlave;
  start(in, env, /*forced=*/true);
  run_states(in, env);
  return ForceResult::kStarted;
}

void FailoverMachine::start(const TickInput& in, Env& env, bool forced) {
  failover_epoch_ = ++env.current_epoch;
  forced_ = forced;
  promoted_.reset();
  reconf_.clear();
  began_ms_ = in.now_ms;
  enter(State::kWaitStart, in.now_ms);
  start_ms_ = in.now_ms + desync();
  env.actions.emit(text_event("+new-epoch", std::to_string(env.current_epoch)));
  env.actions.emit(master_event("+try-failover"));
  // A forced failover needs no votes (Redis only asks while the master is SDOWN, and a forced failover
  // does not wait for the answers anyway).
  if (!forced) {
    env.actions.request_votes(failover_epoch_);
    last_vote_request_ms_ = in.now_ms;
  }
}

void FailoverMachine::run_states(const TickInput& in, Env& env) {
  // Go on to the next state in the same tick whenever a state is done: Redis waits a timer run per state.
  for (int guard = 0; guard < 8 && state_ != State::kNone; ++guard) {
    const State before = state_;
    step(in, env);
    if (state_ == before) break;
  }
}

void FailoverMachine::step(const TickInput& in, Env& env) {
  switch (state_) {
    case State::kNone: break;
    case State::kWaitStart: wait_start(in, env); break;
    case State::kSelectSlave: select_slave(in, env); break;
    case State::kSendSlaveofNoone: send_slaveof_noone(in, env); break;
    case State::kWaitPromotion: wait_promotion(in, env); break;
    case State::kReconfSlaves: reconf_slaves(in, env); break;
    case State::kUpdateConfig: update_config(in, env); break;
  }
}

// ---- states ---------------------------------------------------------------------------------------------

void FailoverMachine::wait_start(const TickInput& in, Env& env) {
  // Our own vote, once per epoch: for the peers' favourite in this epoch if they have one (so a split
  // election converges), else for ourselves.
  std::string favourite = most_voted_peer(in.votes, failover_epoch_);
  report_vote(
      cast_vote(vote_, env.current_epoch, failover_epoch_, favourite.empty() ? env.my_runid : favourite),
      in.now_ms, env);

  const TallyResult t =
      tally_votes(in.votes, vote_, failover_epoch_, in.master.known_sentinels, in.master.quorum);
  const bool leader = t.winner && same_runid(*t.winner, env.my_runid);
  if (!leader && !forced_) {
    const int64_t election_timeout = std::min(tuning_.election_timeout_ms, in.master.failover_timeout_ms);
    if (in.now_ms - *start_ms_ > election_timeout) {
      env.actions.emit(master_event("-failover-abort-not-elected"));
      abort_failover(in.now_ms);
    } else if (in.now_ms - last_vote_request_ms_ >= tuning_.vote_request_period_ms) {
      env.actions.request_votes(failover_epoch_);
      last_vote_request_ms_ = in.now_ms;
    }
    return;
  }
  env.actions.emit(master_event("+elected-leader"));
  enter(State::kSelectSlave, in.now_ms);
  env.actions.emit(master_event("+failover-state-select-slave"));
}

bool FailoverMachine::abort_if_master_back(const TickInput& in, Env& env) {
  // The master answers again (it restarted, or the network healed) before any replica was promoted:
  // going on would make two masters, and the writes the old one takes meanwhile (acknowledged by
  // replicas that are about to follow someone else) would be dropped. Redis Sentinel carries on; we stop,
  // and the usual retry delay applies if the master fails again.
  if (forced_ || in.master.sdown) return false;
  // A master that was down only because a script kept it busy (it answered -BUSY during this SDOWN, and
  // answers again because a sentinel sent SCRIPT KILL) is not "back" the way a restarted one is: Redis
  // Sentinel carries on with the failover it started at ODOWN, and so do we.
  if (in.master.last_busy_reply_ms != 0 && in.master.last_busy_reply_ms >= in.master.sdown_since_ms)
    return false;
  env.actions.emit(master_event("-failover-abort-master-back"));
  abort_failover(in.now_ms);
  return true;
}

void FailoverMachine::select_slave(const TickInput& in, Env& env) {
  if (abort_if_master_back(in, env)) return;
  const SelectionParams p = selection_params_for(in, tuning_.info_period_ms);
  // The master streamed until it failed, so an offset from an INFO older than this failover can
  // understate what a replica holds, and promoting the wrong replica drops writes the others have
  // acknowledged (WAIT). Replicas are polled every fast_info_period_ms now: wait briefly until every
  // candidate has answered since the start. Redis selects on whatever INFO it has; a forced failover
  // (master alive, still streaming) gains nothing from waiting.
  if (!forced_ && in.now_ms - state_change_ms_ < tuning_.fresh_info_wait_ms &&
      !candidates_answered_since(in.replicas, p, began_ms_))
    return;
  auto chosen = select_promotion_candidate(in.replicas, p);
  if (!chosen) {
    env.actions.emit(master_event("-failover-abort-no-good-slave"));
    abort_failover(in.now_ms);
    return;
  }
  const ReplicaView& r = in.replicas[*chosen];
  env.actions.emit(replica_event("+selected-slave", r));
  promoted_ = Addr{r.ip, r.port};
  enter(State::kSendSlaveofNoone, in.now_ms);
  env.actions.emit(replica_event("+failover-state-send-slaveof-noone", r, /*warning=*/false));
}

void FailoverMachine::send_slaveof_noone(const TickInput& in, Env& env) {
  if (abort_if_master_back(in, env)) return;
  // Retried every tick while the link cannot take the command, until failover_timeout.
  if (in.now_ms - state_change_ms_ > in.master.failover_timeout_ms) {
    env.actions.emit(master_event("-failover-abort-slave-timeout"));
    abort_failover(in.now_ms);
    return;
  }
  const ReplicaView* r = find(in, *promoted_);
  if (!r || r->disconnected || !env.actions.send_replicaof_no_one(*r)) return;
  promote_sent_ms_ = in.now_ms;
  env.actions.emit(replica_event("+failover-state-wait-promotion", *r, /*warning=*/false));
  enter(State::kWaitPromotion, in.now_ms);
}

void FailoverMachine::wait_promotion(const TickInput& in, Env& env) {
  // Only an INFO that arrived after REPLICAOF NO ONE was sent proves the promotion.
  const ReplicaView* r = find(in, *promoted_);
  if (r && r->role_master && r->info_refresh_ms >= promote_sent_ms_) {
    enter(State::kReconfSlaves, in.now_ms);
    // The new configuration wins over the peers' only with the epoch of the election that made it.
    env.actions.promoted(*r, failover_epoch_);
    env.actions.emit(replica_event("+promoted-slave", *r));
    env.actions.emit(master_event("+failover-state-reconf-slaves"));
    return;
  }
  if (in.now_ms - state_change_ms_ > in.master.failover_timeout_ms) {
    env.actions.emit(master_event("-failover-abort-slave-timeout"));
    abort_failover(in.now_ms);
  }
}

}  // namespace sentinel::failover
