// Runs the failover state machine of sentinel/failover/ (one per master) from the monitor: builds its
// plain-data inputs from the model every tick and after every INFO of a replica of a failing master,
// carries out its actions on the links, and mirrors its state back into the model for SENTINEL
// replies, hello messages, INFO periods and metrics.
//
// Needs from sentinel/failover/ (agreed through failover.h): FailoverMachine::tick/force/vote/reset,
// state()/forced()/promoted_replica()/reconf_state()/vote_record()/asking_for_votes(),
// replicaof_transaction(), and Event with About::kMaster/kReplica/kText.
#include <unistd.h>

#include <optional>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "sentinel/monitor/monitor.h"

namespace sentinel {

namespace {

FailoverState to_model(failover::State s) {
  switch (s) {
    case failover::State::kNone: return FailoverState::kNone;
    case failover::State::kWaitStart: return FailoverState::kWaitStart;
    case failover::State::kSelectSlave: return FailoverState::kSelectSlave;
    case failover::State::kSendSlaveofNoone: return FailoverState::kSendSlaveofNoone;
    case failover::State::kWaitPromotion: return FailoverState::kWaitPromotion;
    case failover::State::kReconfSlaves: return FailoverState::kReconfSlaves;
    case failover::State::kUpdateConfig: return FailoverState::kUpdateConfig;
  }
  return FailoverState::kNone;
}

int64_t or_never(int64_t t) { return t == 0 ? failover::kNever : t; }

}  // namespace

class Monitor::Actions : public failover::FailoverActions {
 public:
  Actions(Monitor& mon, Instance& m) : mon_(mon), m_(m) {}

  void request_votes(uint64_t) override {
    // The machine already moved to wait_start: mirror it so the request carries our run id.
    mon_.mirror_failover(m_);
    mon_.ask_master_state(m_, util::mono_ms(), true);
  }
  bool send_replicaof_no_one(const failover::ReplicaView& r) override { return send(r, std::nullopt); }
  bool send_replicaof(const failover::ReplicaView& r, const failover::Addr& to) override { return send(r, to); }
  void emit(const failover::Event& e) override { mon_.emit_failover_event(m_, e); }
  void promoted(const failover::ReplicaView&, uint64_t config_epoch) override {
    m_.config_epoch = config_epoch;
    mon_.mirror_failover(m_);
    mon_.flush_config();
    // Tell the peers at once (hello carries the promoted address from now on).
    m_.last_pub_time = 0;
    for (auto& [k, r] : m_.replicas) r->last_pub_time = 0;
    for (auto& [k, s] : m_.sentinels) s->last_pub_time = 0;
    if (mon_.st_.simulate_failure_flags & kCrashAfterPromotion) {
      LOG_WARNING("Simulated failure: crash after promotion");
      _exit(99);
    }
  }
  void switch_master(const failover::Addr& to) override {
    mon_.reset_master_and_change_address(m_, to.ip, to.port);
  }
  void persist() override {
    mon_.mirror_failover(m_);
    mon_.flush_config();
  }
  void log_notice(std::string_view message) override {
    LOG_NOTICE("%.*s", static_cast<int>(message.size()), message.data());
  }

 private:
  bool send(const failover::ReplicaView& view, const std::optional<failover::Addr>& to) {
    Instance* r = mon_.find_replica(m_, view.ip, view.port);
    if (r == nullptr || r->cc == nullptr || !r->cc->active()) return false;
    bool ok = true;
    for (const auto& cmd : failover::replicaof_transaction(to)) ok = ok && r->cc->command(cmd, nullptr);
    // Watch its INFO closely from now on.
    r->info_refresh = 0;
    r->info_sent = 0;
    return ok;
  }

