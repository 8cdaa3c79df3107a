// COMMAND and its subcommands: what redis-cli, client libraries and redis-benchmark ask about the
// command table (arity, flags, key positions), in Redis 7's reply shapes.
#include "common/command/help.h"
#include "datanode/cluster/keys.h"
#include "datanode/commands/families.h"
#include "datanode/commands/server_family.h"

namespace datanode {
namespace {

using namespace command;

std::vector<const char*> flag_names(const CommandSpec& c) {
  std::vector<const char*> out;
  if (c.has(kWrite)) out.push_back("write");
  if (c.has(kReadOnly)) out.push_back("readonly");
  if (c.has(kDenyOom)) out.push_back("denyoom");
  if (c.has(kAdmin)) out.push_back("admin");
  if (c.has(kNoMulti)) out.push_back("no_multi");
  if (c.has(kBlocking)) out.push_back("blocking");
  if (c.has(kLoading)) out.push_back("loading");
  if (c.has(kStale)) out.push_back("stale");
  if (c.has(kSkipMonitor)) out.push_back("skip_monitor");
  if (c.has(kFast)) out.push_back("fast");
  if (c.has(kNoAuth)) out.push_back("no_auth");
  if (c.has(kMayReplicate)) out.push_back("may_replicate");
  if (has_movable_keys(c)) out.push_back("movablekeys");
  return out;
}

std::vector<const char*> acl_categories(const CommandSpec& c) {
  std::vector<const char*> out;
  if (c.has(kWrite)) out.push_back("@write");
  if (c.has(kReadOnly)) out.push_back("@read");
  if (c.has(kAdmin)) {
    out.push_back("@admin");
    out.push_back("@dangerous");
  }
  if (c.has(kBlocking)) out.push_back("@blocking");
  out.push_back(c.has(kFast) ? "@fast" : "@slow");
  return out;
}

void reply_command_info(Context& ctx, const CommandSpec& c) {
  ctx.out.array_header(10);
  ctx.out.bulk(c.name);
  ctx.out.integer(c.arity);
  auto flags = flag_names(c);
  ctx.out.array_header(flags.size());
  for (const char* f : flags) ctx.out.simple(f);
  ctx.out.integer(c.first_key);
  ctx.out.integer(c.last_key);
  ctx.out.integer(c.key_step);
  auto cats = acl_categories(c);
  ctx.out.array_header(cats.size());
  for (const char* cat : cats) ctx.out.simple(cat);
  ctx.out.array_header(0);  // tips
  ctx.out.array_header(0);  // key specifications
  ctx.out.array_header(0);  // subcommands
}

std::vector<const CommandSpec*> sorted_commands(Context& ctx) {
  std::vector<const CommandSpec*> all;
  for (const auto& [name, cmd] : ctx.server.commands().all()) all.push_back(&cmd);
  std::sort(all.begin(), all.end(), [](const CommandSpec* a, const CommandSpec* b) { return a->name < b->name; });
  return all;
}

void command_list(Context& ctx) {
  std::string_view pattern;
  std::string_view category;
  if (ctx.argc() == 5 && util::iequals(ctx.arg(2), "filterby")) {
    if (util::iequals(ctx.arg(3), "pattern")) pattern = ctx.arg(4);
    else if (util::iequals(ctx.arg(3), "aclcat")) category = ctx.arg(4);
    else if (util::iequals(ctx.arg(3), "module")) return ctx.out.array_header(0);
    else return ctx.syntax_error();
  } else if (ctx.argc() != 2) {
    return ctx.syntax_error();
  }
  std::vector<std::string> names;
  for (const CommandSpec* c : sorted_commands(ctx)) {
    if (!pattern.empty() && !util::glob_match(pattern, c->name, true)) continue;
    if (!category.empty()) {
      bool hit = false;
      for (const char* cat : acl_categories(*c)) hit |= util::iequals(std::string_view(cat + 1), category);
      if (!hit) continue;
    }
    names.push_back(c->name);
  }
  ctx.out.array_header(names.size());
  for (const std::string& n : names) ctx.out.bulk(n);
}

void command_getkeys(Context& ctx) {
  const CommandSpec* c = ctx.server.commands().find(ctx.arg(2));
  if (c == nullptr) return ctx.out.error("ERR Invalid command specified");
  size_t argc = ctx.argc() - 2;
  if (!c->arity_ok(argc)) return ctx.out.error("ERR Invalid number of arguments specified for command");
  if (has_movable_keys(*c)) {
    std::vector<std::string_view> argv(ctx.args.begin() + 2, ctx.args.end());
    std::vector<size_t> positions = command_key_positions(*c, argv);
    if (positions.empty()) return ctx.out.error("ERR Invalid arguments specified for command");
    ctx.out.array_header(positions.size());
    for (size_t p : positions) ctx.out.bulk(argv[p]);
    return;
  }
  if (c->first_key <= 0) return ctx.out.error("ERR The command has no key arguments");
  int64_t last = c->last_key < 0 ? static_cast<int64_t>(argc) + c->last_key : c->last_key;
  int64_t step = std::max(1, c->key_step);
  std::vector<std::string_view> keys;
  for (int64_t i = c->first_key; i <= last && i < static_cast<int64_t>(argc); i += step)
    keys.push_back(ctx.arg(static_cast<size_t>(i) + 2));
  ctx.out.array_header(keys.size());
  for (std::string_view k : keys) ctx.out.bulk(k);
}

void cmd_command(Context& ctx) {
  CommandTable& table = ctx.server.commands();
  if (ctx.argc() == 1) {
    auto all = sorted_commands(ctx);
    ctx.out.array_header(all.size());
    for (const CommandSpec* c : all) reply_command_info(ctx, *c);
    return;
  }
  std::string_view sub = ctx.arg(1);
  size_t n = ctx.argc();
  if (util::iequals(sub, "count") && n == 2) return ctx.out.integer(static_cast<int64_t>(table.size()));
  if (util::iequals(sub, "list")) return command_list(ctx);
  if (util::iequals(sub, "info")) {
    if (n == 2) {
      auto all = sorted_commands(ctx);
      ctx.out.array_header(all.size());
      for (const CommandSpec* c : all) reply_command_info(ctx, *c);
      return;
    }
    ctx.out.array_header(n - 2);
    for (size_t i = 2; i < n; ++i) {
      const CommandSpec* c = table.find(ctx.arg(i));
      if (c) reply_command_info(ctx, *c);
      else ctx.out.null_array();
    }
    return;
  }
  if (util::iequals(sub, "docs")) {
    // Documentation is not kept: each known command gets an empty map, which redis-cli accepts.
    std::vector<const CommandSpec*> found;
    if (n == 2) {
      found = sorted_commands(ctx);
    } else {
      for (size_t i = 2; i < n; ++i)
        if (const CommandSpec* c = table.find(ctx.arg(i))) found.push_back(c);
    }
    ctx.out.map_header(found.size());
    for (const CommandSpec* c : found) {
      ctx.out.bulk(c->name);
      ctx.out.map_header(0);
    }
    return;
  }
  if ((util::iequals(sub, "getkeys") || util::iequals(sub, "getkeysandflags")) && n >= 3) return command_getkeys(ctx);
  if (util::iequals(sub, "help") && n == 2) {
    return reply_help(ctx.out, "command",
                      {"(no subcommand)", "    Return details about all Redis commands.", "COUNT",
                       "    Return the total number of commands in this Redis server.", "LIST",
                       "    Return a list of all commands in this Redis server.", "INFO [<command-name> ...]",
                       "    Return details about multiple Redis commands.",
                       "    If no command names are given, documentation details for all",
                       "    commands are returned.", "DOCS [<command-name> ...]",
                       "    Return documentation details about multiple Redis commands.",
                       "    If no command names are given, documentation details for all",
                       "    commands are returned.", "GETKEYS <full-command>",
                       "    Return the keys from a full Redis command.", "GETKEYSANDFLAGS <full-command>",
                       "    Return the keys and the access flags from a full Redis command."});
  }
  bool known = util::iequals(sub, "count") || util::iequals(sub, "getkeys") ||
               util::iequals(sub, "getkeysandflags") || util::iequals(sub, "help");
  if (known) return ctx.out.error(wrong_sub_arity_error("command", sub));
  ctx.out.error(unknown_subcommand_error(sub, "command"));
}

}  // namespace

void register_introspection_commands(CommandTable& t) {
  t.add("command", -1, kLoading | kStale | kSubcommands, cmd_command);
}

}  // namespace datanode
