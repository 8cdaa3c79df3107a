#include "sentinel/monitor/monitor.h"

#include <hiredis/hiredis.h>

#include <algorithm>

#include "common/log/log.h"
#include "common/util/clock.h"

namespace sentinel {

Monitor::Monitor(uv_loop_t* loop, SentinelState& st, Settings& settings, std::function<void()> flush_config)
    : loop_(loop),
      st_(st),
      settings_(settings),
      flush_(std::move(flush_config)),
      scripts_(loop, st),
      hello_rng_(std::random_device{}()),
      hello_phase_(0, kHelloPhases - 1) {
  st_.events.add_observer([this](const Event& e) { on_event_for_scripts(e); });
}

void Monitor::on_event_for_scripts(const Event& e) {
  const Instance* m = e.master;
  if (m == nullptr) return;
  // Redis: every WARNING event about an instance goes to the notification script.
  if (e.level == logx::Level::kWarning && e.instance != nullptr && !m->notification_script.empty())
    scripts_.schedule(m->notification_script, {e.type, e.message});
  if (e.type == "+switch-master" && !m->client_reconfig_script.empty()) {
    // <master-name> <role> <state> <from-ip> <from-port> <to-ip> <to-port>
    std::vector<std::string> words;
    size_t start = 0;
    while (start <= e.message.size()) {
      size_t sp = e.message.find(' ', start);
      if (sp == std::string::npos) sp = e.message.size();
      words.push_back(e.message.substr(start, sp - start));
      start = sp + 1;
    }
    if (words.size() != 5) return;
    const char* role = m->is(kFailoverInProgress) ? "leader" : "observer";
    scripts_.schedule(m->client_reconfig_script, {words[0], role, "end", words[1], words[2], words[3], words[4]});
  }
}

Monitor::~Monitor() = default;

void Monitor::start() {
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
  timer_started_ = true;
  st_.previous_time = util::mono_ms();
  int64_t now = util::mono_ms();
  for (auto& [name, m] : st_.masters) {
    m->created_at = m->last_avail_time = now;
    for (auto& [k, r] : m->replicas) r->created_at = r->last_avail_time = now;
    for (auto& [k, s] : m->sentinels) s->created_at = s->last_avail_time = now;
  }
  uv_timer_start(&timer_, [](uv_timer_t* t) { static_cast<Monitor*>(t->data)->tick(); }, kTickMs, kTickMs);
}

void Monitor::stop() {
  if (timer_started_) {
    uv_timer_stop(&timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
    timer_started_ = false;
  }
}

void Monitor::check_tilt(int64_t now) {
  int64_t delta = now - st_.previous_time;
  if (delta < 0 || delta > kTiltTrigger) {
    st_.tilt = true;
    st_.tilt_start_time = now;
    st_.tilt_start_unix_ms = util::unix_ms();
    st_.events.emit(logx::Level::kWarning, "+tilt", nullptr, "#tilt mode entered", false);
  }
  st_.previous_time = now;
}

void Monitor::tick() {
  st_.clear_graveyard();
  int64_t now = util::mono_ms();
  scripts_.tick(now);
  check_tilt(now);
  if (st_.tilt && now - st_.tilt_start_time >= kTiltPeriod) {
    st_.tilt = false;
    st_.events.emit(logx::Level::kWarning, "-tilt", nullptr, "#tilt mode exited", false);
  }
  std::vector<Instance*> masters;
  for (auto& [name, m] : st_.masters) masters.push_back(m.get());
  for (Instance* m : masters) {
    if (m->dead) continue;
    handle_master(*m, now);
  }
}

void Monitor::handle_master(Instance& m, int64_t now) {
  handle_instance(m, now);
  std::vector<Instance*> others;
  for (auto& [k, r] : m.replicas) others.push_back(r.get());
  for (auto& [k, s] : m.sentinels) others.push_back(s.get());
  for (Instance* ri : others)
    if (!ri->dead) handle_instance(*ri, now);
}

void Monitor::handle_instance(Instance& ri, int64_t now) {
  ensure_links(ri, now);
  send_periodic(ri, now);
  if (st_.tilt) return;  // TILT: keep watching, but act on nothing
  check_sdown(ri, now);
  if (ri.is(kMaster)) {
    check_odown(ri, now);
    run_failover(ri, now);
    if (!ri.dead) ask_master_state(ri, now, false);
  }
}

void Monitor::ensure_links(Instance& ri, int64_t now) {
  if (ri.addr.port == 0) return;
  const Instance& m = ri.is(kMaster) ? ri : *ri.master;
  std::string id8 = st_.myid.substr(0, 8);
  if (ri.cc == nullptr) {
    rlink::Options o;
    o.host = ri.addr.ip;
    o.port = ri.addr.port;
    if (ri.is(kSentinel)) {
      o.user = settings_.sentinel_user;
      o.password = settings_.sentinel_pass;
    } else {
      o.user = m.auth_user;
      o.password = m.auth_pass;
    }
    o.client_name = "sentinel-" + id8 + "-cmd";
    // A restarted instance is reached on the next tick once it listens, not up to a back-off later.
    o.refused_retry_ms = kTickMs;
    ri.cc = std::make_unique<rlink::Link>(loop_, o);
    Instance* p = &ri;
    // A dropped link owes us a PING reply from now on: down-after counts from here unless a newer reply
    // comes, so a brief disconnection (CLIENT KILL during a failover) is not an instant SDOWN.
    ri.cc->on_disconnect = [p] {
      p->info_sent = 0;
      if (p->act_ping_time == 0) p->act_ping_time = util::mono_ms();
    };
    // PING at once on a new connection, and INFO: a returning instance's role is known (and fixed)
    // without waiting for the INFO period.
    ri.cc->on_connect = [p] {
      p->last_pong_time = p->last_ping_time = 0;
      p->info_due = true;
    };
    // Redis Sentinel is silent here and the instance just stops answering PINGs (NOAUTH) until +sdown;
    // one line per link says why. The link lives until its address or password changes.
    ri.cc->on_auth_error = [p, logged = false](const std::string& error) mutable {
      if (logged) return;
      logged = true;
      LOG_WARNING("Unable to AUTH to %s: -%s (check %s)", Events::describe(*p).c_str(), error.c_str(),
                  p->is(kSentinel) ? "sentinel-pass" : "auth-pass");
    };
  }
  if (ri.pc == nullptr && !ri.is(kSentinel)) {
    rlink::Options o = ri.cc->options();
    o.client_name = "sentinel-" + id8 + "-pubsub";
    ri.pc = std::make_unique<rlink::Link>(loop_, o);
    Instance* p = &ri;
    ri.pc->subscribe(kHelloChannel, [this, p](redisReply* r) { on_hello_message(*p, r); });
    ri.pc->on_connect = [p] { p->pc_last_activity = util::mono_ms(); };
  }
  ri.cc->tick(now);
  if (ri.pc) ri.pc->tick(now);
}

int64_t Monitor::info_period(const Instance& ri) const {
  // A fenced instance waits for us: confirm or repoint it within a second.
  if (ri.fenced) return kFastInfoPeriod;
  if (ri.is(kReplica)) {
    const Instance& m = *ri.master;
    // During a failover the state machine reacts to every INFO of the replicas: poll them fast.
    if (m.is(kFailoverInProgress)) return kPromotionInfoPeriod;
    if (m.is(kODown) || m.is(kFailoverInProgress) || ri.master_link_down_time > 0) return kFastInfoPeriod;
  }
  return kInfoPeriod;
}

void Monitor::send_periodic(Instance& ri, int64_t now) {
  if (ri.cc == nullptr || !ri.cc->active()) return;
  if (ri.cc->pending_commands() >= kMaxPendingCommands) return;
  int64_t ping_period = ri.ping_period();
  if (!ri.is(kSentinel)) {
    int64_t period = info_period(ri);
    if (ri.info_due || ((ri.info_refresh == 0 || now - ri.info_refresh > period) &&
                        (ri.info_sent == 0 || now - ri.info_sent >= period)))
      send_info(ri, now);
  }
  if (now - ri.last_pong_time > ping_period && now - ri.last_ping_time > ping_period / 2) send_ping(ri, now);
  if (now - ri.last_pub_time > kPublishPeriod) send_hello(ri, now);
}

void Monitor::send_ping(Instance& ri, int64_t now) {
  Instance* p = &ri;
  if (!ri.cc->command({"PING"}, [this, p](redisReply* r) { on_ping_reply(*p, r); })) return;
  ri.last_ping_time = now;
  if (ri.act_ping_time == 0) ri.act_ping_time = now;
}

void Monitor::on_ping_reply(Instance& ri, redisReply* r) {
  if (r == nullptr || ri.dead) return;
  int64_t now = util::mono_ms();
  if (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR) {
    std::string_view s(r->str, r->len);
    if (s.starts_with("PONG") || s.starts_with("LOADING") || s.starts_with("MASTERDOWN")) {
      ri.last_avail_time = now;
      ri.act_ping_time = 0;
    }
    // As Redis Sentinel: a master down because a script keeps it busy gets one SCRIPT KILL per SDOWN
    // period (a script that wrote refuses it with -UNKILLABLE, and the failover goes on).
    if (s.starts_with("BUSY")) ri.last_busy_reply_time = now;
    if (s.starts_with("BUSY") && ri.is(kSDown) && !ri.is(kScriptKillPending) && ri.cc) {
      ri.cc->command({"SCRIPT", "KILL"}, [](redisReply*) {});
      ri.flags |= kScriptKillPending;
    }
    // A password is required and we have none: said once, like a refused AUTH.
    if (s.starts_with("NOAUTH") && ri.cc && ri.cc->options().password.empty() && ri.cc->on_auth_error)
      ri.cc->on_auth_error(std::string(s));
  }
  ri.last_pong_time = now;
}

void Monitor::send_info(Instance& ri, int64_t now) {
  Instance* p = &ri;
  if (ri.cc->command({"INFO"}, [this, p](redisReply* r) { on_info_reply(*p, r); })) {
    ri.info_sent = now;
    ri.info_due = false;
  }
}

void Monitor::on_info_reply(Instance& ri, redisReply* r) {
  if (ri.dead) return;
  if (r == nullptr) {
    ri.info_sent = 0;
    return;
  }
  if (r->type == REDIS_REPLY_STRING) refresh_from_info(ri, std::string(r->str, r->len), util::mono_ms());
}

const Address& Monitor::current_master_address(const Instance& m) const {
  if (m.is(kFailoverInProgress) && m.promoted != nullptr && m.failover_state >= FailoverState::kReconfSlaves)
    return m.promoted->addr;
  return m.addr;
}

void Monitor::send_hello(Instance& ri, int64_t now) {
  const Instance& m = ri.is(kMaster) ? ri : *ri.master;
  std::string ip = settings_.announce_ip.empty() ? ri.cc->local_ip() : settings_.announce_ip;
  if (ip.empty()) return;  // still connecting
  int port = settings_.announce_port ? settings_.announce_port : settings_.port;
  const Address& ma = current_master_address(m);
  std::string payload = ip + "," + std::to_string(port) + "," + st_.myid + "," + std::to_string(st_.current_epoch) +
                        "," + m.name + "," + ma.ip + "," + std::to_string(ma.port) + "," +
                        std::to_string(m.config_epoch);
  if (!ri.cc->command({"PUBLISH", kHelloChannel, payload}, nullptr)) return;
  // The first hello of an instance (or one forced with last_pub_time = 0) puts it at one of
  // kHelloPhases phases of the period, chosen at random: the names held by one server otherwise publish
  // in the same tick forever, and each pub/sub link on that server reads the whole burst at once (its
  // read buffer then holds twice the burst: 26 KB per link at 100 names). Redis Sentinel spreads them
  // too (pub time taken at the reply, timer frequency randomized). More phases mean smaller bursts but
  // more reads; 2 measured best at 1,000 names on 10 servers (tests/bench/perf_table.py).
  const int64_t phase = hello_phase_(hello_rng_) * (kPublishPeriod / kHelloPhases);
  ri.last_pub_time = ri.last_pub_time == 0 ? std::max<int64_t>(1, now - phase) : now;
}

bool Monitor::send_replicaof(Instance& ri, const Address* target) {
  if (ri.cc == nullptr || !ri.cc->active()) return false;
  std::vector<std::string> cmd = {"SLAVEOF", "NO", "ONE"};
  if (target != nullptr) cmd = {"SLAVEOF", target->ip, std::to_string(target->port)};
  // One transaction, as Redis Sentinel sends it: the role change, its persistence, and dropping the
  // clients that still talk to the old topology happen together or not at all.
  bool ok = ri.cc->command({"MULTI"}, nullptr);
  ok = ok && ri.cc->command(cmd, nullptr);
  ok = ok && ri.cc->command({"CONFIG", "REWRITE"}, nullptr);
  ok = ok && ri.cc->command({"CLIENT", "KILL", "TYPE", "normal"}, nullptr);
  ok = ok && ri.cc->command({"EXEC"}, nullptr);
  return ok;
}

}  // namespace sentinel
