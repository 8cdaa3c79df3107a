#include "datanode/server/server.h"

#include <algorithm>
#include <csignal>
#include <random>

#include "common/command/auth.h"
#include "common/log/log.h"
#include "common/util/clock.h"
#include "datanode/acl/acl_state.h"
#include "datanode/aof/aof.h"
#include "datanode/cluster/cluster.h"
#include "datanode/memory/memory.h"
#include "datanode/metrics/metrics.h"
#include "datanode/persistence/persistence.h"
#include "datanode/replication/replication.h"
#include "datanode/scripting/scripting.h"
#include "datanode/server/admission.h"
#include "datanode/server/blocking.h"
#include "datanode/server/client_info.h"
#include "datanode/server/client_pause.h"
#include "datanode/server/encoding_config.h"
#include "datanode/server/info.h"
#include "datanode/server/latency.h"
#include "datanode/server/listener_config.h"
#include "datanode/server/monitor_filter.h"
#include "datanode/server/notify.h"
#include "datanode/server/protected_actions.h"
#include "datanode/server/pubsub.h"
#include "datanode/server/shutdown_signals.h"
#include "datanode/server/slowlog.h"
#include "datanode/server/tracking.h"
#include "datanode/server/watch.h"

namespace datanode {
namespace {

std::string random_hex(size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::mt19937_64 rng(rd());
  std::string out(n, '0');
  for (char& c : out) c = kHex[rng() % 16];
  return out;
}

// "32mb 8mb 60" -> limits; false when the text is not three valid fields.
bool parse_output_limit(const std::string& text, OutputLimit* out) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    if (j > i) parts.push_back(text.substr(i, j - i));
    i = j + 1;
  }
  if (parts.size() != 3) return false;
  auto hard = util::parse_memory(parts[0]);
  auto soft = util::parse_memory(parts[1]);
  auto secs = util::parse_int(parts[2]);
  if (!hard || !soft || !secs || *hard < 0 || *soft < 0 || *secs < 0) return false;
  *out = {*hard, *soft, *secs};
  return true;
}

// MONITOR's quoting of an argument, like Redis' sdscatrepr.
void append_repr(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char ch : s) {
    switch (ch) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (isprint(ch)) {
          out.push_back(static_cast<char>(ch));
        } else {
          char buf[8];
          snprintf(buf, sizeof buf, "\\x%02x", ch);
          out += buf;
        }
    }
  }
  out.push_back('"');
}

}  // namespace

store::Database& Context::db() { return server.db(client.db); }

bool Context::find_typed(std::string_view key, store::Type type, store::Value*& value, bool read) {
  value = db().find(key, now_ms);
  // A key of another type is still a hit, as in Redis (the lookup precedes the type check).
  if (read) note_read_lookup(key, value != nullptr);
  if (value != nullptr && value->type() != type) {
    value = nullptr;
    wrong_type();
    return false;
  }
  return true;
}

void Context::note_read_lookup(std::string_view key, bool hit) {
  if (hit) {
    server.stats().keyspace_hits++;
  } else {
    server.stats().keyspace_misses++;
    notify(*this, kNotifyKeyMiss, "keymiss", key);
  }
}

void Context::propagate_as(std::vector<std::string> argv) {
  custom_propagation = true;
  rewritten.push_back(std::move(argv));
}

