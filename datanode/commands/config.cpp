// CONFIG GET/SET/REWRITE/RESETSTAT/HELP over the option registry (common/config/registry.h). Options
// whose change needs more than a new field value have an on_change hook (set in Server's constructor).
#include "common/command/help.h"
#include "common/log/log.h"
#include "datanode/commands/families.h"
#include "datanode/commands/server_family.h"
#include "datanode/server/protected_actions.h"

namespace datanode {
namespace {

using namespace command;

void config_get(Context& ctx) {
  std::vector<std::string> patterns;
  for (size_t i = 2; i < ctx.argc(); ++i) patterns.emplace_back(ctx.arg(i));
  auto pairs = ctx.server.registry().get(patterns);
  ctx.out.map_header(pairs.size());
  for (const auto& [name, value] : pairs) {
    ctx.out.bulk(name);
    ctx.out.bulk(value);
  }
}

void config_set(Context& ctx) {
  std::vector<std::pair<std::string, std::string>> pairs;
  // Names keep the caller's case: Redis' errors quote them as given.
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) pairs.emplace_back(ctx.arg(i), ctx.arg(i + 1));
  // As Redis, the first refusal among unknown, immutable and protected names wins, before any value is
  // looked at; the registry reports the first two itself.
  for (size_t i = 0; i < pairs.size(); ++i) {
    const config::Option* o = ctx.server.registry().find(pairs[i].first);
    if (o == nullptr || o->immutable) break;
    std::string refused = protected_config_error(ctx.server, ctx.client, *o, std::string(ctx.arg(2 + 2 * i)));
    if (!refused.empty()) return ctx.out.error(refused);
  }
  std::string err = ctx.server.registry().set(pairs);
  if (!err.empty()) return ctx.out.error(err);
  ctx.out.ok();
}

void config_rewrite(Context& ctx) {
  std::string err = ctx.server.registry().rewrite();
  if (!err.empty()) {
    LOG_WARNING("CONFIG REWRITE failed: %s", err.c_str());
    return ctx.out.error(err);
  }
  LOG_NOTICE("CONFIG REWRITE executed with success.");
  ctx.out.ok();
}

void cmd_config(Context& ctx) {
  std::string_view sub = ctx.arg(1);
  size_t n = ctx.argc();
  auto arity = [&](bool ok) {
    if (!ok) ctx.out.error(wrong_sub_arity_error("config", sub));
    return ok;
  };
  if (util::iequals(sub, "get")) {
    if (arity(n >= 3)) config_get(ctx);
  } else if (util::iequals(sub, "set")) {
    if (arity(n >= 4 && n % 2 == 0)) config_set(ctx);
  } else if (util::iequals(sub, "rewrite")) {
    if (arity(n == 2)) config_rewrite(ctx);
  } else if (util::iequals(sub, "resetstat")) {
    if (!arity(n == 2)) return;
    ctx.server.reset_stats();
    ctx.out.ok();
  } else if (util::iequals(sub, "help")) {
    if (!arity(n == 2)) return;
    reply_help(ctx.out, "config",
               {"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>", "    Set the configuration <directive> to <value>.", "RESETSTAT",
                "    Reset statistics reported by the INFO command.", "REWRITE",
                "    Rewrite the configuration file."});
  } else {
    ctx.out.error(unknown_subcommand_error(sub, "config"));
  }
}

}  // namespace

void register_config_commands(CommandTable& t) {
  t.add("config", -2, kAdmin | kLoading | kStale | kSubcommands, cmd_config);
}

}  // namespace datanode
