// Master side of replication: the stream (feed), PSYNC/SYNC, REPLCONF, PINGs to replicas, WAIT,
// min-replicas-to-write and the read-only replica guard.
#include <algorithm>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "datanode/replication/fence.h"
#include "datanode/replication/full_sync.h"
#include "datanode/replication/replica_link.h"
#include "datanode/replication/replication.h"

namespace datanode {
namespace {

std::string encode_command(const std::vector<std::string_view>& argv) {
  std::string out;
  resp::Writer w(&out);
  w.command(argv);
  return out;
}

std::string peer_name(const Client& c) {
  std::string ip = !c.replica_announced_ip.empty() ? c.replica_announced_ip : (c.conn ? c.conn->peer_ip() : "?");
  return ip + ":" + std::to_string(c.replica_listening_port);
}

}  // namespace

void Replication::feed(int db, const std::vector<std::string_view>& argv) {
  // A replica passes its master's bytes on unchanged (forward_stream); its own writes stay local.
  if (is_replica() || !backlog_) return;
  std::string bytes;
  if (db >= 0 && db != last_db_) {
    std::string n = std::to_string(db);
    bytes = encode_command(std::vector<std::string_view>{"SELECT", n});
    last_db_ = db;
  }
  bytes += encode_command(argv);
  append_stream(bytes);
}

void Replication::append_stream(std::string_view bytes) {
  if (!backlog_) return;
  backlog_->append(bytes);
  master_repl_offset_ += static_cast<int64_t>(bytes.size());
  for (auto& [id, p] : peers_) {
    if (!p.online || p.client == nullptr || p.client->conn == nullptr) continue;
    p.client->conn->output().append(bytes);
    server_.flush_later(*p.client);
  }
  if (full_sync_) full_sync_->on_stream(bytes);
}

ReplicaPeer& Replication::peer_for(Client& c) {
  ReplicaPeer& p = peers_[c.id];
  p.client = &c;
  return p;
}

void Replication::create_backlog_if_needed() {
  if (backlog_) return;
  // A backlog created from scratch starts a new history: new id, no secondary id (as Redis).
  if (!is_replica()) {
    change_replid();
    replid2_ = std::string(40, '0');
    second_replid_offset_ = -1;
  }
  backlog_ = std::make_unique<ReplicationBacklog>(static_cast<size_t>(server_.settings().repl_backlog_size),
                                                  master_repl_offset_);
}

void Replication::sync_command(Context& ctx, bool psync) {
  Client& c = ctx.client;
  if (c.has(kClientReplica)) return;  // already a replica: ignore, as Redis
  if (c.conn == nullptr) return;
  // PSYNC <replid> <offset> FAILOVER: our master hands over to us (FAILOVER on its side).
  if (psync && ctx.argc() > 3 && util::iequals(ctx.arg(3), "failover")) {
    std::string err = accept_failover_request(ctx.arg(1), c);
    if (!err.empty()) return ctx.out.error(err);
  }
  if (failover_pending()) return ctx.out.error("NOMASTERLINK Can't SYNC while failing over");
  if (is_replica() && !(link_ && link_->up())) {
    ctx.out.error("NOMASTERLINK Can't SYNC while not connected with my master");
    return;
  }
  LOG_NOTICE("Replica %s asks for synchronization", peer_name(c).c_str());
  if (psync) {
    std::string_view replid = ctx.arg(1);
    auto offset = util::parse_int(ctx.arg(2));
    if (offset && try_partial_resync(c, replid, *offset)) return;
    if (replid != "?") server_.stats().sync_partial_err++;
  }
  full_resync(c, psync);
}

bool Replication::try_partial_resync(Client& c, std::string_view replid, int64_t offset) {
  std::string name = peer_name(c);
  if (replid != replid_ && (replid != replid2_ || offset > second_replid_offset_)) {
    if (replid == "?") {
      LOG_NOTICE("Full resync requested by replica %s", name.c_str());
    } else if (replid != replid_ && replid != replid2_) {
      LOG_NOTICE("Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '%.*s', my "
                 "replication IDs are '%s' and '%s')",
                 static_cast<int>(replid.size()), replid.data(), replid_.c_str(), replid2_.c_str());
    } else {
      LOG_NOTICE("Partial resynchronization not accepted: Requested offset for second ID was %lld, but I can "
                 "reply up to %lld",
                 static_cast<long long>(offset), static_cast<long long>(second_replid_offset_));
    }
    return false;
  }
  if (!backlog_ || !backlog_->covers(offset)) {
    LOG_NOTICE("Unable to partial resync with replica %s for lack of backlog (Replica request was: %lld).",
               name.c_str(), static_cast<long long>(offset));
    if (offset > master_repl_offset_)
      LOG_WARNING("Warning: replica %s tried to PSYNC with an offset that is greater than the master replication "
                  "offset.", name.c_str());
    return false;
  }
  ReplicaPeer& p = peer_for(c);
  c.flags |= kClientReplica;
  c.replica_ack_time_ms = util::mono_ms();
  std::string& out = c.conn->output();
  out += p.capa_psync2 ? "+CONTINUE " + replid_ + "\r\n" : std::string("+CONTINUE\r\n");
  std::string history = backlog_->copy_from(offset);
  out += history;
  p.online = true;
  server_.flush_later(c);
  server_.stats().sync_partial_ok++;
  LOG_NOTICE("Partial resynchronization request from %s accepted. Sending %lld bytes of backlog starting from "
             "offset %lld.", name.c_str(), static_cast<long long>(history.size()), static_cast<long long>(offset));
  return true;
}

void Replication::full_resync(Client& c, bool psync) {
  ReplicaPeer& p = peer_for(c);
  p.pre_psync = !psync;
  c.flags |= kClientReplica;
  create_backlog_if_needed();
  c.replica_ack_time_ms = util::mono_ms();
  server_.stats().sync_full++;
  if (!full_sync_) full_sync_ = std::make_unique<FullSync>(server_, *this);
  // The snapshot comes from a forked child (full_sync.cpp); until it is sent the replica is not online.
  full_sync_->add(c, p, psync);
}

void Replication::replconf_command(Context& ctx) {
  Client& c = ctx.client;
  if (ctx.argc() % 2 == 0) {
    ctx.syntax_error();
    return;
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    std::string_view opt = ctx.arg(i), val = ctx.arg(i + 1);
    if (util::iequals(opt, "listening-port")) {
      auto port = util::parse_int(val);
      if (!port || *port < 0 || *port > 65535) {
        ctx.out.error("ERR value is not an integer or out of range");
        return;
      }
      c.replica_listening_port = static_cast<int>(*port);
      peer_for(c);
    } else if (util::iequals(opt, "ip-address")) {
      c.replica_announced_ip = std::string(val);
      peer_for(c);
    } else if (util::iequals(opt, "capa")) {
      ReplicaPeer& p = peer_for(c);
      if (util::iequals(val, "eof")) p.capa_eof = true;
      else if (util::iequals(val, "psync2")) p.capa_psync2 = true;
    } else if (util::iequals(opt, "ack")) {
      // REPLCONF ACK <offset> [FACK <offset>]: never answered.
      auto off = util::parse_int(val);
      if (off && c.has(kClientReplica)) handle_ack(c, *off);
      return;
    } else if (util::iequals(opt, "getack")) {
      return;  // only meaningful from our master, handled by the replica link
    } else if (util::iequals(opt, "rdb-only")) {
      auto on = util::parse_int(val);
      if (!on) {
        ctx.out.error("ERR value is not an integer or out of range");
        return;
      }
      if (*on != 0 && *on != 1) {
        ctx.out.error("ERR value is out of range, value must between 0 and 1");
        return;
      }
      peer_for(c).rdb_only = *on == 1;
    } else if (util::iequals(opt, "rdb-filter-only")) {
      // Only "functions" filtering exists in Redis; we have no functions, so nothing to filter.
    } else {
      ctx.out.error("ERR Unrecognized REPLCONF option: " + std::string(opt));
      return;
    }
  }
  ctx.out.ok();
}

void Replication::handle_ack(Client& c, int64_t offset) {
  if (offset > c.replica_ack_offset) c.replica_ack_offset = offset;
  c.replica_ack_time_ms = util::mono_ms();
  if (full_sync_) full_sync_->on_ack(c);
}

size_t Replication::count_acked(int64_t offset) const {
  size_t n = 0;
  for (const auto& [id, p] : peers_)
    if (p.online && p.client && p.client->replica_ack_offset >= offset) ++n;
  return n;
}

int Replication::good_replicas(int64_t now_ms) const {
  int good = 0;
  for (const auto& [id, p] : peers_) {
    if (!p.online || p.client == nullptr) continue;
    if ((now_ms - p.client->replica_ack_time_ms) / 1000 <= server_.settings().min_replicas_max_lag) ++good;
  }
  return good;
}

std::string Replication::read_only_guard(const Client& c) {
  if (is_replica() && server_.settings().replica_read_only && !c.has(kClientMaster))
    return "READONLY You can't write against a read only replica.";
  // After a replica's own -READONLY: a fenced (demoted) master refuses writes the same way.
  return fence_->guard(c);
}

std::string Replication::replicas_guard() const {
  const Settings& s = server_.settings();
  if (is_replica()) return "";
  if (s.min_replicas_to_write > 0 && s.min_replicas_max_lag > 0 &&
      good_replicas(util::mono_ms()) < s.min_replicas_to_write)
    return "NOREPLICAS Not enough good replicas to write.";
  return "";
}

void Replication::wait_command(Context& ctx) {
  if (is_replica()) {
    ctx.out.error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a "
                  "replica is configured to be writable (which is not the default) writes to replicas are just "
                  "local and are not propagated.");
    return;
  }
  auto numreplicas = util::parse_int(ctx.arg(1));
  if (!numreplicas) {
    ctx.not_integer();
    return;
  }
  auto timeout = util::parse_int(ctx.arg(2));
  if (!timeout) {
    ctx.out.error("ERR timeout is not an integer or out of range");
    return;
  }
  if (*timeout < 0) {
    ctx.out.error("ERR timeout is negative");
    return;
  }
  int64_t timeout_ms = *timeout;
  int64_t offset = master_repl_offset_;
  size_t acked = count_acked(offset);
  if (static_cast<int64_t>(acked) >= *numreplicas || ctx.client.has(kClientDenyBlocking) ||
      ctx.client.has(kClientMulti) || ctx.client.conn == nullptr) {
    ctx.out.integer(static_cast<int64_t>(acked));
    return;
  }
  ctx.client.flags |= kClientBlocked;
  waiters_.push_back({ctx.client.id, offset, *numreplicas, timeout_ms > 0 ? util::mono_ms() + timeout_ms : 0});
  getack_pending_ = true;
}

