// Server commands: PING, ECHO, QUIT, SHUTDOWN, INFO, CONFIG, TIME, DEBUG, COMMAND ...
#include "datanode/commands/families.h"

namespace datanode {
namespace {

using namespace command;

void cmd_ping(Context& ctx) {
  if (ctx.argc() > 2) return ctx.out.error(wrong_arity_error("ping"));
  if (ctx.client.subscription_count() > 0 && ctx.client.resp == 2) {
    ctx.out.array_header(2);
    ctx.out.bulk("pong");
    ctx.out.bulk(ctx.argc() == 2 ? ctx.arg(1) : "");
    return;
  }
  if (ctx.argc() == 2) return ctx.out.bulk(ctx.arg(1));
  ctx.out.simple("PONG");
}

void cmd_echo(Context& ctx) { ctx.out.bulk(ctx.arg(1)); }

void cmd_quit(Context& ctx) {
  ctx.out.ok();
  if (ctx.client.conn) ctx.client.conn->close_after_flush();
}

void cmd_shutdown(Context& ctx) {
  bool save = true;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view a = ctx.arg(i);
    if (util::iequals(a, "nosave")) save = false;
    else if (util::iequals(a, "save")) save = true;
    else if (util::iequals(a, "now") || util::iequals(a, "force") || util::iequals(a, "abort")) continue;
    else return ctx.syntax_error();
  }
  ctx.server.request_shutdown(save);
}

}  // namespace

void register_server_commands(CommandTable& t) {
  t.add("ping", -1, kFast | kPubSubOk | kStale | kLoading, cmd_ping);
  t.add("echo", 2, kFast, cmd_echo);
  t.add("quit", -1, kNoAuth | kPubSubOk | kFast | kStale | kLoading, cmd_quit);
  t.add("shutdown", -1, kAdmin | kNoMulti | kLoading | kStale, cmd_shutdown);
}

}  // namespace datanode
