#include "sentinel/server.h"

#include <csignal>

#include "common/command/auth.h"
#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "sentinel/state/config_file.h"

namespace sentinel {

Server::Server(Settings& settings, config::Registry& registry)
    : settings_(settings), registry_(registry), loop_(uv_default_loop()) {
  start_ms_ = util::mono_ms();
  run_id_ = random_hex_id();
  net_ = std::make_unique<net::Server>(loop_, this);
  monitor_ = std::make_unique<Monitor>(loop_, state_, settings_, [this] { flush_config(); });
  metrics_ = std::make_unique<SentinelMetrics>(state_);
  state_.events.set_publisher([this](std::string_view ch, std::string_view msg) { publish(ch, msg); });
  register_server_commands(commands_);
  register_pubsub_commands(commands_);
  register_sentinel_command(commands_);
  register_acl_command(commands_);
  acl_ = std::make_unique<SentinelAcl>(*this, settings_.acl, registry_);
  acl_->registry().set_default_password(settings_.requirepass);
}

Server::~Server() = default;

std::string Server::load_state(const std::string& text, const std::string& path) {
  return state::load(text, path, state_);
}

void Server::flush_config() {
  if (registry_.path().empty()) return;
  std::string err = state::flush(registry_.path(), registry_, state_);
  if (!err.empty())
    LOG_WARNING("Could not rewrite the config file %s: %s", registry_.path().c_str(), err.c_str());
  metrics_->count_config_rewrite(err.empty());
}

bool Server::on_accept(net::Connection& conn) {
  // Off by default on a sentinel (it must be reachable by clients and peers), as in Redis 7.
  if (settings_.protected_mode && settings_.requirepass.empty() && !conn.is_unix_or_loopback()) {
    resp::Writer(&conn.output()).error(command::kProtectedModeError);
    ++stats_.rejected_connections;
    return false;
  }
  ++stats_.total_connections;
  auto* c = new Client;
  c->conn = &conn;
  c->id = conn.id();
  c->authenticated = acl_->default_open();
  c->created_ms = c->last_cmd_ms = util::mono_ms();
  conn.user_data = c;
  clients_[c->id] = c;
  return true;
}

void Server::on_input(net::Connection& conn) {
  auto* c = static_cast<Client*>(conn.user_data);
  net::InputBuffer& in = conn.input();
  resp::Writer out(&conn.output());
  const size_t output_before = conn.output().size();
  while (in.size() > 0 && !conn.closing()) {
    c->parser.set_unauthenticated(!c->authenticated);
    auto status = c->parser.parse(in.data());
    if (status == resp::RequestParser::Status::kNeedMore) break;
    if (status == resp::RequestParser::Status::kError) {
      out.error("ERR " + c->parser.error());
      c->parser.reset();
      in.clear();
      conn.close_after_flush();
      break;
    }
    if (!c->parser.args().empty()) {
      out.set_protocol(c->resp);
      const size_t before = conn.output().size();
      execute(*c, c->parser.args(), out);
      if (conn.output().size() > before && conn.output()[before] == '-') ++stats_.total_error_replies;
    }
    stats_.net_input_bytes += c->parser.consumed();
    in.consume(c->parser.consumed());
  }
  if (conn.output().size() > output_before) stats_.net_output_bytes += conn.output().size() - output_before;
  conn.flush();
}

void Server::execute(Client& c, const std::vector<std::string_view>& args, resp::Writer& out) {
  c.last_cmd_ms = util::mono_ms();
  const auto* cmd = commands_.find(args[0]);
  if (cmd == nullptr) return out.error(command::unknown_command_error(args));
  c.last_cmd = cmd->name;
  if (!cmd->arity_ok(args.size())) return out.error(command::wrong_arity_error(cmd->name));
  if (!c.authenticated && !cmd->has(command::kNoAuth)) return out.error(command::kNoAuthError);
  if (std::string denied = acl_->check(c, args); !denied.empty()) return out.error(denied);
  if (c.subscriptions() > 0 && c.resp == 2 && !cmd->has(command::kPubSubOk))
    return out.error(
        "ERR Can't execute '" + cmd->name +
        "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
  Context ctx{*this, c, args, out};
  ++cmd->calls;
  ++stats_.total_commands;
  cmd->handler(ctx);
}

size_t Server::publish(std::string_view channel, std::string_view message) {
  size_t n = 0;
  for (auto& [id, c] : clients_) {
    if (c->conn->closing()) continue;
    resp::Writer w(&c->conn->output());
    w.set_protocol(c->resp);
    bool sent = false;
    if (c->channels.count(std::string(channel))) {
      w.push_header(3);
      w.bulk("message");
      w.bulk(channel);
      w.bulk(message);
      sent = true;
      ++n;
    }
    for (const std::string& p : c->patterns) {
      if (!util::glob_match(p, channel)) continue;
      w.push_header(4);
      w.bulk("pmessage");
      w.bulk(p);
      w.bulk(channel);
      w.bulk(message);
      sent = true;
      ++n;
    }
    if (sent) c->conn->flush();
  }
  return n;
}

void Server::kill_client(Client& c) { c.conn->close_after_flush(); }

void Server::on_close(net::Connection& conn) {
  auto* c = static_cast<Client*>(conn.user_data);
  if (c == nullptr) return;
  clients_.erase(c->id);
  conn.user_data = nullptr;
  delete c;
}

void Server::request_shutdown() {
  LOG_WARNING("User requested shutdown...");
  flush_config();
  monitor_->stop();
  metrics_->stop();
  net_->close_listeners();
  net_->close_all();
  uv_stop(loop_);
}

int Server::run() {
  signal(SIGPIPE, SIG_IGN);
  // Users first: the config rewrite below writes them back.
  if (std::string err = acl_->load_at_startup(); !err.empty()) {
    LOG_WARNING("%s", err.c_str());
    return 1;
  }
  if (state_.myid.empty()) {
    state_.myid = random_hex_id();
    flush_config();
  }
  std::string err = net_->listen(settings_.bind, settings_.port);
  if (!err.empty()) {
    LOG_WARNING("%s", err.c_str());
    return 1;
  }
  err = metrics_->start(loop_, settings_.metrics_bind, settings_.metrics_port);
  if (!err.empty()) {
    LOG_WARNING("%s", err.c_str());
    return 1;
  }
  LOG_NOTICE("Sentinel ID is %s", state_.myid.c_str());
  LOG_NOTICE("Sentinel ready on port %d", settings_.port);
  for (auto& [name, m] : state_.masters)
    state_.events.emit(logx::Level::kWarning, "+monitor", m.get(), "quorum " + std::to_string(m->quorum));
  monitor_->start();
  auto on_signal = [](uv_signal_t* h, int) { static_cast<Server*>(h->data)->request_shutdown(); };
  uv_signal_init(loop_, &sigterm_);
  sigterm_.data = this;
  uv_signal_start(&sigterm_, on_signal, SIGTERM);
  uv_signal_init(loop_, &sigint_);
  sigint_.data = this;
  uv_signal_start(&sigint_, on_signal, SIGINT);
  uv_run(loop_, UV_RUN_DEFAULT);
  return 0;
}

}  // namespace sentinel