void Replication::send_getack() {
  getack_pending_ = false;
  if (is_replica() || !backlog_) return;
  append_stream(encode_command({"REPLCONF", "GETACK", "*"}));
}

void Replication::check_waiters(int64_t now_ms) {
  std::vector<std::pair<uint64_t, size_t>> done;
  std::erase_if(waiters_, [&](const Waiter& w) {
    size_t acked = count_acked(w.offset);
    if (static_cast<int64_t>(acked) >= w.numreplicas || (w.deadline_ms > 0 && now_ms >= w.deadline_ms)) {
      done.emplace_back(w.client_id, acked);
      return true;
    }
    return false;
  });
  for (auto [id, acked] : done) {
    Client* c = server_.find_client(id);
    if (c == nullptr || c->conn == nullptr) continue;
    resp::Writer out(&c->conn->output());
    out.integer(static_cast<int64_t>(acked));
    c->flags &= ~static_cast<uint32_t>(kClientBlocked);
    server_.flush_later(*c);
    if (!c->conn->closing()) server_.process_input(*c);  // pipelined commands after WAIT
  }
}

void Replication::on_client_close(Client& c) {
  std::erase_if(waiters_, [&](const Waiter& w) { return w.client_id == c.id; });
  if (full_sync_) full_sync_->on_close(c);
  auto it = peers_.find(c.id);
  if (it == peers_.end()) return;
  if (c.has(kClientReplica)) LOG_NOTICE("Connection with replica %s lost.", peer_name(c).c_str());
  peers_.erase(it);
  if (peers_.empty()) backlog_idle_since_ms_ = util::mono_ms();
}