Server::Server(Settings& settings, config::Registry& registry)
    : settings_(settings), registry_(registry), loop_(uv_default_loop()) {
  net_ = std::make_unique<net::Server>(loop_, this);
  run_id_ = random_hex(40);
  start_time_ms_ = util::mono_ms();
  for (int i = 0; i < settings_.databases; ++i) {
    dbs_.emplace_back(i);
    dbs_.back().set_expired_listener([this](int db, std::string_view key) {
      stats_.expired_keys++;
      notify(*this, kNotifyExpired, "expired", key, db);
      std::vector<std::string_view> del = {"DEL", key};
      propagate(db, del);
      touch(db, key);
    });
  }
  register_all_commands(commands_);
  pubsub_ = std::make_unique<PubSub>(*this);
  blocking_ = std::make_unique<Blocking>(*this);
  aof_ = std::make_unique<Aof>(*this);
  replication_ = std::make_unique<Replication>(*this);
  persistence_ = std::make_unique<Persistence>(*this);
  metrics_ = std::make_unique<Metrics>(*this);
  watches_ = std::make_unique<Watches>(*this);
  tracking_ = std::make_unique<Tracking>(*this);
  client_pause_ = std::make_unique<ClientPause>(*this);
  slowlog_ = std::make_unique<SlowLog>();
  latency_ = std::make_unique<LatencyMonitor>();
  if (settings_.cluster_enabled) cluster_ = std::make_unique<Cluster>(*this);
  install_memory(*this);
  lastsave_unix_ = util::unix_ms() / 1000;
  memory_startup_ = memory_peak_ = malloc_used_bytes();
  apply_output_limits();
  install_protected_actions(*this);

  // Options that need more than their field updated when CONFIG SET changes them.
  install_listener_config(*this);
  install_notify_config(*this);
  install_encoding_config(*this);
  if (config::Option* o = registry_.find("loglevel")) {
    o->on_change = [this] {
      logx::Level level = logx::Level::kNotice;
      logx::parse_level(settings_.loglevel, &level);
      logx::configure({level, settings_.logfile});
      return std::string();
    };
  }
  if (config::Option* o = registry_.find("hz")) {
    o->on_change = [this] {
      if (uv_is_active(reinterpret_cast<uv_handle_t*>(&cron_timer_))) start_cron_timer();
      return std::string();
    };
  }
  for (const char* name : {"client-output-buffer-limit", "client-output-buffer-limit-normal",
                           "client-output-buffer-limit-replica", "client-output-buffer-limit-pubsub"}) {
    config::Option* o = registry_.find(name);
    if (o == nullptr) continue;
    o->on_change = [this] {
      OutputLimit probe;
      for (const std::string* text :
           {&settings_.client_output_buffer_limit_normal, &settings_.client_output_buffer_limit_replica,
            &settings_.client_output_buffer_limit_pubsub}) {
        if (!parse_output_limit(*text, &probe))
          return std::string("Wrong number of arguments in buffer limit configuration.");
      }
      apply_output_limits();
      return std::string();
    };
  }
}

void Server::apply_output_limits() {
  parse_output_limit(settings_.client_output_buffer_limit_normal, &limit_normal_);
  parse_output_limit(settings_.client_output_buffer_limit_replica, &limit_replica_);
  parse_output_limit(settings_.client_output_buffer_limit_pubsub, &limit_pubsub_);
}

bool Server::check_output_limits(Client& c) {
  if (c.conn == nullptr || c.has(kClientCloseAsap)) return !c.has(kClientCloseAsap);
  const OutputLimit& lim = c.has(kClientReplica)  ? limit_replica_
                           : c.has(kClientPubSub) ? limit_pubsub_
                                                  : limit_normal_;
  if (lim.hard_bytes == 0 && lim.soft_bytes == 0) return true;
  auto used = static_cast<int64_t>(c.conn->pending_output());
  bool exceeded = lim.hard_bytes > 0 && used >= lim.hard_bytes;
  if (!exceeded && lim.soft_bytes > 0 && used >= lim.soft_bytes) {
    int64_t now = util::mono_ms();
    if (c.obuf_soft_limit_since_ms == 0)
      c.obuf_soft_limit_since_ms = now;
    else if (now - c.obuf_soft_limit_since_ms >= lim.soft_seconds * 1000)
      exceeded = true;
  } else if (!exceeded) {
    c.obuf_soft_limit_since_ms = 0;
  }
  if (!exceeded) return true;
  stats_.client_output_limit_disconnections++;
  LOG_WARNING("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.",
              client_info_line(*this, c).c_str());
  close_client_async(c);
  return false;
}

void Server::close_client_async(Client& c) {
  if (c.has(kClientCloseAsap)) return;
  c.flags |= kClientCloseAsap;
  close_async_.push_back(c.id);
}

void Server::count_error(std::string_view reply) {
  stats_.total_error_replies++;
  // The code is the first word of the error line ("-ERR ...", "-WRONGTYPE ...").
  if (!reply.empty() && reply[0] == '-') reply.remove_prefix(1);
  size_t end = reply.find_first_of(" \r");
  std::string_view code = reply.substr(0, end == std::string_view::npos ? reply.size() : end);
  if (code.size() > 64) code = code.substr(0, 64);
  auto it = stats_.errors_by_code.find(code);
  if (it != stats_.errors_by_code.end())
    it->second++;
  else if (stats_.errors_by_code.size() < 128)
    stats_.errors_by_code.emplace(code, 1);
}

