#include "datanode/server.h"

#include <csignal>
#include <random>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "datanode/aof/aof.h"
#include "datanode/blocking.h"
#include "datanode/metrics/metrics.h"
#include "datanode/pubsub.h"
#include "datanode/replication/replication.h"

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

constexpr const char* kProtectedModeError =
    "DENIED Redis is running in protected mode because protected mode is enabled and no password is set "
    "for the default user. In this mode connections are only accepted from the loopback interface. If you "
    "want to connect from external computers to Redis you may adopt one of the following solutions: 1) "
    "Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback "
    "interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis "
    "is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change "
    "permanent. 2) Alternatively you can just disable the protected mode by editing the Redis "
    "configuration file, and setting the protected mode option to 'no', and then restarting the server. "
    "3) If you started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of "
    "the above things in order for the server to start accepting connections from the outside.";

}  // namespace

store::Database& Context::db() { return server.db(client.db); }

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
  metrics_ = std::make_unique<Metrics>(*this);
}

Server::~Server() = default;

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

void Server::remove_sink(PropagationSink* sink) {
  std::erase(sinks_, sink);
}

void Server::propagate(int db, const std::vector<std::string_view>& argv) {
  for (PropagationSink* s : sinks_) s->feed(db, argv);
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
    w.error("ERR max number of clients reached");
    return false;
  }
  bool default_bind = settings_.bind.size() == 1 && settings_.bind[0] == "127.0.0.1";
  if (settings_.protected_mode && settings_.requirepass.empty() && !default_bind &&
      !conn.is_unix_or_loopback()) {
    stats_.rejected_connections++;
    w.error(kProtectedModeError);
    return false;
  }
  auto* c = new Client;
  c->conn = &conn;
  c->id = conn.id();
  c->created_ms = c->last_interaction_ms = util::mono_ms();
  c->authenticated = settings_.requirepass.empty();
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

void Server::on_drained(net::Connection&) {}

void Server::on_close(net::Connection& conn) {
  auto* c = static_cast<Client*>(conn.user_data);
  if (c == nullptr) return;
  for (auto& fn : close_listeners_) fn(*c);
  clients_.erase(c->id);
  std::erase(pending_flush_, c);
  conn.user_data = nullptr;
  delete c;
}

