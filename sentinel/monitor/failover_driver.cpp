// The failover state machine of one master, state by state as Redis Sentinel runs it:
//   wait_start (win the election) -> select_slave -> send_slaveof_noone -> wait_promotion (INFO says
//   role:master, see info.cpp) -> reconf_slaves (parallel-syncs at a time) -> update_config (switch).
// Replica choice and vote counting are the pure functions of sentinel/failover/.
//
// Integration note for sentinel/failover/: this file drives the states itself until a failover
// `tick(now)` state machine lands there; the model fields it needs are in sentinel/model/instance.h.
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "sentinel/failover/selection.h"
#include "sentinel/monitor/monitor.h"

namespace sentinel {

void Monitor::set_failover_state(Instance& m, FailoverState s, int64_t now) {
  m.failover_state = s;
  m.failover_state_change_time = now;
}

bool Monitor::start_failover_if_needed(Instance& m, int64_t now) {
  if (!m.is(kODown) || m.is(kFailoverInProgress)) return false;
  if (now - m.failover_start_time < m.failover_timeout * 2) {
    if (m.failover_delay_logged != m.failover_start_time) {
      m.failover_delay_logged = m.failover_start_time;
      LOG_WARNING("Next failover delay: I will not start a failover before %lld ms from now",
                  static_cast<long long>(m.failover_timeout * 2 - (now - m.failover_start_time)));
    }
    return false;
  }
  start_failover(m, now);
  return true;
}

void Monitor::start_failover(Instance& m, int64_t now) {
  set_failover_state(m, FailoverState::kWaitStart, now);
  m.flags |= kFailoverInProgress;
  m.failover_epoch = ++st_.current_epoch;
  flush_config();
  st_.events.emit(logx::Level::kWarning, "+new-epoch", nullptr, std::to_string(st_.current_epoch), false);
  st_.events.emit(logx::Level::kWarning, "+try-failover", &m);
  m.failover_start_time = now + rand() % kMaxDesync;
  m.failover_state_change_time = now;
}

void Monitor::abort_failover(Instance& m, int64_t now) {
  m.flags &= ~(kFailoverInProgress | kForceFailover);
  set_failover_state(m, FailoverState::kNone, now);
  if (m.promoted != nullptr) {
    m.promoted->flags &= ~kPromoted;
    m.promoted = nullptr;
  }
}

void Monitor::failover_state_machine(Instance& m, int64_t now) {
  if (!m.is(kFailoverInProgress)) return;
  switch (m.failover_state) {
    case FailoverState::kWaitStart: failover_wait_start(m, now); break;
    case FailoverState::kSelectSlave: failover_select_slave(m, now); break;
    case FailoverState::kSendSlaveofNoone: failover_send_slaveof_noone(m, now); break;
    case FailoverState::kWaitPromotion: failover_wait_promotion(m, now); break;
    case FailoverState::kReconfSlaves: failover_reconf_next_slave(m, now); break;
    default: break;
  }
}

void Monitor::failover_wait_start(Instance& m, int64_t now) {
  std::string leader = get_leader(m, m.failover_epoch);
  bool is_leader = !leader.empty() && leader == st_.myid;
  if (!is_leader && !m.is(kForceFailover)) {
    int64_t election_timeout = std::min(kElectionTimeout, m.failover_timeout);
    if (now - m.failover_start_time > election_timeout) {
      st_.events.emit(logx::Level::kWarning, "-failover-abort-not-elected", &m);
      abort_failover(m, now);
    }
    return;
  }
  st_.events.emit(logx::Level::kWarning, "+elected-leader", &m);
  if (st_.simulate_failure_flags & kCrashAfterElection) {
    LOG_WARNING("Simulated failure: crash after election");
    _exit(99);
  }
  set_failover_state(m, FailoverState::kSelectSlave, now);
  st_.events.emit(logx::Level::kWarning, "+failover-state-select-slave", &m);
  failover_select_slave(m, now);  // no reason to wait a tick
}

Instance* Monitor::select_replica(Instance& m) {
  int64_t now = util::mono_ms();
  std::vector<failover::ReplicaView> views;
  std::vector<Instance*> refs;
  auto when = [](int64_t t) { return t == 0 ? failover::kNever : t; };
  for (auto& [k, r] : m.replicas) {
    failover::ReplicaView v;
    v.runid = r->runid;
    v.ip = r->addr.ip;
    v.port = r->addr.port;
    v.sdown = r->is(kSDown);
    v.odown = r->is(kODown);
    v.disconnected = r->cc == nullptr || !r->cc->active();
    v.last_avail_ms = when(r->last_avail_time);
    v.info_refresh_ms = when(r->info_refresh);
    v.master_link_down_ms = r->master_link_down_time;
    v.priority = r->slave_priority;
    v.repl_offset = r->slave_repl_offset;
    v.role_master = r->role_reported == kMaster;
    v.master_host = r->slave_master_host;
    v.master_port = r->slave_master_port;
    v.master_link_up = r->slave_master_link_up;
    views.push_back(std::move(v));
    refs.push_back(r.get());
  }
  failover::SelectionParams p;
  p.now_ms = now;
  p.master_sdown = m.is(kSDown);
  p.master_sdown_since_ms = m.s_down_since;
  p.down_after_ms = m.down_after;
  p.ping_period_ms = m.ping_period();
  p.info_period_ms = kInfoPeriod;
  auto idx = failover::select_promotion_candidate(views, p);
  return idx ? refs[*idx] : nullptr;
}

void Monitor::failover_select_slave(Instance& m, int64_t now) {
  Instance* r = select_replica(m);
  if (r == nullptr) {
    st_.events.emit(logx::Level::kWarning, "-failover-abort-no-good-slave", &m);
    abort_failover(m, now);
    return;
  }
  st_.events.emit(logx::Level::kWarning, "+selected-slave", r);
  r->flags |= kPromoted;
  m.promoted = r;
  set_failover_state(m, FailoverState::kSendSlaveofNoone, now);
  st_.events.emit(logx::Level::kNotice, "+failover-state-send-slaveof-noone", r);
  failover_send_slaveof_noone(m, now);
}

void Monitor::failover_send_slaveof_noone(Instance& m, int64_t now) {
  Instance& r = *m.promoted;
  if (r.cc == nullptr || !r.cc->active()) {
    if (now - m.failover_state_change_time > m.failover_timeout) {
      st_.events.emit(logx::Level::kWarning, "-failover-abort-slave-timeout", &r);
      abort_failover(m, now);
    }
    return;
  }
  if (!send_replicaof(r, nullptr)) return;
  st_.events.emit(logx::Level::kNotice, "+failover-state-wait-promotion", &r);
  set_failover_state(m, FailoverState::kWaitPromotion, now);
  // Poll its INFO right away instead of waiting for the period.
  r.info_refresh = 0;
  r.info_sent = 0;
}

void Monitor::failover_wait_promotion(Instance& m, int64_t now) {
  if (now - m.failover_state_change_time > m.failover_timeout) {
    st_.events.emit(logx::Level::kWarning, "-failover-abort-slave-timeout", m.promoted);
    abort_failover(m, now);
  }
}

void Monitor::failover_reconf_next_slave(Instance& m, int64_t now) {
  int in_progress = 0;
  for (auto& [k, r] : m.replicas)
    if (r->is(kReconfSent) || r->is(kReconfInprog)) ++in_progress;
  for (auto& [k, rp] : m.replicas) {
    Instance& r = *rp;
    if (r.is(kPromoted) || r.is(kReconfDone)) continue;
    // A replica that never reports progress is given up on: it does not block the failover.
    if (r.is(kReconfSent) && now - r.slave_reconf_sent_time > kSlaveReconfTimeout) {
      st_.events.emit(logx::Level::kNotice, "-slave-reconf-sent-timeout", &r);
      r.flags &= ~kReconfSent;
      r.flags |= kReconfDone;
    }
    if (in_progress >= m.parallel_syncs) break;
    if (r.is(kReconfSent) || r.is(kReconfInprog)) continue;
    if (r.cc == nullptr || !r.cc->active()) continue;
    if (send_replicaof(r, &m.promoted->addr)) {
      r.flags |= kReconfSent;
      r.slave_reconf_sent_time = now;
      r.info_refresh = 0;
      r.info_sent = 0;
      st_.events.emit(logx::Level::kNotice, "+slave-reconf-sent", &r);
      ++in_progress;
    }
  }
  failover_detect_end(m, now);
}

void Monitor::failover_detect_end(Instance& m, int64_t now) {
  if (m.promoted == nullptr || m.promoted->is(kSDown)) return;
  int not_reconfigured = 0;
  for (auto& [k, r] : m.replicas)
    if (!r->is(kPromoted) && !r->is(kReconfDone) && !r->is(kSDown)) ++not_reconfigured;
  bool timeout = false;
  if (now - m.failover_state_change_time > m.failover_timeout) {
    not_reconfigured = 0;
    timeout = true;
    st_.events.emit(logx::Level::kWarning, "-failover-end-for-timeout", &m);
  }
  if (not_reconfigured != 0) return;
  st_.events.emit(logx::Level::kWarning, "+failover-end", &m);
  set_failover_state(m, FailoverState::kUpdateConfig, now);
  if (timeout) {
    // Point the stragglers at the new master anyway.
    for (auto& [k, r] : m.replicas) {
      if (r->is(kPromoted) || r->is(kReconfDone) || r->is(kReconfSent)) continue;
      if (send_replicaof(*r, &m.promoted->addr)) {
        st_.events.emit(logx::Level::kNotice, "+slave-reconf-sent-be", r.get());
        r->flags |= kReconfSent;
      }
    }
  }
}

void Monitor::failover_switch_to_promoted(Instance& m) {
  Instance* p = m.promoted;
  if (p == nullptr) return;
  std::string ip = p->addr.ip;
  int port = p->addr.port;
  st_.events.emit(logx::Level::kWarning, "+switch-master", &m,
                  m.name + " " + m.addr.ip + " " + std::to_string(m.addr.port) + " " + ip + " " + std::to_string(port),
                  false);
  reset_master_and_change_address(m, ip, port);
}

std::string Monitor::force_failover(Instance& m) {
  if (m.is(kFailoverInProgress)) return "INPROG Failover already in progress";
  if (select_replica(m) == nullptr) return "NOGOODSLAVE No suitable replica to promote";
  LOG_NOTICE("Executing user requested FAILOVER of '%s'", m.name.c_str());
  start_failover(m, util::mono_ms());
  m.flags |= kForceFailover;
  return "";
}

}  // namespace sentinel