void Server::reset_stats() {
  util::StringMap<uint64_t> none;
  stats_ = Stats{};
  for (auto& [name, cmd] : commands_.all()) cmd.calls = cmd.usec = cmd.rejected_calls = cmd.failed_calls = 0;
  subcommand_stats_.clear();
  latency_->reset_histograms();
  if (Memory* m = memory()) m->reset_stats();
  for (auto& s : ops_samples_) s = 0;
}

int64_t Server::ops_per_sec() const {
  int64_t sum = 0;
  for (int64_t s : ops_samples_) sum += s;
  return sum / 16;
}

void Server::track_ops(int64_t now_ms) {
  if (ops_last_ms_ == 0) {
    ops_last_ms_ = now_ms;
    ops_last_count_ = stats_.total_commands;
    return;
  }
  int64_t dt = now_ms - ops_last_ms_;
  if (dt < 100) return;
  uint64_t n = stats_.total_commands - ops_last_count_;
  ops_samples_[ops_sample_idx_++ % 16] = static_cast<int64_t>(n) * 1000 / dt;
  ops_last_ms_ = now_ms;
  ops_last_count_ = stats_.total_commands;
}

void Server::add_monitor(Client& c) {
  if (c.has(kClientMonitor)) return;
  c.flags |= kClientMonitor;
  monitors_.push_back(&c);
}

void Server::remove_monitor(Client& c) {
  if (!c.has(kClientMonitor)) return;
  c.flags &= ~kClientMonitor;
  std::erase(monitors_, &c);
}

namespace {
// Commands whose whole RESP3 reply is push messages.
bool is_subscription(const CommandSpec* spec) {
  if (spec == nullptr) return false;
  for (const char* name :
       {"subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe"})
    if (spec->name == name) return true;
  return false;
}
}  // namespace

void Server::feed_monitors(const Client& c, const Args& args) {
  int64_t us = util::unix_us();
  char head[64];
  snprintf(head, sizeof head, "+%lld.%06lld [%d ", static_cast<long long>(us / 1000000),
           static_cast<long long>(us % 1000000), c.db);
  std::string line = head;
  line += c.conn ? c.conn->peer() : (c.has(kClientMaster) ? std::string("master") : std::string("aof"));
  line += "]";
  for (std::string_view a : args) {
    line.push_back(' ');
    append_repr(line, a);
  }
  line += "\r\n";
  for (Client* m : monitors_) {
    if (m->conn == nullptr || m->has(kClientCloseAsap)) continue;
    m->conn->output() += line;
    if (check_output_limits(*m)) flush_later(*m);
  }
}

void Server::set_acl_state(std::unique_ptr<AclState> acl) { acl_ = std::move(acl); }
void Server::set_scripting(std::unique_ptr<Scripting> scripting) { scripting_ = std::move(scripting); }

Server::~Server() {
  // Subsystems unregister themselves from the hook lists (sinks_ ...), which are declared after them and
  // would otherwise be destroyed first: take the subsystems down while those lists still exist.
  cluster_.reset();
  watches_.reset();
  metrics_.reset();
  persistence_.reset();
  replication_.reset();
  aof_.reset();
  blocking_.reset();
  pubsub_.reset();
}

Client* Server::find_client(uint64_t id) {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second;
}

void Server::kill_client(Client& c) {
  if (c.conn) c.conn->close();
}

void Server::set_replica(bool replica) {
  is_replica_ = replica;
  logx::set_role(replica ? 'S' : 'M');
  for (auto& db : dbs_) db.set_expire_actively(!replica);
}

void Server::remove_sink(PropagationSink* sink) { std::erase(sinks_, sink); }

void Server::propagate(int db, const std::vector<std::string_view>& argv) {
  if (loading_) return;  // replaying the AOF: nothing new to persist or replicate
  if (exec_depth_ > 0) {
    exec_db_ = db;
    if (!exec_multi_sent_) {
      exec_multi_sent_ = true;
      const std::vector<std::string_view> multi = {"MULTI"};
      for (PropagationSink* s : sinks_) s->feed(db, multi);
    }
  }
  // redis.set_repl() may keep a script's writes from the AOF or from the replicas.
  const Scripting* scripting = find_scripting(*this);
  for (PropagationSink* s : sinks_)
    if (scripting == nullptr || scripting->propagates_to(s == static_cast<PropagationSink*>(aof_.get())))
      s->feed(db, argv);
}

