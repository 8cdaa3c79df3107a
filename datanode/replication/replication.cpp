#include "datanode/replication/replication.h"

#include <random>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "datanode/aof/aof.h"
#include "datanode/replication/fence.h"
#include "datanode/replication/full_sync.h"
#include "datanode/replication/replica_link.h"

namespace datanode {
namespace {

std::string random_replid() {
  static const char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(util::unix_us()));
  std::string out(40, '0');
  for (char& c : out) c = kHex[rng() % 16];
  return out;
}

// "host port" as the replicaof option holds it.
bool parse_replicaof(const std::string& text, std::string* host, int* port) {
  size_t sp = text.find_last_of(' ');
  if (sp == std::string::npos) return false;
  std::string h = text.substr(0, sp);
  while (!h.empty() && h.back() == ' ') h.pop_back();
  auto p = util::parse_int(std::string_view(text).substr(sp + 1));
  if (h.empty() || !p || *p <= 0 || *p > 65535) return false;
  *host = h;
  *port = static_cast<int>(*p);
  return true;
}

}  // namespace

Replication::Replication(Server& server) : server_(server), replid_(random_replid()) {
  server_.add_sink(this);
  server_.add_info_section("replication", [this](std::string& out) { write_info(out); });
  server_.add_periodic(100, [this](int64_t now_ms) { periodic(now_ms); });
  fence_ = std::make_unique<MasterFence>(server_);
  server_.add_client_close_listener([this](Client& c) { on_client_close(c); });
  server_.add_before_flush([this] {
    if (getack_pending_) send_getack();
    if (!waiters_.empty()) check_waiters(util::mono_ms());
  });
  server_.add_startup_hook([this] {
    std::string host;
    int port = 0;
    const std::string& conf = server_.settings().replicaof;
    fence_->on_start(!(conf.empty() || util::iequals(conf, "no one")));
    if (conf.empty() || util::iequals(conf, "no one")) return true;
    if (!parse_replicaof(conf, &host, &port)) {
      LOG_WARNING("Invalid replicaof '%s': expected \"host port\"", conf.c_str());
      return false;
    }
    // Without a snapshot that says where our data stands, the first sync is a full one.
    have_history_ = false;
    load_snapshot_on_start();
    bool already = false;
    set_master(host, port, &already, "config");
    return true;
  });
  server_.add_shutdown_hook([this] {
    if (is_replica() && link_ && have_history_) save_snapshot_now();
    link_.reset();
  });
  if (config::Option* opt = server_.registry().find("replicaof")) {
    opt->on_change = [this]() -> std::string {
      std::string conf = server_.settings().replicaof;
      if (conf.empty() || util::iequals(conf, "no one")) {
        unset_master("config set");
        return "";
      }
      std::string host;
      int port = 0;
      if (!parse_replicaof(conf, &host, &port)) return "replicaof expects \"host port\"";
      bool already = false;
      return set_master(host, port, &already, "config set");
    };
  }
}

Replication::~Replication() {
  link_.reset();
  server_.remove_sink(this);
}

bool Replication::running_stale() const {
  return is_replica() && !server_.settings().replica_serve_stale_data && !(link_ && link_->up());
}

std::string Replication::stale_guard(const CommandSpec& cmd) const {
  if (!running_stale()) return "";
  // What Redis still serves with a broken link (its "stale" command flag), by name so families that do
  // not set kStale are covered too.
  static const util::StringSet kAllowed = {
      "info",     "auth",     "hello",       "replicaof",   "slaveof",  "role",     "config",
      "shutdown", "replconf",  "client",   "command",     "subscribe",   "psubscribe", "unsubscribe",
      "punsubscribe", "publish", "pubsub", "multi",     "exec",        "discard",  "latency",  "debug",
      "monitor",  "select",    "quit",     "reset",       "slowlog",     "memory",   "lastsave", "save",
      "bgsave",   "bgrewriteaof", "time",  "echo",        "failover",    "acl",      "sync",     "psync"};
  if (cmd.has(command::kStale) || kAllowed.contains(cmd.name)) return "";
  return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
}

void Replication::change_replid() { replid_ = random_replid(); }

void Replication::shift_replid() {
  replid2_ = replid_;
  second_replid_offset_ = master_repl_offset_ + 1;
  change_replid();
  LOG_NOTICE("Setting secondary replication ID to %s, valid up to offset: %lld. New replication ID is %s",
             replid2_.c_str(), static_cast<long long>(second_replid_offset_), replid_.c_str());
}