void Replication::periodic(int64_t now_ms) {
  const Settings& s = server_.settings();
  if (link_) link_->tick(now_ms);
  if (!waiters_.empty()) check_waiters(now_ms);

  bool any_online = false;
  size_t online = 0;
  int64_t last_ack = 0;
  for (auto& [id, p] : peers_) {
    any_online |= p.online;
    if (!p.online || p.client == nullptr) continue;
    ++online;
    last_ack = std::max(last_ack, p.client->replica_ack_time_ms);
  }
  fence_->tick(now_ms, is_replica(), online, last_ack);
  // Replicas learn we are alive from PINGs in the stream (a replica forwards its master's instead).
  update_failover(now_ms);
  // No PING while a failover waits for a replica to reach our offset (Redis does the same).
  if (!is_replica() && any_online && !failover_pending() &&
      now_ms - last_ping_ms_ >= static_cast<int64_t>(s.repl_ping_replica_period) * 1000) {
    last_ping_ms_ = now_ms;
    append_stream(encode_command({"PING"}));
  }
  // Replicas that stopped acknowledging are dropped (only those that ever sent an ACK).
  std::vector<Client*> timed_out;
  for (auto& [id, p] : peers_) {
    if (!p.online || p.client == nullptr || p.client->replica_ack_offset == 0) continue;
    if (now_ms - p.client->replica_ack_time_ms > static_cast<int64_t>(s.repl_timeout) * 1000) timed_out.push_back(p.client);
  }
  for (Client* c : timed_out) {
    LOG_WARNING("Disconnecting timedout replica (streaming sync): %s", peer_name(*c).c_str());
    server_.kill_client(*c);
  }
  // A master without replicas frees its backlog after repl-backlog-ttl.
  if (backlog_ && !is_replica() && peers_.empty() && s.repl_backlog_ttl > 0 && backlog_idle_since_ms_ > 0 &&
      now_ms - backlog_idle_since_ms_ > static_cast<int64_t>(s.repl_backlog_ttl) * 1000) {
    LOG_NOTICE("Replication backlog freed after %d seconds without connected replicas.", s.repl_backlog_ttl);
    backlog_.reset();
  }
  // CONFIG SET repl-backlog-size: keep what history still fits.
  if (backlog_ && static_cast<int64_t>(backlog_->size()) != s.repl_backlog_size) {
    auto resized = std::make_unique<ReplicationBacklog>(static_cast<size_t>(s.repl_backlog_size),
                                                        backlog_->first_byte_offset() - 1);
    resized->append(backlog_->copy_from(backlog_->first_byte_offset()));
    backlog_ = std::move(resized);
  }
  if (full_sync_) full_sync_->periodic(now_ms);
  reap_snapshot_child();
  maybe_save_snapshot(now_ms);
}

bool Replication::replicas_caught_up() const {
  for (const auto& [id, p] : peers_)
    if (p.client && p.client->has(kClientReplica) && p.client->replica_ack_offset != master_repl_offset_) return false;
  return true;
}

void Replication::log_replicas_at_shutdown() const {
  int replicas = 0, lagging = 0;
  int64_t now = util::mono_ms();
  for (const auto& [id, p] : peers_) {
    const Client* c = p.client;
    if (c == nullptr || !c->has(kClientReplica)) continue;
    ++replicas;
    if (c->replica_ack_offset == master_repl_offset_) continue;
    ++lagging;
    std::string state = p.online ? "online" : full_sync_ ? full_sync_->state_name(id) : "wait_bgsave";
    int64_t lag = p.online ? (now - c->replica_ack_time_ms) / 1000 : 0;
    LOG_WARNING("Lagging replica %s reported offset %lld behind master, lag=%lld, state=%s.", peer_name(*c).c_str(),
                static_cast<long long>(master_repl_offset_ - c->replica_ack_offset), static_cast<long long>(lag),
                state.c_str());
  }
  if (replicas > 0) LOG_NOTICE("%d of %d replicas are in sync when shutting down.", replicas - lagging, replicas);
}

}  // namespace datanode