void Server::end_exec_propagation() {
  if (exec_depth_ > 0) exec_depth_--;
  if (exec_depth_ == 0 && exec_multi_sent_) {
    exec_multi_sent_ = false;
    const std::vector<std::string_view> exec = {"EXEC"};
    for (PropagationSink* s : sinks_) s->feed(exec_db_, exec);
  }
}

void Server::touch_all(int db) {
  for (auto& fn : flush_listeners_) fn(db);
}

void Server::touch(int db, std::string_view key) {
  for (auto& fn : key_listeners_) fn(db, key);
}

void Server::add_periodic(int64_t period_ms, std::function<void(int64_t)> job) {
  periodic_.push_back({period_ms, util::mono_ms() + period_ms, std::move(job)});
}

void Server::add_info_section(std::string name, std::function<void(std::string&)> writer, bool in_default) {
  info_sections_.emplace_back(std::move(name), std::move(writer), in_default);
}

bool Server::on_accept(net::Connection& conn) {
  stats_.total_connections++;
  resp::Writer w(&conn.output());
  if (clients_.size() >= static_cast<size_t>(settings_.maxclients)) {
    stats_.rejected_connections++;
    LOG_VERBOSE("Error registering fd event for the new client: max number of clients reached");
    w.error("ERR max number of clients reached");
    return false;
  }
  // As Redis 7: whatever the bind addresses, only loopback clients while the default user has no password.
  bool default_nopass = (AclState::of(*this).registry().default_user().flags & acl::kUserNoPass) != 0;
  if (settings_.protected_mode && default_nopass && !conn.is_unix_or_loopback()) {
    stats_.rejected_connections++;
    w.error(command::kProtectedModeError);
    return false;
  }
  auto* c = new Client;
  c->conn = &conn;
  c->id = conn.id();
  c->created_ms = c->last_interaction_ms = util::mono_ms();
  c->authenticated = !AclState::of(*this).registry().auth_required();
  c->parser.set_limits({settings_.proto_max_bulk_len, 1024LL * 1024 * 1024, 64 * 1024});
  conn.user_data = c;
  clients_[c->id] = c;
  return true;
}

void Server::on_input(net::Connection& conn) {
  auto* c = static_cast<Client*>(conn.user_data);
  if (c == nullptr) return;
  c->last_interaction_ms = util::mono_ms();
  process_input(*c);
}

void Server::on_drained(net::Connection& conn) {
  auto* c = static_cast<Client*>(conn.user_data);
  if (c == nullptr) return;
  for (auto& fn : drain_listeners_) fn(*c);
}

void Server::on_close(net::Connection& conn) {
  auto* c = static_cast<Client*>(conn.user_data);
  if (c == nullptr) return;
  for (auto& fn : close_listeners_) fn(*c);
  if (c->has(kClientMonitor)) std::erase(monitors_, c);
  clients_.erase(c->id);
  std::erase(pending_flush_, c);
  conn.user_data = nullptr;
  delete c;
}