int64_t Replication::master_silence_ms(int64_t now_mono_ms) const {
  if (!link_) return 0;
  int64_t seconds = link_->up() ? link_->last_io_seconds(now_mono_ms) : link_->down_seconds(now_mono_ms);
  return seconds < 0 ? 0 : seconds * 1000;
}

std::pair<std::string, int64_t> Replication::psync_position() const {
  if (!have_history_) return {"?", -1};
  return {replid_, master_repl_offset_};
}

std::string Replication::set_master(const std::string& host, int port, bool* already, const std::string& who) {
  *already = false;
  if (is_replica() && master_host_ == host && master_port_ == port) {
    *already = true;
    return "";
  }
  bool was_master = !is_replica();
  master_host_ = host;
  master_port_ = port;
  server_.settings().replicaof = host + " " + std::to_string(port);
  link_.reset();
  if (was_master) {
    // Clients waiting in WAIT on a master that stops being one get their count now.
    for (const Waiter& w : waiters_) {
      Client* c = server_.find_client(w.client_id);
      if (c == nullptr || c->conn == nullptr) continue;
      resp::Writer out(&c->conn->output());
      out.integer(static_cast<int64_t>(count_acked(w.offset)));
      c->flags &= ~static_cast<uint32_t>(kClientBlocked);
      server_.flush_later(*c);
    }
    waiters_.clear();
  }
  server_.set_replica(true);
  fence_->on_role_change(true, host, port, "");
  link_ = std::make_unique<ReplicaLink>(*this, host, port);
  LOG_NOTICE("REPLICAOF %s:%d enabled (user request from '%s')", host.c_str(), port, who.c_str());
  return "";
}

void Replication::unset_master(const std::string& who) {
  // Already a master: the sentinel confirms the role (lifts a fence; a no-op otherwise, as in Redis).
  if (!is_replica()) return fence_->confirm(who);
  if (link_ && link_->up()) {
    // The stream position our data reflects (a MULTI still being received is not applied).
    master_repl_offset_ = link_->consistent_offset();
  }
  link_.reset();
  master_host_.clear();
  master_port_ = 0;
  server_.settings().replicaof.clear();
  have_history_ = true;
  shift_replid();
  // Our replicas learn the new id by reconnecting; they will partially resync.
  disconnect_replicas();
  last_db_ = -1;
  server_.set_replica(false);
  fence_->on_role_change(false, "", 0, replid_);
  LOG_NOTICE("MASTER MODE enabled (user request from '%s')", who.c_str());
}

void Replication::on_full_sync(const std::string& master_replid, int64_t offset) {
  replid_ = master_replid;
  replid2_ = std::string(40, '0');
  second_replid_offset_ = -1;
  master_repl_offset_ = offset;
  have_history_ = true;
  disconnect_replicas();
  backlog_ = std::make_unique<ReplicationBacklog>(static_cast<size_t>(server_.settings().repl_backlog_size), offset);
  snapshot_offset_ = -1;
  // A rewrite already running would snapshot the old data set: the AOF restarts its rewrite.
  server_.aof().restart_after_full_sync();
}

void Replication::on_partial_sync(const std::string& new_replid) {
  if (new_replid == replid_) return;
  replid2_ = replid_;
  second_replid_offset_ = master_repl_offset_ + 1;
  replid_ = new_replid;
  LOG_NOTICE("Master replication ID changed to %s", replid_.c_str());
  disconnect_replicas();
}

void Replication::forward_stream(std::string_view bytes) {
  if (!backlog_)
    backlog_ = std::make_unique<ReplicationBacklog>(static_cast<size_t>(server_.settings().repl_backlog_size),
                                                    master_repl_offset_);
  append_stream(bytes);
}

void Replication::disconnect_replicas() {
  std::vector<Client*> victims;
  for (auto& [id, p] : peers_)
    if (p.client && p.client->has(kClientReplica)) victims.push_back(p.client);
  for (Client* c : victims) server_.kill_client(*c);
}

