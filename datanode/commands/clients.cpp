// CLIENT subcommands: ID, GETNAME/SETNAME, LIST, INFO, KILL (old and filter forms), UNBLOCK, NO-EVICT,
// NO-TOUCH, HELP; texts as Redis 7. PAUSE, REPLY and the tracking ones live in client_control.cpp.
#include "common/command/help.h"
#include "datanode/acl/acl_state.h"
#include "datanode/server/blocking.h"
#include "datanode/server/client_info.h"
#include "datanode/commands/client_control.h"
#include "datanode/commands/families.h"

namespace datanode {
namespace {

using namespace command;

enum class ClientType { kAny, kNormal, kMaster, kReplica, kPubSub };

std::optional<ClientType> parse_type(std::string_view t) {
  if (util::iequals(t, "normal")) return ClientType::kNormal;
  if (util::iequals(t, "master")) return ClientType::kMaster;
  if (util::iequals(t, "replica") || util::iequals(t, "slave")) return ClientType::kReplica;
  if (util::iequals(t, "pubsub")) return ClientType::kPubSub;
  return std::nullopt;
}

// Redis' getClientType: replicas and monitors count as replicas, subscribed clients as pubsub.
bool type_matches(const Client& c, ClientType t) {
  ClientType actual = ClientType::kNormal;
  if (c.has(kClientMaster)) actual = ClientType::kMaster;
  else if (c.has(kClientReplica) || c.has(kClientMonitor)) actual = ClientType::kReplica;
  else if (c.has(kClientPubSub)) actual = ClientType::kPubSub;
  return t == ClientType::kAny || t == actual;
}

bool valid_client_name(std::string_view name) {
  for (char ch : name)
    if (ch < '!' || ch > '~') return false;
  return true;
}

void client_list(Context& ctx) {
  ClientType type = ClientType::kAny;
  std::vector<uint64_t> ids;
  bool by_id = false;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (util::iequals(ctx.arg(i), "type") && i + 1 < ctx.argc()) {
      auto t = parse_type(ctx.arg(++i));
      if (!t) return ctx.out.error("ERR Unknown client type '" + std::string(ctx.arg(i)) + "'");
      type = *t;
    } else if (util::iequals(ctx.arg(i), "id") && i + 1 < ctx.argc()) {
      by_id = true;
      for (++i; i < ctx.argc(); ++i) {
        auto id = util::parse_int(ctx.arg(i));
        if (!id || *id <= 0) return ctx.out.error("ERR Invalid client ID");
        ids.push_back(static_cast<uint64_t>(*id));
      }
    } else {
      return ctx.syntax_error();
    }
  }
  std::string text;
  for (const auto& [id, c] : ctx.server.clients()) {
    if (by_id && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    if (!type_matches(*c, type)) continue;
    // The caller's own line shows the command being run, as in Redis.
    if (c == &ctx.client) c->last_command = "client|list";
    text += client_info_line(ctx.server, *c);
    text += '\n';
  }
  ctx.out.verbatim(text);
}

struct KillFilter {
  std::optional<uint64_t> id;
  std::optional<ClientType> type;
  std::string addr, laddr, user;
  bool skipme = true;
};

bool filter_matches(const KillFilter& f, const Client& c) {
  if (f.id && c.id != *f.id) return false;
  if (f.type && !type_matches(c, *f.type)) return false;
  if (!f.addr.empty() && (c.conn == nullptr || c.conn->peer() != f.addr)) return false;
  if (!f.laddr.empty() && (c.conn == nullptr || c.conn->local() != f.laddr)) return false;
  if (!f.user.empty() && c.user != f.user) return false;
  return true;
}

// Kills a client: the caller itself after its reply has gone out, any other one right away.
void kill(Context& ctx, Client& victim) {
  if (&victim == &ctx.client) {
    victim.flags |= kClientCloseAfterReply;
    if (victim.conn) victim.conn->close_after_flush();
    return;
  }
  ctx.server.kill_client(victim);
}

void client_kill(Context& ctx) {
  if (ctx.argc() == 3) {
    // Old form: CLIENT KILL ip:port.
    for (const auto& [id, c] : ctx.server.clients()) {
      if (c->conn && c->conn->peer() == ctx.arg(2)) {
        ctx.out.ok();
        kill(ctx, *c);
        return;
      }
    }
    return ctx.out.error("ERR No such client");
  }
  if (ctx.argc() % 2 != 0) return ctx.syntax_error();
  KillFilter f;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    std::string_view opt = ctx.arg(i), val = ctx.arg(i + 1);
    if (util::iequals(opt, "id")) {
      auto id = util::parse_int(val);
      if (!id || *id <= 0) return ctx.out.error("ERR client-id should be greater than 0");
      f.id = static_cast<uint64_t>(*id);
    } else if (util::iequals(opt, "type")) {
      f.type = parse_type(val);
      if (!f.type) return ctx.out.error("ERR Unknown client type '" + std::string(val) + "'");
    } else if (util::iequals(opt, "addr")) {
      f.addr = std::string(val);
    } else if (util::iequals(opt, "laddr")) {
      f.laddr = std::string(val);
    } else if (util::iequals(opt, "user")) {
      if (AclState::of(ctx.server).registry().find(val) == nullptr)
        return ctx.out.error("ERR No such user '" + std::string(val) + "'");
      f.user = std::string(val);
    } else if (util::iequals(opt, "skipme")) {
      if (util::iequals(val, "yes")) f.skipme = true;
      else if (util::iequals(val, "no")) f.skipme = false;
      else return ctx.syntax_error();
    } else {
      return ctx.syntax_error();
    }
  }
  std::vector<uint64_t> victims;
  for (const auto& [id, c] : ctx.server.clients()) {
    if (f.skipme && c == &ctx.client) continue;
    if (filter_matches(f, *c)) victims.push_back(id);
  }
  ctx.out.integer(static_cast<int64_t>(victims.size()));
  for (uint64_t id : victims)
    if (Client* c = ctx.server.find_client(id)) kill(ctx, *c);
}

void client_setname(Context& ctx, std::string_view name) {
  if (!valid_client_name(name))
    return ctx.out.error("ERR Client names cannot contain spaces, newlines or special characters.");
  ctx.client.name = std::string(name);
  ctx.out.ok();
}

void client_on_off_flag(Context& ctx, uint32_t flag) {
  std::string_view v = ctx.arg(2);
  if (util::iequals(v, "on")) ctx.client.flags |= flag;
  else if (util::iequals(v, "off")) ctx.client.flags &= ~flag;
  else return ctx.syntax_error();
  ctx.out.ok();
}

void client_unblock(Context& ctx) {
  auto id = util::parse_int(ctx.arg(2));
  if (!id) return ctx.out.error("ERR value is not an integer or out of range");
  bool error = false;
  if (ctx.argc() == 4) {
    if (util::iequals(ctx.arg(3), "error")) error = true;
    else if (!util::iequals(ctx.arg(3), "timeout"))
      return ctx.out.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
  }
  bool done = *id > 0 && ctx.server.blocking().unblock(static_cast<uint64_t>(*id), error);
  ctx.out.integer(done ? 1 : 0);
}

void client_help(Context& ctx) {
  reply_help(ctx.out, "client",
             {"CACHING (YES|NO)",
              "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
              "GETREDIR",
              "    Return the client ID we are redirecting to when tracking is enabled.",
              "GETNAME",
              "    Return the name of the current connection.",
              "ID",
              "    Return the ID of the current connection.",
              "INFO",
              "    Return information about the current client connection.",
              "KILL <ip:port>",
              "    Kill connection made from <ip:port>.",
              "KILL <option> <value> [<option> <value> [...]]",
              "    Kill connections. Options are:",
              "    * ADDR (<ip:port>|<unixsocket>:0)",
              "      Kill connections made from the specified address",
              "    * LADDR (<ip:port>|<unixsocket>:0)",
              "      Kill connections made to specified local address",
              "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
              "      Kill connections by type.",
              "    * USER <username>",
              "      Kill connections authenticated by <username>.",
              "    * SKIPME (YES|NO)",
              "      Skip killing current connection (default: yes).",
              "LIST [options ...]",
              "    Return information about client connections. Options:",
              "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
              "      Return clients of specified type.",
              "UNPAUSE",
              "    Stop the current client pause, resuming traffic.",
              "PAUSE <timeout> [WRITE|ALL]",
              "    Suspend all, or just write, clients for <timeout> milliseconds.",
              "REPLY (ON|OFF|SKIP)",
              "    Control the replies sent to the current connection.",
              "SETNAME <name>",
              "    Assign the name <name> to the current connection.",
              "UNBLOCK <clientid> [TIMEOUT|ERROR]",
              "    Unblock the specified blocked client.",
              "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
              "         [OPTIN] [OPTOUT] [NOLOOP]",
              "    Control server assisted client side caching.",
              "TRACKINGINFO",
              "    Report tracking status for the current connection.",
              "NO-EVICT (ON|OFF)",
              "    Protect current client connection from eviction."});
}

void cmd_client(Context& ctx) {
  std::string_view sub = ctx.arg(1);
  size_t n = ctx.argc();
  auto arity = [&](bool ok) {
    if (!ok) ctx.out.error(wrong_sub_arity_error("client", sub));
    return ok;
  };
  if (util::iequals(sub, "help")) {
    if (arity(n == 2)) client_help(ctx);
  } else if (util::iequals(sub, "id")) {
    if (arity(n == 2)) ctx.out.integer(static_cast<int64_t>(ctx.client.id));
  } else if (util::iequals(sub, "getname")) {
    if (!arity(n == 2)) return;
    if (ctx.client.name.empty()) ctx.out.null();
    else ctx.out.bulk(ctx.client.name);
  } else if (util::iequals(sub, "setname")) {
    if (arity(n == 3)) client_setname(ctx, ctx.arg(2));
  } else if (util::iequals(sub, "list")) {
    client_list(ctx);
  } else if (util::iequals(sub, "info")) {
    if (!arity(n == 2)) return;
    ctx.client.last_command = "client|info";
    ctx.out.verbatim(client_info_line(ctx.server, ctx.client) + "\n");
  } else if (util::iequals(sub, "kill")) {
    if (arity(n >= 3)) client_kill(ctx);
  } else if (util::iequals(sub, "unblock")) {
    if (arity(n == 3 || n == 4)) client_unblock(ctx);
  } else if (util::iequals(sub, "no-evict")) {
    if (arity(n == 3)) client_on_off_flag(ctx, kClientNoEvict);
  } else if (util::iequals(sub, "no-touch")) {
    if (arity(n == 3)) client_on_off_flag(ctx, kClientNoTouch);
  } else if (util::iequals(sub, "getredir")) {
    if (arity(n == 2)) client_getredir(ctx);
  } else if (util::iequals(sub, "reply")) {
    if (arity(n == 3)) client_reply(ctx);
  } else if (util::iequals(sub, "pause")) {
    if (!arity(n >= 3)) return;
    // Redis' own check, after the table's arity: a fifth argument is a syntax error of the subcommand.
    if (n > 4)
      return ctx.out.error("ERR unknown subcommand or wrong number of arguments for '" + std::string(sub) +
                           "'. Try CLIENT HELP.");
    client_pause(ctx);
  } else if (util::iequals(sub, "unpause")) {
    if (arity(n == 2)) client_unpause(ctx);
  } else if (util::iequals(sub, "tracking")) {
    if (arity(n >= 3)) client_tracking(ctx);
  } else if (util::iequals(sub, "caching")) {
    if (arity(n == 3)) client_caching(ctx);
  } else if (util::iequals(sub, "trackinginfo")) {
    if (arity(n == 2)) client_trackinginfo(ctx);
  } else {
    ctx.out.error(unknown_subcommand_error(sub, "client"));
  }
}

}  // namespace

void register_client_commands(CommandTable& t) {
  t.add("client", -2, kLoading | kStale | kSubcommands, cmd_client);
}

}  // namespace datanode
