// The end of a failover: pointing the other replicas at the promoted one (at most parallel-syncs at a
// time), deciding when that is done, and switching the master's address.
#include <algorithm>

#include "sentinel/failover/failover.h"

namespace sentinel::failover {

void FailoverMachine::track_reconf_progress(const TickInput& in, Env& env) {
  // Redis does this while parsing INFO; here it reads the replicas' last INFO at the start of the phase's
  // step, which comes to the same when tick() follows every INFO reply.
  for (const auto& r : in.replicas) {
    if (is_promoted(r) || r.role_master) continue;
    auto it = reconf_.find(Addr{r.ip, r.port});
    if (it == reconf_.end()) continue;
    ReconfEntry& e = it->second;
    if (e.state == ReconfState::kSent && r.master_host == promoted_->ip && r.master_port == promoted_->port) {
      e.state = ReconfState::kInProgress;
      env.actions.emit(replica_event("+slave-reconf-inprog", r, /*warning=*/false));
    }
    if (e.state == ReconfState::kInProgress && r.master_link_up) {
      e.state = ReconfState::kDone;
      env.actions.emit(replica_event("+slave-reconf-done", r, /*warning=*/false));
    }
  }
}

void FailoverMachine::reconf_slaves(const TickInput& in, Env& env) {
  track_reconf_progress(in, env);

  // A replica that never shows it took the command is taken as done: the sentinels will notice a
  // misconfigured replica and fix it later, and it must not hold a parallel-syncs slot forever. (Redis
  // checks this only when a slot is free, so with all slots stuck it never fires; here it always does.)
  for (const auto& r : in.replicas) {
    auto it = reconf_.find(Addr{r.ip, r.port});
    if (it == reconf_.end() || it->second.state != ReconfState::kSent) continue;
    if (in.now_ms - it->second.sent_ms > tuning_.slave_reconf_timeout_ms) {
      it->second.state = ReconfState::kDone;
      env.actions.emit(replica_event("-slave-reconf-sent-timeout", r, /*warning=*/false));
    }
  }

  int in_progress = 0;
  for (const auto& r : in.replicas) {
    const ReconfState s = reconf_state(Addr{r.ip, r.port});
    if (s == ReconfState::kSent || s == ReconfState::kInProgress) ++in_progress;
  }
  const int parallel = std::max(1, in.master.parallel_syncs);
  for (const auto& r : in.replicas) {
    if (in_progress >= parallel) break;
    if (is_promoted(r) || r.disconnected) continue;
    if (reconf_state(Addr{r.ip, r.port}) != ReconfState::kNone) continue;
    if (!env.actions.send_replicaof(r, *promoted_)) continue;
    reconf_[Addr{r.ip, r.port}] = ReconfEntry{ReconfState::kSent, in.now_ms};
    env.actions.emit(replica_event("+slave-reconf-sent", r, /*warning=*/false));
    ++in_progress;
  }

  detect_end(in, env);
}

void FailoverMachine::detect_end(const TickInput& in, Env& env) {
  // No end while the new master itself is unreachable: the failover is not done if nobody can use it.
  const ReplicaView* promoted = find(in, *promoted_);
  if (!promoted || promoted->sdown) return;

  int not_reconfigured = 0;
  for (const auto& r : in.replicas) {
    if (is_promoted(r) || r.sdown) continue;
    if (reconf_state(Addr{r.ip, r.port}) != ReconfState::kDone) ++not_reconfigured;
  }
  const bool timeout = in.now_ms - state_change_ms_ > in.master.failover_timeout_ms;
  if (timeout) {
    env.actions.emit(master_event("+failover-end-for-timeout"));
    not_reconfigured = 0;
  }
  if (not_reconfigured == 0) {
    env.actions.emit(master_event("+failover-end"));
    enter(State::kUpdateConfig, in.now_ms);
  }
  if (!timeout) return;
  // Best effort for the replicas never sent the command: they will most likely follow anyway. (Those
  // in progress already replicate from the new master.)
  for (const auto& r : in.replicas) {
    if (is_promoted(r) || r.disconnected) continue;
    if (reconf_state(Addr{r.ip, r.port}) != ReconfState::kNone) continue;
    if (!env.actions.send_replicaof(r, *promoted_)) continue;
    reconf_[Addr{r.ip, r.port}] = ReconfEntry{ReconfState::kSent, in.now_ms};
    env.actions.emit(replica_event("+slave-reconf-sent-be", r, /*warning=*/false));
  }
}

void FailoverMachine::update_config(const TickInput& in, Env& env) {
  const Addr new_master = *promoted_;
  env.actions.emit(text_event("+switch-master", in.master.name + " " + in.master.ip + " " +
                                                    std::to_string(in.master.port) + " " + new_master.ip +
                                                    " " + std::to_string(new_master.port)));
  // The master now lives elsewhere: a failover of the new address may start as soon as it is ODOWN.
  reset();
  state_change_ms_ = in.now_ms;
  env.actions.switch_master(new_master);
}

}  // namespace sentinel::failover