  Monitor& mon_;
  Instance& m_;
};

failover::FailoverMachine& Monitor::machine(Instance& m) {
  auto& slot = machines_[m.name];
  if (slot == nullptr) {
    slot = std::make_unique<failover::FailoverMachine>();
    slot->restore_vote_record({m.vote_leader, m.vote_leader_epoch});
  }
  return *slot;
}

failover::MasterView Monitor::master_view(const Instance& m) const {
  failover::MasterView v;
  v.name = m.name;
  v.ip = m.addr.ip;
  v.port = m.addr.port;
  v.sdown = m.is(kSDown);
  v.sdown_since_ms = m.s_down_since;
  v.last_busy_reply_ms = m.last_busy_reply_time;
  v.odown = m.is(kODown);
  v.known_sentinels = m.sentinels.size();
  v.quorum = static_cast<unsigned>(m.quorum);
  v.parallel_syncs = m.parallel_syncs;
  v.failover_timeout_ms = m.failover_timeout;
  v.down_after_ms = m.down_after;
  v.ping_period_ms = m.ping_period();
  return v;
}

std::vector<failover::ReplicaView> Monitor::replica_views(const Instance& m) const {
  std::vector<failover::ReplicaView> views;
  for (const auto& [k, r] : m.replicas) {
    failover::ReplicaView v;
    v.runid = r->runid;
    v.ip = r->addr.ip;
    v.port = r->addr.port;
    v.sdown = r->is(kSDown);
    v.odown = r->is(kODown);
    v.disconnected = r->cc == nullptr || !r->cc->active();
    v.last_avail_ms = or_never(r->last_avail_time);
    v.info_refresh_ms = or_never(r->info_refresh);
    v.master_link_down_ms = r->master_link_down_time > 0 ? r->master_link_down_time : 0;
    v.priority = r->slave_priority;
    v.repl_offset = r->slave_repl_offset;
    v.role_master = r->role_reported == kMaster;
    v.master_host = r->slave_master_host;
    v.master_port = r->slave_master_port;
    v.master_link_up = r->slave_master_link_up;
    views.push_back(std::move(v));
  }
  return views;
}

std::vector<failover::PeerVote> Monitor::peer_votes(const Instance& m) const {
  std::vector<failover::PeerVote> votes;
  for (const auto& [k, s] : m.sentinels) votes.push_back({s->leader, s->leader_epoch});
  return votes;
}

void Monitor::emit_failover_event(Instance& m, const failover::Event& e) {
  logx::Level level = e.warning ? logx::Level::kWarning : logx::Level::kNotice;
  switch (e.about) {
    case failover::Event::About::kMaster: st_.events.emit(level, e.type, &m); break;
    case failover::Event::About::kReplica: {
      Instance* r = find_replica(m, e.replica.ip, e.replica.port);
      if (r != nullptr) st_.events.emit(level, e.type, r);
      else st_.events.emit(level, e.type, &m, failover::format_event_message(e, master_view(m)), false);
      break;
    }
    case failover::Event::About::kText: st_.events.emit(level, e.type, &m, e.text, false); break;
  }
  if (e.type == "+elected-leader" && (st_.simulate_failure_flags & kCrashAfterElection)) {
    LOG_WARNING("Simulated failure: crash after election");
    _exit(99);
  }
}

void Monitor::mirror_failover(Instance& m) {
  if (m.dead) return;
  failover::FailoverMachine& fm = machine(m);
  m.failover_state = to_model(fm.state());
  m.flags &= ~(kFailoverInProgress | kForceFailover);
  if (fm.in_progress()) m.flags |= kFailoverInProgress;
  if (fm.forced()) m.flags |= kForceFailover;
  m.failover_epoch = fm.failover_epoch();
  m.failover_state_change_time = fm.state_change_ms();
  if (fm.start_ms()) m.failover_start_time = *fm.start_ms();
  m.vote_leader = fm.vote_record().leader;
  m.vote_leader_epoch = fm.vote_record().leader_epoch;
  m.promoted = nullptr;
  const auto& promoted = fm.promoted_replica();
  for (auto& [k, r] : m.replicas) {
    r->flags &= ~(kPromoted | kReconfSent | kReconfInprog | kReconfDone);
    if (promoted && promoted->ip == r->addr.ip && promoted->port == r->addr.port) {
      r->flags |= kPromoted;
      m.promoted = r.get();
    }
    switch (fm.reconf_state({r->addr.ip, r->addr.port})) {
      case failover::ReconfState::kSent: r->flags |= kReconfSent; break;
      case failover::ReconfState::kInProgress: r->flags |= kReconfInprog; break;
      case failover::ReconfState::kDone: r->flags |= kReconfDone; break;
      case failover::ReconfState::kNone: break;
    }
  }
}

void Monitor::run_failover(Instance& m, int64_t now) {
  failover::FailoverMachine& fm = machine(m);
  // An idle machine acts only on ODOWN (FailoverMachine::tick): every master runs this every tick, so
  // do not build its views for nothing.
  if (fm.state() == failover::State::kNone && !m.is(kODown)) return mirror_failover(m);
  failover::MasterView mv = master_view(m);
  std::vector<failover::ReplicaView> replicas = replica_views(m);
  std::vector<failover::PeerVote> votes = peer_votes(m);
  Actions actions(*this, m);
  failover::Env env{st_.myid, st_.current_epoch, actions};
  fm.tick(failover::TickInput{now, mv, replicas, votes}, env);
  mirror_failover(m);
}

std::string Monitor::force_failover(Instance& m) {
  int64_t now = util::mono_ms();
  failover::FailoverMachine& fm = machine(m);
  failover::MasterView mv = master_view(m);
  std::vector<failover::ReplicaView> replicas = replica_views(m);
  std::vector<failover::PeerVote> votes = peer_votes(m);
  Actions actions(*this, m);
  failover::Env env{st_.myid, st_.current_epoch, actions};
  LOG_NOTICE("Executing user requested FAILOVER of '%s'", m.name.c_str());
  auto result = fm.force(failover::TickInput{now, mv, replicas, votes}, env);
  mirror_failover(m);
  switch (result) {
    case failover::FailoverMachine::ForceResult::kInProgress: return "INPROG Failover already in progress";
    case failover::FailoverMachine::ForceResult::kNoGoodSlave: return "NOGOODSLAVE No suitable replica to promote";
    case failover::FailoverMachine::ForceResult::kStarted: break;
  }
  return "";
}

std::string Monitor::vote_for(Instance& m, uint64_t epoch, std::string_view runid, uint64_t* leader_epoch) {
  failover::FailoverMachine& fm = machine(m);
  Actions actions(*this, m);
  failover::Env env{st_.myid, st_.current_epoch, actions};
  failover::VoteOutcome out = fm.vote(epoch, runid, util::mono_ms(), env);
  mirror_failover(m);
  *leader_epoch = out.leader_epoch;
  return out.leader;
}

}  // namespace sentinel