void Server::process_input(Client& c) {
  net::InputBuffer& in = c.conn->input();
  stats_.net_input_bytes += in.size();  // approximate: counted per read round
  resp::Writer out(&c.conn->output());
  // The client whose script runs past busy-reply-threshold: its next requests wait until the script ends.
  const Scripting* scripting = find_scripting(*this);
  if (scripting != nullptr && scripting->protects(c)) return;
  while (in.size() > 0 && !c.conn->closing() && !c.has(kClientBlocked | kClientCloseAsap | kClientPaused)) {
    // Per request: an AUTH earlier in the same pipeline lifts the limits for what follows it.
    c.parser.set_unauthenticated(!c.authenticated && AclState::of(*this).registry().auth_required());
    auto status = c.parser.parse(in.data());
    if (status == resp::RequestParser::Status::kNeedMore) {
      // A large unfinished request counts against maxmemory-clients before any command runs.
      if (in.size() > 64 * 1024)
        if (Memory* m = memory()) m->evict_clients();
      if (static_cast<int64_t>(in.size()) > settings_.client_query_buffer_limit) {
        LOG_WARNING("Closing client that reached max query buffer length: %s",
                    client_info_line(*this, c).c_str());
        stats_.client_query_limit_disconnections++;
        c.conn->close();
        return;
      }
      break;
    }
    if (status == resp::RequestParser::Status::kError) {
      LOG_VERBOSE("Protocol error (%s) from client: id=%llu addr=%s", c.parser.error().c_str(),
                  static_cast<unsigned long long>(c.id), c.conn->peer().c_str());
      out.error("ERR " + c.parser.error());
      c.parser.reset();
      in.clear();
      c.conn->close_after_flush();
      flush_later(c);
      return;
    }
    const Args& args = c.parser.args();
    if (!args.empty()) {
      const CommandSpec* spec = commands_.find(args[0]);
      bool may_run =
          spec != nullptr && spec->arity_ok(args.size()) &&
          (c.authenticated || !AclState::of(*this).registry().auth_required() || spec->has(command::kNoAuth));
      // CLIENT PAUSE: the request stays in the input, parsed again when the pause ends.
      if (may_run && client_pause_->holds(c, *spec)) {
        c.parser.reset();
        break;
      }
      size_t reply_start = out.buffer()->size();
      execute(c, args, out, spec);
      // CLIENT REPLY OFF / SKIP: the reply is dropped, whatever it was (errors too, as in Redis), except
      // (un)subscribe confirmations: Redis 7 sends them as pushes, in RESP2 too, and pushes ignore it.
      if (c.has(kClientReplyOff | kClientReplySkip) && !is_subscription(spec))
        out.buffer()->resize(reply_start);
      c.flags &= ~kClientReplySkip;
      if (c.has(kClientReplySkipNext)) c.flags = (c.flags & ~kClientReplySkipNext) | kClientReplySkip;
    }
    in.consume(c.parser.consumed());
  }
  flush_later(c);
}

void Server::execute(Client& c, const Args& args, resp::Writer& out, const CommandSpec* cmd) {
  // Every reply speaks the client's protocol: HELLO may change it between two pipelined commands.
  out.set_protocol(c.resp);
  // Refusals before the command runs: counted as rejected calls, and they make a transaction fail.
  if (admission::Refusal r = admission::check(*this, c, cmd, args, route_guards_); !r.error.empty()) {
    if (cmd) cmd->rejected_calls++;
    std::string error = std::move(r.error);
    if (cmd && cmd->name == "exec" && !error.starts_with("EXECABORT")) {
      // Redis' execCommandAbort: a refused EXEC discards the transaction and says why; a cluster
      // redirection is answered as is.
      c.multi_queue.clear();
      c.multi_mem = 0;
      c.flags &= ~(kClientMulti | kClientDirtyExec | kClientDirtyCas);
      watches().unwatch_all(c);
      if (!r.redirect)
        error = "EXECABORT Transaction discarded because of: " + error.substr(error.starts_with("ERR ") ? 4 : 0);
    } else if (c.has(kClientMulti) && r.dirties_multi) {
      c.flags |= kClientDirtyExec;
    }
    out.error(error);
    count_error(error);
    return;
  }
  const std::string& n = cmd->name;
  if (admission::queued_in_multi(c, *cmd)) {
    QueuedCommand q;
    q.args.assign(args.begin(), args.end());
    for (const std::string& a : q.args) c.multi_mem += a.size();
    c.multi_queue.push_back(std::move(q));
    out.simple("QUEUED");
    return;
  }

  Context ctx{*this, c, args, out, util::unix_ms(), 0, {}, false};
  size_t out_before = out.buffer()->size();
  int64_t start = util::mono_us();
  tracking_->enter(c);
  cmd->handler(ctx);
  // SHUTDOWN NOSAVE while a script is busy: the script stops first, then the cron shuts down.
  if (shutdown_requested_)
    if (Scripting* scripting = find_scripting(*this); scripting && scripting->running())
      scripting->abort_for_shutdown();
  // ASKING lasts for one command (or a whole transaction).
  if ((c.flags & kClientAsking) && n != "asking" && !c.has(kClientMulti)) c.flags &= ~kClientAsking;
  auto elapsed = static_cast<uint64_t>(util::mono_us() - start);
  cmd->usec += elapsed;
  cmd->calls++;
  stats_.total_commands++;
  stats_.net_output_bytes += out.buffer()->size() - out_before;
  c.last_command = cmd->name;
  if (cmd->has(command::kSubcommands) && args.size() > 1) {
    c.last_command += '|';
    c.last_command += util::to_lower(args[1].substr(0, 32));
  }
  bool failed = out.buffer()->size() > out_before && (*out.buffer())[out_before] == '-';
  if (failed) {
    cmd->failed_calls++;
    count_error(std::string_view(*out.buffer()).substr(out_before));
  }
  if (cmd->has(command::kSubcommands) &&
      (subcommand_stats_.size() < 256 || subcommand_stats_.contains(c.last_command))) {
    CallStats& st = subcommand_stats_[c.last_command];
    st.calls++;
    st.usec += elapsed;
    if (failed) st.failed_calls++;
  }
  if (!loading_) note_call_timing(c, *cmd, args, static_cast<int64_t>(elapsed));

  if (ctx.custom_propagation) {
    for (const auto& argv : ctx.rewritten) {
      std::vector<std::string_view> views(argv.begin(), argv.end());
      propagate(c.db, views);
    }
  } else if (ctx.dirty > 0 && (cmd->has(command::kWrite) || cmd->has(command::kMayReplicate))) {
    propagate(c.db, args);
  }
  if (!monitors_.empty() && !loading_ && monitor_shows(*cmd, args))
    feed_monitors(c, monitor_view(*cmd, args));
  tracking_->leave(c, *cmd, args);
}