void Server::process_input(Client& c) {
  net::InputBuffer& in = c.conn->input();
  stats_.net_input_bytes += in.size();  // approximate: counted per read round
  resp::Writer out(&c.conn->output());
  while (in.size() > 0 && !c.conn->closing() && !c.has(kClientBlocked)) {
    auto status = c.parser.parse(in.data());
    if (status == resp::RequestParser::Status::kNeedMore) {
      if (static_cast<int64_t>(in.size()) > settings_.client_query_buffer_limit) {
        LOG_WARNING("Closing client that reached max query buffer length: id=%llu addr=%s",
                    static_cast<unsigned long long>(c.id), c.conn->peer().c_str());
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
      return;
    }
    if (!c.parser.args().empty()) execute(c, c.parser.args(), out);
    in.consume(c.parser.consumed());
  }
  flush_later(c);
}

void Server::execute(Client& c, const Args& args, resp::Writer& out) {
  const CommandSpec* cmd = commands_.find(args[0]);
  bool in_multi = c.has(kClientMulti);
  if (cmd == nullptr) {
    out.error(command::unknown_command_error(args));
    stats_.total_error_replies++;
    if (in_multi) c.flags |= kClientDirtyExec;
    return;
  }
  if (!cmd->arity_ok(args.size())) {
    cmd->rejected_calls++;
    out.error(command::wrong_arity_error(cmd->name));
    stats_.total_error_replies++;
    if (in_multi) c.flags |= kClientDirtyExec;
    return;
  }
  if (!c.authenticated && !cmd->has(command::kNoAuth)) {
    cmd->rejected_calls++;
    out.error("NOAUTH Authentication required.");
    stats_.total_error_replies++;
    return;
  }
  if (c.resp == 2 && c.subscription_count() > 0 && !cmd->has(command::kPubSubOk)) {
    cmd->rejected_calls++;
    out.error("ERR Can't execute '" + cmd->name +
              "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
    stats_.total_error_replies++;
    return;
  }
  if (in_multi && cmd->name != "exec" && cmd->name != "discard" && cmd->name != "multi" &&
      cmd->name != "watch" && cmd->name != "quit" && cmd->name != "reset") {
    if (cmd->has(command::kNoMulti)) {
      out.error("ERR Command not allowed inside a transaction");
      c.flags |= kClientDirtyExec;
      return;
    }
    QueuedCommand q;
    q.args.assign(args.begin(), args.end());
    c.multi_queue.push_back(std::move(q));
    out.simple("QUEUED");
    return;
  }
  if (cmd->has(command::kWrite) && !c.has(kClientMaster)) {
    for (auto& guard : write_guards_) {
      std::string err = guard(c, *cmd);
      if (!err.empty()) {
        cmd->rejected_calls++;
        out.error(err);
        stats_.total_error_replies++;
        if (in_multi) c.flags |= kClientDirtyExec;
        return;
      }
    }
  }

  Context ctx{*this, c, args, out, util::unix_ms(), 0, {}, false};
  size_t out_before = out.buffer()->size();
  int64_t start = util::mono_us();
  cmd->handler(ctx);
  cmd->usec += static_cast<uint64_t>(util::mono_us() - start);
  cmd->calls++;
  stats_.total_commands++;
  stats_.net_output_bytes += out.buffer()->size() - out_before;
  c.last_command = cmd->name;
  if (out.buffer()->size() > out_before && (*out.buffer())[out_before] == '-') {
    cmd->failed_calls++;
    stats_.total_error_replies++;
  }

  if (ctx.custom_propagation) {
    for (const auto& argv : ctx.rewritten) {
      std::vector<std::string_view> views(argv.begin(), argv.end());
      propagate(c.db, views);
    }
  } else if (ctx.dirty > 0 && (cmd->has(command::kWrite) || cmd->has(command::kMayReplicate))) {
    propagate(c.db, args);
  }
}

void Server::flush_later(Client& c) {
  if (c.conn == nullptr || c.flush_pending) return;
  c.flush_pending = true;
  pending_flush_.push_back(&c);
}

void Server::flush_pending() {
  if (pending_flush_.empty()) return;
  // The AOF is written (and with appendfsync always, synced) before any reply leaves.
  for (auto& fn : before_flush_) fn();
  std::vector<Client*> batch;
  batch.swap(pending_flush_);
  for (Client* c : batch) {
    c->flush_pending = false;
    if (c->conn) c->conn->flush();
  }
}

void Server::active_expire(int64_t now_ms) {
  if (is_replica_) return;
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

void Server::request_shutdown(bool) {
  shutdown_requested_ = true;
  uv_timer_start(&cron_timer_, [](uv_timer_t* t) {
    auto* self = static_cast<Server*>(t->data);
    self->cron(util::mono_ms());
  }, 0, static_cast<uint64_t>(1000 / settings_.hz));
}

void Server::on_signal(uv_signal_t* h, int signum) {
  auto* self = static_cast<Server*>(h->data);
  LOG_WARNING("Received %s scheduling shutdown...", signum == SIGINT ? "SIGINT" : "SIGTERM");
  self->request_shutdown(false);
}

int Server::run() {
  signal(SIGPIPE, SIG_IGN);
  std::string err = net_->listen(settings_.bind, settings_.port, settings_.tcp_backlog);
  if (!err.empty()) {
    LOG_WARNING("%s", err.c_str());
    return 1;
  }
  LOG_NOTICE("Ready to accept connections tcp on port %d", settings_.port);

  uv_timer_init(loop_, &cron_timer_);
  cron_timer_.data = this;
  uv_timer_start(&cron_timer_, [](uv_timer_t* t) {
    auto* self = static_cast<Server*>(t->data);
    self->cron(util::mono_ms());
  }, 0, static_cast<uint64_t>(1000 / settings_.hz));

  uv_check_init(loop_, &flush_check_);
  flush_check_.data = this;
  uv_check_start(&flush_check_, [](uv_check_t* h) { static_cast<Server*>(h->data)->flush_pending(); });
  // Replies produced by timers (blocked-client timeouts, cron) go out before the loop sleeps again.
  uv_prepare_init(loop_, &flush_prepare_);
  flush_prepare_.data = this;
  uv_prepare_start(&flush_prepare_, [](uv_prepare_t* h) { static_cast<Server*>(h->data)->flush_pending(); });

  uv_signal_init(loop_, &sigterm_);
  sigterm_.data = this;
  uv_signal_start(&sigterm_, on_signal, SIGTERM);
  uv_signal_init(loop_, &sigint_);
  sigint_.data = this;
  uv_signal_start(&sigint_, on_signal, SIGINT);

  uv_run(loop_, UV_RUN_DEFAULT);

  // Let close callbacks run so every connection is freed.
  uv_timer_stop(&cron_timer_);
  uv_check_stop(&flush_check_);
  uv_prepare_stop(&flush_prepare_);
  uv_signal_stop(&sigterm_);
  uv_signal_stop(&sigint_);
  uv_close(reinterpret_cast<uv_handle_t*>(&cron_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_check_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_prepare_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigint_), nullptr);
  uv_run(loop_, UV_RUN_NOWAIT);
  LOG_NOTICE("Redis is now ready to exit, bye bye...");
  return 0;
}

}  // namespace datanode
