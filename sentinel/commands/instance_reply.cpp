#include "sentinel/commands/instance_reply.h"

namespace sentinel {

Fields instance_fields(const Instance& ri, int64_t now) {
  Fields f;
  auto add = [&f](std::string k, std::string v) { f.emplace_back(std::move(k), std::move(v)); };
  auto num = [](int64_t v) { return std::to_string(v); };
  add("name", ri.name);
  add("ip", ri.addr.ip);
  add("port", num(ri.addr.port));
  add("runid", ri.runid);
  add("flags", flags_text(ri));
  add("link-pending-commands", num(ri.cc ? ri.cc->pending_commands() : 0));
  add("link-refcount", "1");
  if (ri.is(kFailoverInProgress)) add("failover-state", failover_state_name(ri.failover_state));
  add("last-ping-sent", num(ri.act_ping_time ? now - ri.act_ping_time : 0));
  add("last-ok-ping-reply", num(now - (ri.last_avail_time ? ri.last_avail_time : ri.created_at)));
  add("last-ping-reply", num(now - (ri.last_pong_time ? ri.last_pong_time : ri.created_at)));
  if (ri.is(kSDown)) add("s-down-time", num(now - ri.s_down_since));
  if (ri.is(kODown)) add("o-down-time", num(now - ri.o_down_since));
  add("down-after-milliseconds", num(ri.down_after_period()));
  if (ri.is(kMaster) || ri.is(kReplica)) {
    add("info-refresh", num(ri.info_refresh ? now - ri.info_refresh : 0));
    add("role-reported", ri.role_reported == kMaster ? "master" : "slave");
    add("role-reported-time", num(now - (ri.role_reported_time ? ri.role_reported_time : ri.created_at)));
  }
  if (ri.is(kMaster)) {
    add("config-epoch", num(static_cast<int64_t>(ri.config_epoch)));
    add("num-slaves", num(static_cast<int64_t>(ri.replicas.size())));
    add("num-other-sentinels", num(static_cast<int64_t>(ri.sentinels.size())));
    add("quorum", num(ri.quorum));
    add("failover-timeout", num(ri.failover_timeout));
    add("parallel-syncs", num(ri.parallel_syncs));
    if (!ri.notification_script.empty()) add("notification-script", ri.notification_script);
    if (!ri.client_reconfig_script.empty()) add("client-reconfig-script", ri.client_reconfig_script);
  }
  if (ri.is(kReplica)) {
    add("master-link-down-time", num(ri.master_link_down_time));
    add("master-link-status", ri.slave_master_link_up ? "ok" : "err");
    add("master-host", ri.slave_master_host.empty() ? "?" : ri.slave_master_host);
    add("master-port", num(ri.slave_master_port));
    add("slave-priority", num(ri.slave_priority));
    add("slave-repl-offset", num(ri.slave_repl_offset));
    add("replica-announced", ri.replica_announced ? "1" : "0");
  }
  if (ri.is(kSentinel)) {
    add("last-hello-message", num(now - (ri.last_hello_time ? ri.last_hello_time : ri.created_at)));
    add("voted-leader", ri.leader.empty() ? "?" : ri.leader);
    add("voted-leader-epoch", num(static_cast<int64_t>(ri.leader_epoch)));
  }
  return f;
}

void write_fields(resp::Writer& out, const Fields& fields) {
  out.map_header(fields.size());
  for (const auto& [k, v] : fields) {
    out.bulk(k);
    out.bulk(v);
  }
}

}  // namespace sentinel