void Server::note_call_timing(const Client& c, const CommandSpec& cmd, const Args& args, int64_t usec) {
  latency_->sample_if_needed(cmd.has(command::kFast) ? "fast-command" : "command", usec / 1000,
                             settings_.latency_monitor_threshold);
  // A blocked command is timed again when it is served; Redis logs it then, so neither logs it here.
  if (c.has(kClientBlocked)) return;
  // The peer text is built only for a command that is logged: this runs for every command.
  int64_t slower_than = settings_.slowlog_log_slower_than;
  if (cmd.name != "exec" && slower_than >= 0 && usec >= slower_than)
    slowlog_->record(args, usec, c.conn ? c.conn->peer() : std::string(), c.name, slower_than,
                     settings_.slowlog_max_len);
  else
    slowlog_->trim(settings_.slowlog_max_len);
  if (settings_.latency_tracking) {
    bool by_sub = cmd.has(command::kSubcommands) && subcommand_stats_.contains(c.last_command);
    latency_->record_call(by_sub ? std::string_view(c.last_command) : std::string_view(cmd.name), usec);
  }
}

void Server::flush_later(Client& c) {
  if (c.conn == nullptr || c.flush_pending) return;
  c.flush_pending = true;
  pending_flush_.push_back(&c);
}

void Server::flush_pending() {
  // Clients to close at the end of the round: killed while running their own command, or over an
  // output buffer limit.
  while (!close_async_.empty()) {
    std::vector<uint64_t> ids;
    ids.swap(close_async_);
    for (uint64_t id : ids)
      if (Client* c = find_client(id)) kill_client(*c);
  }
  if (pending_flush_.empty()) return;
  // The AOF is written (and with appendfsync always, synced) before any reply leaves.
  for (auto& fn : before_flush_) fn();
  std::vector<Client*> batch;
  batch.swap(pending_flush_);
  for (size_t i = 0; i < batch.size(); ++i) {
    Client* c = batch[i];
    if (c == nullptr) continue;
    c->flush_pending = false;
    if (c->conn == nullptr) continue;
    if (!check_output_limits(*c)) {
      // Closing frees the client: forget it in the rest of the batch too.
      uint64_t id = c->id;
      close_async_.erase(std::remove(close_async_.begin(), close_async_.end(), id), close_async_.end());
      kill_client(*c);
      continue;
    }
    c->conn->flush();
  }
}

void Server::active_expire(int64_t now_ms) {
  if (is_replica_ || !active_expire_enabled_) return;
  // Like Redis' slow cycle: sample, and keep going while a quarter of the sample was stale, within
  // a time budget of a quarter of the tick.
  int64_t deadline = util::mono_us() + 250000 / settings_.hz;
  for (auto& db : dbs_) {
    for (int round = 0; round < 16; ++round) {
      size_t removed = db.expire_some(now_ms, 20);
      if (removed < 5 || util::mono_us() > deadline) break;
    }
    if (util::mono_us() > deadline) break;
  }
}

