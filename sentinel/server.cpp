#include "sentinel/server.h"

#include <csignal>

#include "common/log/log.h"

namespace sentinel {
namespace {

void cmd_ping(Context& ctx) {
  if (ctx.args.size() == 2) return ctx.out.bulk(ctx.args[1]);
  ctx.out.simple("PONG");
}

void cmd_shutdown(Context& ctx) { ctx.server.request_shutdown(); }

}  // namespace

void register_settings(Settings& s, config::Registry& r) {
  r.add_int("port", &s.port, 0, 65535).immutable = true;
  r.add_string_list("bind", &s.bind).immutable = true;
  r.add_string("dir", &s.dir);
  r.add_string("logfile", &s.logfile).immutable = true;
  r.add_enum("loglevel", &s.loglevel, {"debug", "verbose", "notice", "warning"});
  r.add_string("requirepass", &s.requirepass).sensitive = true;
  r.allow_table("monitor");
}

Server::Server(Settings& settings, config::Registry& registry)
    : settings_(settings), registry_(registry), loop_(uv_default_loop()) {
  net_ = std::make_unique<net::Server>(loop_, this);
  commands_.add("ping", -1, command::kFast, cmd_ping);
  commands_.add("shutdown", -1, command::kAdmin, cmd_shutdown);
}

bool Server::on_accept(net::Connection& conn) {
  auto* c = new Client;
  c->conn = &conn;
  c->id = conn.id();
  c->authenticated = settings_.requirepass.empty();
  conn.user_data = c;
  clients_[c->id] = c;
  return true;
}

void Server::on_input(net::Connection& conn) {
  auto* c = static_cast<Client*>(conn.user_data);
  net::InputBuffer& in = conn.input();
  resp::Writer out(&conn.output());
  while (in.size() > 0 && !conn.closing()) {
    auto status = c->parser.parse(in.data());
    if (status == resp::RequestParser::Status::kNeedMore) break;
    if (status == resp::RequestParser::Status::kError) {
      out.error("ERR " + c->parser.error());
      c->parser.reset();
      in.clear();
      conn.close_after_flush();
      return;
    }
    if (!c->parser.args().empty()) execute(*c, c->parser.args(), out);
    in.consume(c->parser.consumed());
  }
  conn.flush();
}

void Server::execute(Client& c, const std::vector<std::string_view>& args, resp::Writer& out) {
  const auto* cmd = commands_.find(args[0]);
  if (cmd == nullptr) return out.error(command::unknown_command_error(args));
  if (!cmd->arity_ok(args.size())) return out.error(command::wrong_arity_error(cmd->name));
  if (!c.authenticated && !cmd->has(command::kNoAuth)) return out.error("NOAUTH Authentication required.");
  Context ctx{*this, c, args, out};
  cmd->handler(ctx);
}

void Server::on_close(net::Connection& conn) {
  auto* c = static_cast<Client*>(conn.user_data);
  if (c == nullptr) return;
  clients_.erase(c->id);
  conn.user_data = nullptr;
  delete c;
}

void Server::request_shutdown() {
  net_->close_listeners();
  net_->close_all();
  uv_stop(loop_);
}

int Server::run() {
  signal(SIGPIPE, SIG_IGN);
  std::string err = net_->listen(settings_.bind, settings_.port);
  if (!err.empty()) {
    LOG_WARNING("%s", err.c_str());
    return 1;
  }
  LOG_NOTICE("Sentinel ready on port %d", settings_.port);
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
