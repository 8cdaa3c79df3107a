// Connection commands: AUTH, HELLO, RESET (SELECT lives with the keys).
#include "common/command/auth.h"
#include "common/command/help.h"
#include "datanode/acl/acl_state.h"
#include "datanode/commands/families.h"
#include "datanode/commands/server_family.h"
#include "datanode/server/pubsub.h"
#include "datanode/server/tracking.h"
#include "datanode/server/watch.h"

namespace datanode {
namespace {

using namespace command;

// AUTH and HELLO AUTH: on success the connection runs as that user; a failure is logged in ACL LOG
// under the command name as the client typed it.
bool authenticate(Context& ctx, std::string_view user, std::string_view pass) {
  AclState& state = AclState::of(ctx.server);
  if (!state.registry().check_credentials(user, pass)) {
    state.log_auth_failure(ctx.client, user, ctx.arg(0));
    return false;
  }
  ctx.client.authenticated = true;
  ctx.client.user = std::string(user);
  return true;
}

void cmd_auth(Context& ctx) {
  if (ctx.argc() > 3) return ctx.syntax_error();
  if (ctx.argc() == 2 && (AclState::of(ctx.server).registry().default_user().flags & acl::kUserNoPass)) {
    return ctx.out.error(kAuthWithoutPasswordError);
  }
  std::string_view user = ctx.argc() == 3 ? ctx.arg(1) : "default";
  std::string_view pass = ctx.argc() == 3 ? ctx.arg(2) : ctx.arg(1);
  if (!authenticate(ctx, user, pass)) return ctx.out.error(kWrongPassError);
  ctx.out.ok();
}

bool valid_client_name(std::string_view name) {
  for (char ch : name)
    if (ch < '!' || ch > '~') return false;
  return true;
}

void cmd_hello(Context& ctx) {
  int64_t version = 0;
  size_t next = 1;
  if (ctx.argc() >= 2) {
    auto v = util::parse_int(ctx.arg(1));
    if (!v) return ctx.out.error("ERR Protocol version is not an integer or out of range");
    if (*v < 2 || *v > 3) return ctx.out.error("NOPROTO unsupported protocol version");
    version = *v;
    next = 2;
  }
  // As Redis: each option takes effect as it is read, so an error leaves the earlier ones applied.
  for (size_t j = next; j < ctx.argc(); ++j) {
    size_t more = ctx.argc() - 1 - j;
    std::string_view opt = ctx.arg(j);
    if (util::iequals(opt, "auth") && more >= 2) {
      if (!authenticate(ctx, ctx.arg(j + 1), ctx.arg(j + 2))) return ctx.out.error(kWrongPassError);
      j += 2;
    } else if (util::iequals(opt, "setname") && more >= 1) {
      std::string_view name = ctx.arg(++j);
      if (!valid_client_name(name))
        return ctx.out.error("ERR Client names cannot contain spaces, newlines or special characters.");
      ctx.client.name = std::string(name);
    } else {
      return ctx.out.error("ERR Syntax error in HELLO option '" + std::string(opt) + "'");
    }
  }
  if (!ctx.client.authenticated && AclState::of(ctx.server).registry().auth_required())
    return ctx.out.error(kHelloNoAuthError);
  if (version) ctx.client.resp = static_cast<int>(version);
  ctx.out.set_protocol(ctx.client.resp);  // the reply to HELLO 3 is already a RESP3 map
  ctx.out.map_header(7);
  ctx.out.bulk("server");
  ctx.out.bulk("redis");
  ctx.out.bulk("version");
  ctx.out.bulk("7.0.15");
  ctx.out.bulk("proto");
  ctx.out.integer(ctx.client.resp);
  ctx.out.bulk("id");
  ctx.out.integer(static_cast<int64_t>(ctx.client.id));
  ctx.out.bulk("mode");
  ctx.out.bulk("standalone");
  ctx.out.bulk("role");
  ctx.out.bulk(ctx.server.is_replica() ? "replica" : "master");
  ctx.out.bulk("modules");
  ctx.out.array_header(0);
}

void cmd_reset(Context& ctx) {
  Client& c = ctx.client;
  c.multi_queue.clear();
  c.multi_mem = 0;
  c.flags &= ~(kClientMulti | kClientDirtyExec | kClientDirtyCas | kClientNoEvict | kClientNoTouch |
               kClientReplyOff | kClientReplySkipNext);
  ctx.server.tracking().disable(c);
  ctx.server.watches().unwatch_all(c);
  ctx.server.remove_monitor(c);
  std::vector<std::string> names(c.channels.begin(), c.channels.end());
  for (const std::string& n : names) ctx.server.pubsub().unsubscribe(c, n);
  names.assign(c.patterns.begin(), c.patterns.end());
  for (const std::string& n : names) ctx.server.pubsub().punsubscribe(c, n);
  PubSub& ps = ctx.server.pubsub();
  for (const std::string& n : ps.shard_channels_of(c)) ps.sunsubscribe(c, n);
  c.db = 0;
  c.resp = 2;
  ctx.out.set_protocol(2);
  c.name.clear();
  c.user = "default";
  c.authenticated = !AclState::of(ctx.server).registry().auth_required();
  ctx.out.simple("RESET");
}

}  // namespace

void register_connection_commands(CommandTable& t) {
  t.add("auth", -2, kNoAuth | kFast | kLoading | kStale | kSkipMonitor, cmd_auth);
  t.add("hello", -1, kNoAuth | kFast | kLoading | kStale | kSkipMonitor, cmd_hello);
  t.add("reset", 1, kNoAuth | kFast | kLoading | kStale | kPubSubOk, cmd_reset);
}

}  // namespace datanode