void Server::close_idle_clients(int64_t now_ms) {
  if (settings_.timeout <= 0) return;
  std::vector<Client*> idle;
  for (auto& [id, c] : clients_) {
    if (c->has(kClientReplica) || c->has(kClientMaster) || c->has(kClientBlocked) ||
        c->subscription_count() > 0)
      continue;
    if (now_ms - c->last_interaction_ms > settings_.timeout * 1000) idle.push_back(c);
  }
  for (Client* c : idle) {
    LOG_VERBOSE("Closing idle client");
    kill_client(*c);
  }
}

void Server::cron(int64_t mono_now) {
  // While a busy script lets the loop turn, nothing may expire keys, close clients or shut down under it.
  if (const Scripting* scripting = find_scripting(*this); scripting && scripting->running()) return;
  track_ops(mono_now);
  // Without an AOF, writes since the last snapshot live only in memory: a signal must then wait for the
  // final save on the loop instead of ending the process during a long command.
  if (signals_)
    signals_->set_loop_shutdown_required(!settings_.appendonly && persistence_->has_save_points());
  if (mono_now - memory_sampled_ms_ >= 1000) {
    memory_sampled_ms_ = mono_now;
    note_memory_peak(malloc_used_bytes());
  }
  active_expire(util::unix_ms());
  close_idle_clients(mono_now);
  for (Periodic& p : periodic_) {
    if (mono_now >= p.next_ms) {
      p.next_ms = mono_now + p.period_ms;
      p.job(mono_now);
    }
  }
  if (shutdown_requested_) {
    for (auto& fn : shutdown_hooks_) fn();
    shutdown_hooks_.clear();
    net_->close_listeners();
    net_->close_all();
    uv_stop(loop_);
  }
}

void Server::start_cron_timer() {
  uv_timer_start(
      &cron_timer_,
      [](uv_timer_t* t) {
        auto* self = static_cast<Server*>(t->data);
        self->cron(util::mono_ms());
      },
      0, static_cast<uint64_t>(1000 / std::max(1, settings_.hz)));
}

void Server::request_shutdown(bool) {
  shutdown_requested_ = true;
  start_cron_timer();
}

int Server::run() {
  signal(SIGPIPE, SIG_IGN);
  for (auto& hook : startup_hooks_)
    if (!hook()) return 1;
  std::string err = net_->listen(settings_.bind, settings_.port, settings_.tcp_backlog);
  if (!err.empty()) {
    LOG_WARNING("%s", err.c_str());
    return 1;
  }
  err = metrics_->start();
  if (!err.empty()) {
    LOG_WARNING("%s", err.c_str());
    return 1;
  }
  LOG_NOTICE("Ready to accept connections tcp on port %d", settings_.port);

  uv_timer_init(loop_, &cron_timer_);
  cron_timer_.data = this;
  start_cron_timer();

  uv_check_init(loop_, &flush_check_);
  flush_check_.data = this;
  uv_check_start(&flush_check_, [](uv_check_t* h) { static_cast<Server*>(h->data)->flush_pending(); });
  // Replies produced by timers (blocked-client timeouts, cron) go out before the loop sleeps again.
  uv_prepare_init(loop_, &flush_prepare_);
  flush_prepare_.data = this;
  uv_prepare_start(&flush_prepare_, [](uv_prepare_t* h) { static_cast<Server*>(h->data)->flush_pending(); });

  signals_ = std::make_unique<ShutdownSignals>(loop_, [this](int signum) {
    // As Redis 7: wait for lagging replicas, then the final save must work, or we keep running.
    persistence().shutdown().on_signal(signum);
  });

  uv_run(loop_, UV_RUN_DEFAULT);

  // Let close callbacks run so every connection is freed.
  uv_timer_stop(&cron_timer_);
  uv_check_stop(&flush_check_);
  uv_prepare_stop(&flush_prepare_);
  signals_->stop();
  uv_close(reinterpret_cast<uv_handle_t*>(&cron_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_check_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_prepare_), nullptr);
  uv_run(loop_, UV_RUN_NOWAIT);
  LOG_NOTICE("Redis is now ready to exit, bye bye...");
  return 0;
}

}  // namespace datanode
