// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]: the coordinated failover of Redis 7.0. The
// master pauses writes, waits until a replica (the named one, or any) has acknowledged its whole stream,
// then becomes a replica of it and sends `PSYNC <replid> <offset> FAILOVER`, which makes that replica a
// master that continues our history (+CONTINUE): no write is lost and no full sync is needed.
// States (INFO master_failover_state): no-failover -> waiting-for-sync -> failover-in-progress -> done.
#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "datanode/replication/replica_link.h"
#include "datanode/replication/replication.h"
#include "datanode/server/client_pause.h"

namespace datanode {

const char* Replication::failover_state_name() const {
  switch (failover_.state) {
    case FailoverState::kNone: return "no-failover";
    case FailoverState::kWaitForSync: return "waiting-for-sync";
    case FailoverState::kInProgress: return "failover-in-progress";
  }
  return "unknown";
}

Client* Replication::find_replica(const std::string& host, int port) const {
  for (const auto& [id, p] : peers_) {
    Client* c = p.client;
    if (c == nullptr || !c->has(kClientReplica)) continue;
    std::string ip =
        !c->replica_announced_ip.empty() ? c->replica_announced_ip : (c->conn ? c->conn->peer_ip() : "");
    if (util::iequals(ip, host) && c->replica_listening_port == port) return c;
  }
  return nullptr;
}

void Replication::clear_failover() {
  failover_ = Failover{};
  server_.client_pause().unpause(PausePurpose::kFailover);
}

void Replication::abort_failover(const std::string& why) {
  if (failover_.state == FailoverState::kNone) return;
  if (!failover_.host.empty())
    LOG_NOTICE("FAILOVER to %s:%d aborted: %s", failover_.host.c_str(), failover_.port, why.c_str());
  else
    LOG_NOTICE("FAILOVER to any replica aborted: %s", why.c_str());
  // Already a replica of the target: back to master, with our own history.
  bool in_progress = failover_.state == FailoverState::kInProgress;
  failover_.state = FailoverState::kNone;
  if (in_progress) unset_master("failover abort");
  clear_failover();
}

void Replication::failover_command(Context& ctx) {
  resp::Writer& out = ctx.out;
  if (server_.settings().cluster_enabled)
    return out.error("ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.");
  if (ctx.argc() == 2 && util::iequals(ctx.arg(1), "abort")) {
    if (failover_.state == FailoverState::kNone) return out.error("ERR No failover in progress.");
    abort_failover("Failover manually aborted");
    return out.ok();
  }
  int64_t timeout_ms = 0;
  bool force = false;
  std::string host;
  int64_t port = 0;
  for (size_t j = 1; j < ctx.argc(); j++) {
    if (util::iequals(ctx.arg(j), "timeout") && j + 1 < ctx.argc() && timeout_ms == 0) {
      auto t = util::parse_int(ctx.arg(j + 1));
      if (!t) return out.error("ERR value is not an integer or out of range");
      if (*t <= 0) return out.error("ERR FAILOVER timeout must be greater than 0");
      timeout_ms = *t;
      j++;
    } else if (util::iequals(ctx.arg(j), "to") && j + 2 < ctx.argc() && host.empty()) {
      auto p = util::parse_int(ctx.arg(j + 2));
      if (!p) return out.error("ERR value is not an integer or out of range");
      host = std::string(ctx.arg(j + 1));
      port = *p;
      j += 2;
    } else if (util::iequals(ctx.arg(j), "force") && !force) {
      force = true;
    } else {
      return out.error("ERR syntax error");
    }
  }
  if (failover_.state != FailoverState::kNone) return out.error("ERR FAILOVER already in progress.");
  if (is_replica()) return out.error("ERR FAILOVER is not valid when server is a replica.");
  bool any = false;
  for (const auto& [id, p] : peers_) any |= p.client != nullptr && p.client->has(kClientReplica);
  if (!any) return out.error("ERR FAILOVER requires connected replicas.");
  if (force && (timeout_ms == 0 || host.empty()))
    return out.error("ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
  if (!host.empty()) {
    Client* target = find_replica(host, static_cast<int>(port));
    if (target == nullptr) return out.error("ERR FAILOVER target HOST and PORT is not a replica.");
    auto it = peers_.find(target->id);
    if (it == peers_.end() || !it->second.online)
      return out.error("ERR FAILOVER target replica is not online.");
    failover_.host = host;
    failover_.port = static_cast<int>(port);
    LOG_NOTICE("FAILOVER requested to %s:%lld.", host.c_str(), static_cast<long long>(port));
  } else {
    LOG_NOTICE("FAILOVER requested to any replica.");
  }
  int64_t now = util::mono_ms();
  failover_.end_ms = timeout_ms ? now + timeout_ms : 0;
  failover_.force = force;
  failover_.state = FailoverState::kWaitForSync;
  server_.client_pause().pause(PausePurpose::kFailover, ClientPause::kForever, PauseType::kWrite);
  // The replicas acknowledge every second on their own; asking now makes a caught-up replica known at once.
  getack_pending_ = true;
  out.ok();
}

void Replication::update_failover(int64_t now_ms) {
  if (failover_.state == FailoverState::kInProgress && failover_.rejected)
    return abort_failover("Failover target rejected psync request");
  if (failover_.state != FailoverState::kWaitForSync) return;
  if (failover_.end_ms && failover_.end_ms <= now_ms) {
    if (failover_.force) {
      LOG_NOTICE("FAILOVER to %s:%d time out exceeded, failing over.", failover_.host.c_str(),
                 failover_.port);
      start_failover_psync();
    } else {
      abort_failover("Replica never caught up before timeout");
    }
    return;
  }
  Client* replica = nullptr;
  if (!failover_.host.empty()) {
    replica = find_replica(failover_.host, failover_.port);
  } else {
    for (const auto& [id, p] : peers_) {
      Client* c = p.client;
      if (c == nullptr || !c->has(kClientReplica) || c->replica_ack_offset != master_repl_offset_) continue;
      std::string ip =
          !c->replica_announced_ip.empty() ? c->replica_announced_ip : (c->conn ? c->conn->peer_ip() : "");
      if (ip.empty()) continue;
      failover_.host = ip;
      failover_.port = c->replica_listening_port;
      replica = c;
      break;
    }
  }
  if (replica == nullptr || replica->replica_ack_offset != master_repl_offset_) return;
  LOG_NOTICE("Failover target %s:%d is synced, failing over.", failover_.host.c_str(), failover_.port);
  start_failover_psync();
}

void Replication::start_failover_psync() {
  // The state is set first: the replica link reads it to add FAILOVER to its PSYNC.
  failover_.state = FailoverState::kInProgress;
  bool already = false;
  std::string host = failover_.host;
  set_master(host, failover_.port, &already, "failover");
}

void Replication::on_failover_psync_result(bool accepted) {
  if (failover_.state != FailoverState::kInProgress) return;
  if (accepted) {
    failover_.state = FailoverState::kNone;
    clear_failover();  // the held clients run from a timer, not inside the link's read
  } else {
    failover_.rejected = true;  // update_failover() aborts, outside the link that reported it
  }
}

// The replica side of PSYNC <replid> <offset> FAILOVER: "" to go on with the PSYNC, or the error.
std::string Replication::accept_failover_request(std::string_view replid, const Client& from) {
  LOG_WARNING("Failover request received for replid %.*s.", static_cast<int>(replid.size()), replid.data());
  if (!is_replica()) return "ERR PSYNC FAILOVER can't be sent to a master.";
  if (replid != replid_) return "ERR PSYNC FAILOVER replid must match my replid.";
  unset_master("failover request from " + (from.conn ? from.conn->peer() : std::string("?")));
  return "";
}

}  // namespace datanode
