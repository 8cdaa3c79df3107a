// INFO replies: what a master says about its replicas, what a replica says about its master, run id
// changes (+reboot), and the reactions to roles that differ from the sentinel's view (promotion seen,
// +convert-to-slave, +fix-slave-config, replica reconfiguration progress during a failover).
#include <algorithm>

#include "common/util/clock.h"
#include "sentinel/monitor/info_fields.h"
#include "sentinel/monitor/monitor.h"

namespace sentinel {
Instance* Monitor::find_replica(Instance& m, const std::string& ip, int port) {
  auto it = m.replicas.find(ip + ":" + std::to_string(port));
  return it == m.replicas.end() ? nullptr : it->second.get();
}

Instance& Monitor::add_replica(Instance& m, const std::string& ip, int port) {
  auto r = std::make_unique<Instance>();
  r->flags = kReplica;
  r->addr = {ip, port};
  r->name = r->addr.str();
  r->master = &m;
  r->created_at = r->last_avail_time = r->role_reported_time = r->slave_conf_change_time = util::mono_ms();
  r->role_reported = kReplica;
  Instance& ref = *r;
  m.replicas[r->name] = std::move(r);
  return ref;
}

void Monitor::refresh_from_info(Instance& ri, const std::string& info, int64_t now) {
  ri.info = info;
  const InfoFields f = parse_info_fields(info);
  uint32_t role = 0;
  if (f.role == InfoFields::Role::kMaster) role = kMaster;
  if (f.role == InfoFields::Role::kReplica) role = kReplica;
  bool discovered = false;
  if (!f.run_id.empty()) {
    if (!ri.runid.empty() && ri.runid != f.run_id) {
      st_.events.emit(logx::Level::kNotice, "+reboot", &ri);
      ri.reboot_time = now;
    }
    ri.runid = f.run_id;
  }
  if (ri.is(kMaster)) {
    for (const InfoFields::ReplicaAddr& a : f.replicas) {
      if (find_replica(ri, a.ip, a.port) != nullptr) continue;
      Instance& r = add_replica(ri, a.ip, a.port);
      st_.events.emit(logx::Level::kNotice, "+slave", &r);
      discovered = true;
    }
  }
  if (f.master_link_down_ms) ri.master_link_down_time = *f.master_link_down_ms;
  if (f.master_host && ri.slave_master_host != *f.master_host) {
    ri.slave_master_host = *f.master_host;
    ri.slave_conf_change_time = now;
  }
  if (f.master_port && ri.slave_master_port != *f.master_port) {
    ri.slave_master_port = *f.master_port;
    ri.slave_conf_change_time = now;
  }
  if (f.master_link_up) ri.slave_master_link_up = *f.master_link_up;
  if (f.replica_priority) ri.slave_priority = *f.replica_priority;
  if (f.slave_repl_offset) ri.slave_repl_offset = *f.slave_repl_offset;
  if (f.replica_announced) ri.replica_announced = *f.replica_announced;
  ri.info_refresh = now;
  ri.fenced = f.fenced;
  if (role == kMaster) ri.master_link_down_time = 0;
  if (role != 0 && role != ri.role_reported) {
    ri.role_reported = role;
    ri.role_reported_time = now;
    ri.slave_conf_change_time = now;
    bool expected = (ri.flags & (kMaster | kReplica)) == role;
    st_.events.emit(logx::Level::kVerbose, expected ? "+role-change" : "-role-change", &ri,
                    std::string("new reported role is ") + (role == kMaster ? "master" : "slave"));
  }
  if (discovered) flush_config();
  if (st_.tilt || role == 0) return;
  acting_on_info(ri, role, now);
}

bool Monitor::master_looks_sane(const Instance& m, int64_t now) const {
  return m.is(kMaster) && m.role_reported == kMaster && !m.is(kSDown) && !m.is(kODown) &&
         m.info_refresh != 0 && now - m.info_refresh < kInfoPeriod * 2;
}

bool Monitor::no_down_for(const Instance& ri, int64_t ms, int64_t now) const {
  int64_t most_recent = std::max(ri.s_down_since, ri.o_down_since);
  return !ri.is(kSDown) && !ri.is(kODown) && (most_recent == 0 || now - most_recent > ms);
}

bool Monitor::may_confirm_fenced_master(const Instance& m, int64_t now) const {
  if (m.is(kSDown) || m.is(kODown) || m.is(kFailoverInProgress)) return false;
  // Every sentinel that may have missed the master (it restarted, or stalled) must have had the time to
  // see it again: a PING sent before a crash keeps counting down-after for a while after the restart,
  // and a failover started on it would promote a replica while the confirmed master takes writes.
  const int64_t settle = m.down_after + 1000;
  if (!no_down_for(m, settle, now)) return false;
  if (m.reboot_time != 0 && now - m.reboot_time < settle) return false;
  // No PING unanswered for long (one sent just before this INFO is normal).
  if (m.act_ping_time != 0 && now - m.act_ping_time > m.ping_period() / 2) return false;
  // A failover we started or voted for may still be promoting a replica elsewhere.
  if (m.failover_start_time != 0 && now - m.failover_start_time < m.failover_timeout) return false;
  if (m.vote_leader_epoch > m.config_epoch) return false;
  // A replica that says it is a master was promoted (or is being): the fenced node is the old one.
  for (const auto& [name, r] : m.replicas)
    if (r->role_reported == kMaster) return false;
  return true;
}

void Monitor::acting_on_info(Instance& ri, uint32_t role, int64_t now) {
  if (ri.is(kMaster) && role == kMaster && ri.fenced && now - ri.fence_confirm_sent >= kFastInfoPeriod &&
      may_confirm_fenced_master(ri, now) && ri.cc && ri.cc->active()) {
    // Still the master in our configuration: lift its fence (REPLICAOF NO ONE is a no-op on a master).
    if (ri.cc->command({"SLAVEOF", "NO", "ONE"}, nullptr)) {  // +slaveof is what a sentinel user has
      ri.fence_confirm_sent = now;
      st_.events.emit(logx::Level::kNotice, "+confirm-master", &ri);
    }
  }
  if (!ri.is(kReplica)) return;
  Instance& m = *ri.master;
  if (m.is(kFailoverInProgress)) {
    // The failover state machine watches this INFO: let it act on it now rather than next tick.
    run_failover(m, now);
    return;
  }
  if (role == kMaster) {
    // A replica that turned master behind our back: make it follow the master again, but only once
    // the master is healthy and the change has had time to reach us through hello messages.
    // A fenced datanode refuses writes until then and asks to be settled: no reason to wait.
    const int64_t wait_time = ri.fenced ? 0 : kPublishPeriod * 4;
    if (!ri.is(kPromoted) && master_looks_sane(m, now) && no_down_for(ri, wait_time, now) &&
        now - ri.role_reported_time >= wait_time) {
      if (send_replicaof(ri, &m.addr)) st_.events.emit(logx::Level::kNotice, "+convert-to-slave", &ri);
    }
  }
  if (role == kReplica && (ri.slave_master_port != m.addr.port || ri.slave_master_host != m.addr.ip)) {
    // Replicating from the wrong address: fix it when no failover explains it.
    const int64_t wait_time = m.failover_timeout;
    if (master_looks_sane(m, now) && no_down_for(ri, wait_time, now) &&
        now - ri.slave_conf_change_time > wait_time) {
      if (send_replicaof(ri, &m.addr)) st_.events.emit(logx::Level::kNotice, "+fix-slave-config", &ri);
    }
  }
}

}  // namespace sentinel