void Replication::write_info(std::string& out) const {
  auto line = [&out](const std::string& k, const std::string& v) { out += k + ":" + v + "\r\n"; };
  auto num = [&line](const std::string& k, int64_t v) { line(k, std::to_string(v)); };
  const Settings& s = server_.settings();
  int64_t now = util::mono_ms();
  if (!is_replica()) {
    line("role", "master");
  } else {
    line("role", "slave");
    line("master_host", master_host_);
    num("master_port", master_port_);
    bool up = link_ && link_->up();
    line("master_link_status", up ? "up" : "down");
    num("master_last_io_seconds_ago", link_ ? link_->last_io_seconds(now) : -1);
    bool syncing = link_ && link_->state() == ReplicaLink::State::kTransfer;
    num("master_sync_in_progress", syncing ? 1 : 0);
    num("slave_read_repl_offset", link_ ? link_->read_offset() : master_repl_offset_);
    num("slave_repl_offset", link_ ? link_->consistent_offset() : master_repl_offset_);
    num("master_stream_unapplied_commands", static_cast<int64_t>(unapplied_stream_commands));
    if (syncing) {
      int64_t total = link_->transfer_size();
      int64_t read = link_->transfer_read();
      num("master_sync_total_bytes", total < 0 ? -1 : total);
      num("master_sync_read_bytes", read);
      num("master_sync_left_bytes", total < 0 ? -1 : total - read);
      char perc[32];
      snprintf(perc, sizeof perc, "%.2f", total > 0 ? 100.0 * static_cast<double>(read) / static_cast<double>(total) : 0.0);
      line("master_sync_perc", perc);
      num("master_sync_last_io_seconds_ago", link_->last_io_seconds(now) < 0 ? 0 : link_->last_io_seconds(now));
    }
    if (!up) num("master_link_down_since_seconds", link_ ? link_->down_seconds(now) : -1);
    num("slave_priority", s.replica_priority);
    num("slave_read_only", s.replica_read_only ? 1 : 0);
    num("replica_announced", s.replica_announced ? 1 : 0);
  }
  size_t online = 0;
  for (const auto& [id, p] : peers_) online += (p.client && p.client->has(kClientReplica)) ? 1 : 0;
  num("connected_slaves", static_cast<int64_t>(online));
  if (s.min_replicas_to_write > 0 && s.min_replicas_max_lag > 0) num("min_slaves_good_slaves", good_replicas(now));
  int i = 0;
  for (const auto& [id, p] : peers_) {
    const Client* c = p.client;
    if (c == nullptr || !c->has(kClientReplica)) continue;
    std::string ip = !c->replica_announced_ip.empty() ? c->replica_announced_ip : (c->conn ? c->conn->peer_ip() : "?");
    std::string state = p.online ? "online" : full_sync_ ? full_sync_->state_name(id) : "wait_bgsave";
    int64_t lag = (now - c->replica_ack_time_ms) / 1000;
    line("slave" + std::to_string(i++), "ip=" + ip + ",port=" + std::to_string(c->replica_listening_port) +
                                             ",state=" + state + ",offset=" + std::to_string(c->replica_ack_offset) +
                                             ",lag=" + std::to_string(lag));
  }
  line("master_failover_state", failover_state_name());
  fence_->write_info(out);
  line("master_replid", replid_);
  line("master_replid2", replid2_);
  num("master_repl_offset", master_repl_offset_);
  num("second_repl_offset", second_replid_offset_);
  num("repl_backlog_active", backlog_ ? 1 : 0);
  num("repl_backlog_size", s.repl_backlog_size);
  num("repl_backlog_first_byte_offset", backlog_ ? backlog_->first_byte_offset() : 0);
  num("repl_backlog_histlen", backlog_ ? backlog_->histlen() : 0);
  // Redis prints these in INFO stats; kept here too so a replication check needs one section.
  const Stats& st = server_.stats();
  num("sync_full", static_cast<int64_t>(st.sync_full));
  num("sync_partial_ok", static_cast<int64_t>(st.sync_partial_ok));
  num("sync_partial_err", static_cast<int64_t>(st.sync_partial_err));
}

void Replication::role_command(Context& ctx) {
  resp::Writer& out = ctx.out;
  if (!is_replica()) {
    out.array_header(3);
    out.bulk("master");
    out.integer(master_repl_offset_);
    std::vector<const Client*> online;
    for (const auto& [id, p] : peers_)
      if (p.online && p.client && p.client->has(kClientReplica)) online.push_back(p.client);
    out.array_header(online.size());
    for (const Client* c : online) {
      out.array_header(3);
      out.bulk(!c->replica_announced_ip.empty() ? c->replica_announced_ip : (c->conn ? c->conn->peer_ip() : "?"));
      out.bulk(std::to_string(c->replica_listening_port));
      out.bulk(std::to_string(c->replica_ack_offset));
    }
    return;
  }
  out.array_header(5);
  out.bulk("slave");
  out.bulk(master_host_);
  out.integer(master_port_);
  out.bulk(link_ ? link_->state_name() : "connect");
  out.integer(link_ && link_->up() ? link_->consistent_offset() : -1);
}

void Replication::on_sentinel_hello(const Client& c, std::string_view payload) { fence_->on_sentinel_hello(c, payload); }

std::string Replication::check_promotion(const Client& c) { return fence_->check_promotion(c); }

}  // namespace datanode
