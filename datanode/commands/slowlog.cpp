// SLOWLOG GET [count] | LEN | RESET | HELP over the slow log kept in datanode/slowlog.cpp.
#include "datanode/server/slowlog.h"

#include "common/command/help.h"
#include "datanode/commands/families.h"

namespace datanode {
namespace {

using namespace command;

void slowlog_get(Context& ctx) {
  const auto& entries = ctx.server.slowlog().entries();
  int64_t count = 10;
  if (ctx.argc() == 3) {
    auto n = util::parse_int(ctx.arg(2));
    // Redis gives the same text for a non-number as for a number out of range.
    if (!n || *n < -1) return ctx.out.error("ERR count should be greater than or equal to -1");
    count = *n == -1 ? static_cast<int64_t>(entries.size()) : *n;
  }
  size_t n = std::min(entries.size(), static_cast<size_t>(count));
  ctx.out.array_header(n);
  for (size_t i = 0; i < n; ++i) {
    const SlowLogEntry& e = entries[i];
    ctx.out.array_header(6);
    ctx.out.integer(e.id);
    ctx.out.integer(e.unix_seconds);
    ctx.out.integer(e.duration_us);
    ctx.out.array_header(e.argv.size());
    for (const std::string& a : e.argv) ctx.out.bulk(a);
    ctx.out.bulk(e.peer);
    ctx.out.bulk(e.client_name);
  }
}

void cmd_slowlog(Context& ctx) {
  std::string_view sub = ctx.arg(1);
  size_t n = ctx.argc();
  if (util::iequals(sub, "help") && n == 2) {
    return reply_help(
        ctx.out, "slowlog",
        {"GET [<count>]", "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
         "    Entries are made of:",
         "    id, timestamp, time in microseconds, arguments array, client IP and port,", "    client name",
         "LEN", "    Return the length of the slowlog.", "RESET", "    Reset the slowlog."});
  }
  bool get = util::iequals(sub, "get"), len = util::iequals(sub, "len"), reset = util::iequals(sub, "reset");
  if (!get && !len && !reset && !util::iequals(sub, "help"))
    return ctx.out.error(unknown_subcommand_error(sub, "slowlog"));
  // Arity of the subcommand as Redis' table has it (GET -2, the others 2).
  if ((get && n < 2) || (!get && n != 2)) return ctx.out.error(wrong_sub_arity_error("slowlog", sub));
  if (len) return ctx.out.integer(static_cast<int64_t>(ctx.server.slowlog().entries().size()));
  if (reset) {
    ctx.server.slowlog().reset();
    return ctx.out.ok();
  }
  if (n > 3)
    return ctx.out.error("ERR unknown subcommand or wrong number of arguments for '" +
                         std::string(sub.substr(0, 128)) + "'. Try SLOWLOG HELP.");
  slowlog_get(ctx);
}

}  // namespace

void register_slowlog_commands(CommandTable& t) {
  t.add("slowlog", -2, kAdmin | kLoading | kStale | kSubcommands, cmd_slowlog);
}

}  // namespace datanode
