// Changes of what is monitored: masters added and removed, masters reset (SENTINEL RESET) and moved to a
// new address (failover, newer configuration from a peer).
#include "common/util/clock.h"
#include "sentinel/monitor/monitor.h"

namespace sentinel {

void Monitor::bury_links(Instance& ri) {
  auto husk = std::make_unique<Instance>();
  husk->cc = std::move(ri.cc);
  husk->pc = std::move(ri.pc);
  if (husk->cc) husk->cc->mute();
  if (husk->pc) husk->pc->mute();
  ri.info_sent = 0;
  st_.bury(std::move(husk));
}

Instance& Monitor::add_master(std::unique_ptr<Instance> m) {
  int64_t now = util::mono_ms();
  m->created_at = m->last_avail_time = m->role_reported_time = now;
  Instance& ref = *m;
  st_.masters[m->name] = std::move(m);
  return ref;
}

void Monitor::remove_master(const std::string& name) {
  auto it = st_.masters.find(name);
  if (it == st_.masters.end()) return;
  machines_.erase(name);
  st_.bury(std::move(it->second));
  st_.masters.erase(it);
}

void Monitor::reset_master(Instance& m, bool keep_sentinels) {
  machine(m).reset();
  for (auto& [k, r] : m.replicas) st_.bury(std::move(r));
  m.replicas.clear();
  if (!keep_sentinels) {
    for (auto& [k, s] : m.sentinels) st_.bury(std::move(s));
    m.sentinels.clear();
  }
  // The links go too (they may point at the old address); new ones are made by the next tick.
  bury_links(m);
  m.flags &= kMaster;
  m.runid.clear();
  m.info.clear();
  m.promoted = nullptr;
  m.failover_state = FailoverState::kNone;
  m.failover_state_change_time = 0;
  m.failover_start_time = 0;
  m.act_ping_time = 0;
  m.last_ping_time = m.last_pong_time = m.last_pub_time = 0;
  int64_t now = util::mono_ms();
  m.last_avail_time = m.role_reported_time = now;
  m.role_reported = kMaster;
  m.info_refresh = m.info_sent = 0;
  m.s_down_since = m.o_down_since = 0;
}

void Monitor::reset_master_and_change_address(Instance& m, const std::string& ip, int port) {
  std::vector<Address> replicas;
  for (auto& [k, r] : m.replicas)
    if (!(r->addr.ip == ip && r->addr.port == port)) replicas.push_back(r->addr);
  if (!(m.addr.ip == ip && m.addr.port == port)) replicas.push_back(m.addr);
  reset_master(m, true);
  m.addr = {ip, port};
  for (const Address& a : replicas) add_replica(m, a.ip, a.port);
  flush_config();
}

void Monitor::relink(Instance& m) {
  bury_links(m);
  for (auto& [k, r] : m.replicas) bury_links(*r);
}

}  // namespace sentinel
