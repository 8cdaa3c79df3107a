// Server commands: PING, ECHO, QUIT, SHUTDOWN, INFO, TIME, LASTSAVE, SAVE/BGSAVE, DEBUG, MONITOR.
// CONFIG, COMMAND and the connection commands are in config.cpp, introspection.cpp, connection.cpp.
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/command/help.h"
#include "common/log/log.h"
#include "common/util/clock.h"
#include "datanode/aof/aof.h"
#include "datanode/commands/debug_digest.h"
#include "datanode/commands/debug_protocol.h"
#include "datanode/commands/debug_reload.h"
#include "datanode/commands/families.h"
#include "datanode/commands/server_family.h"
#include "datanode/server/info.h"
#include "datanode/persistence/persistence.h"
#include "datanode/server/notify.h"

namespace datanode {
namespace {

using namespace command;

void cmd_ping(Context& ctx) {
  if (ctx.argc() > 2) return ctx.out.error(wrong_arity_error("ping"));
  if (ctx.client.has(kClientPubSub) && ctx.client.resp == 2) {
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
  ctx.client.flags |= kClientCloseAfterReply;
  if (ctx.client.conn) ctx.client.conn->close_after_flush();
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], as Redis 7.0; the sequence (waiting for lagging
// replicas, the final save) lives in persistence/shutdown.cpp.
void cmd_shutdown(Context& ctx) {
  int flags = Persistence::kShutdownNoFlags;
  bool abort = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view a = ctx.arg(i);
    if (util::iequals(a, "nosave")) flags |= Persistence::kShutdownNoSave;
    else if (util::iequals(a, "save")) flags |= Persistence::kShutdownSave;
    else if (util::iequals(a, "now")) flags |= Persistence::kShutdownNow;
    else if (util::iequals(a, "force")) flags |= Persistence::kShutdownForce;
    else if (util::iequals(a, "abort")) abort = true;
    else return ctx.syntax_error();
  }
  if ((abort && flags != Persistence::kShutdownNoFlags) ||
      ((flags & Persistence::kShutdownNoSave) && (flags & Persistence::kShutdownSave)))
    return ctx.syntax_error();
  ShutdownSequence& seq = ctx.server.persistence().shutdown();
  if (abort) return seq.abort() ? ctx.out.ok() : ctx.out.error("ERR No shutdown in progress.");
  if (!(flags & Persistence::kShutdownNow) && (ctx.client.has(kClientDenyBlocking) || ctx.client.conn == nullptr))
    return ctx.out.error("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
  // No reply on success: the connection closes with the server, as in Redis.
  if (seq.start(flags, &ctx.client) == ShutdownSequence::Outcome::kFailed)
    ctx.out.error("ERR Errors trying to SHUTDOWN. Check logs.");
}

void cmd_info(Context& ctx) {
  std::vector<std::string_view> sections(ctx.args.begin() + 1, ctx.args.end());
  ctx.out.verbatim(render_info(ctx.server, sections));
}

void cmd_time(Context& ctx) {
  int64_t us = util::unix_us();
  ctx.out.array_header(2);
  ctx.out.bulk(std::to_string(us / 1000000));
  ctx.out.bulk(std::to_string(us % 1000000));
}

void cmd_lastsave(Context& ctx) { ctx.out.integer(ctx.server.lastsave_unix()); }

void cmd_save(Context& ctx) {
  std::string err = ctx.server.persistence().save_command();
  if (!err.empty()) return ctx.out.error(err);
  ctx.out.ok();
}

void cmd_bgsave(Context& ctx) {
  bool schedule = false;
  if (ctx.argc() > 1) {
    if (ctx.argc() == 2 && util::iequals(ctx.arg(1), "schedule")) schedule = true;
    else return ctx.syntax_error();
  }
  std::string status;
  std::string err = ctx.server.persistence().bgsave_command(schedule, &status);
  if (!err.empty()) return ctx.out.error(err);
  ctx.out.simple(status);
}

void cmd_monitor(Context& ctx) {
  if (ctx.client.has(kClientReplica)) return;
  ctx.server.add_monitor(ctx.client);
  ctx.out.ok();
}

void debug_populate(Context& ctx) {
  auto count = util::parse_int(ctx.arg(2));
  if (!count || *count < 0) return ctx.out.error("ERR value is out of range, must be positive");
  std::string prefix = ctx.argc() > 3 ? std::string(ctx.arg(3)) : "key";
  int64_t size = 0;
  if (ctx.argc() > 4) {
    auto s = util::parse_int(ctx.arg(4));
    if (!s || *s < 0) return ctx.out.error("ERR value is out of range, must be positive");
    size = *s;
  }
  store::Database& db = ctx.db();
  for (int64_t i = 0; i < *count; ++i) {
    std::string key = prefix + ":" + std::to_string(i);
    if (db.exists(key, ctx.now_ms)) continue;
    std::string value = "value:" + std::to_string(i);
    if (size > 0) value.resize(static_cast<size_t>(size), '\0');
    db.put(key, store::Value(std::move(value)));
    notify(ctx, kNotifyNew, "new", key);
  }
  ctx.out.ok();
}

void cmd_debug(Context& ctx) {
  std::string_view sub = ctx.arg(1);
  if (util::iequals(sub, "help") && ctx.argc() == 2) {
    return reply_help(ctx.out, "debug",
                      {"OBJECT <key>", "    Show low level info about `key` and associated value.",
                       "POPULATE <count> [<prefix>] [<size>]",
                       "    Create <count> string keys named key:<num>. If <prefix> is specified then",
                       "    it is used instead of the 'key' prefix. These are not propagated to",
                       "    replicas. Cluster slots are not respected so keys not belonging to the",
                       "    current node can be created in cluster mode.",
                       "SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed."});
  }
  if (util::iequals(sub, "sleep") && ctx.argc() == 3) {
    auto secs = util::parse_double(ctx.arg(2));
    if (!secs || *secs < 0) return ctx.out.error("ERR value is not a valid float");
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(*secs * 1e6)));
    return ctx.out.ok();
  }
  if (util::iequals(sub, "populate") && ctx.argc() >= 3 && ctx.argc() <= 5) return debug_populate(ctx);
  if (util::iequals(sub, "protocol") && ctx.argc() == 3) return debug_protocol(ctx);
  if (util::iequals(sub, "object") && ctx.argc() == 3) return debug_object(ctx);
  if (util::iequals(sub, "digest") && ctx.argc() == 2) return debug_digest(ctx);
  if (util::iequals(sub, "digest-value")) return debug_digest_value(ctx);
  if (util::iequals(sub, "set-active-expire") && ctx.argc() == 3) {
    // Redis reads the flag with atoi: anything unparsable is 0.
    ctx.server.set_active_expire_enabled(util::parse_int(ctx.arg(2)).value_or(0) != 0);
    return ctx.out.ok();
  }
  if (util::iequals(sub, "quicklist-packed-threshold") && ctx.argc() == 3) {
    // Redis stores larger list elements as "plain" quicklist nodes. Our lists have one layout for all
    // sizes, so the threshold is only validated, with Redis' bounds, and accepted.
    auto size = util::parse_memory(ctx.arg(2));
    if (!size || static_cast<uint64_t>(*size) > (1ULL << 32) - (1ULL << 20))
      return ctx.out.error("ERR argument must be a memory value bigger than 1 and smaller than 4gb");
    return ctx.out.ok();
  }
  if (util::iequals(sub, "reload")) return debug_reload(ctx);
  if (util::iequals(sub, "loadaof") && ctx.argc() == 2) {
    std::string err = ctx.server.aof().debug_load();
    return err.empty() ? ctx.out.ok() : ctx.out.error(err);
  }
  if (util::iequals(sub, "jmap") || util::iequals(sub, "change-repl-id"))
    return ctx.out.error("ERR DEBUG " + util::to_upper(sub.substr(0, 32)) +
                         " is not supported by this server");
  ctx.out.error("ERR unknown subcommand or wrong number of arguments for '" + std::string(sub.substr(0, 128)) +
                "'. Try DEBUG HELP.");
}

}  // namespace

void register_server_commands(CommandTable& t) {
  // Not kStale: Redis 7 answers MASTERDOWN to PING on a stale replica (its sentinels take that as alive).
  t.add("ping", -1, kFast | kPubSubOk | kLoading, cmd_ping);
  t.add("echo", 2, kFast, cmd_echo);
  t.add("quit", -1, kNoAuth | kPubSubOk | kFast | kStale | kLoading, cmd_quit);
  t.add("shutdown", -1, kAdmin | kNoMulti | kLoading | kStale, cmd_shutdown);
  t.add("info", -1, kLoading | kStale, cmd_info);
  t.add("time", 1, kFast | kLoading | kStale, cmd_time);
  t.add("lastsave", 1, kFast | kLoading | kStale, cmd_lastsave);
  t.add("save", 1, kAdmin | kNoMulti, cmd_save);
  t.add("bgsave", -1, kAdmin, cmd_bgsave);
  t.add("monitor", 1, kAdmin | kNoMulti | kLoading | kStale, cmd_monitor);
  t.add("debug", -2, kAdmin | kLoading | kStale | kSubcommands, cmd_debug);
  register_connection_commands(t);
  register_config_commands(t);
  register_introspection_commands(t);
}

}  // namespace datanode
