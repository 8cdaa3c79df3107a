// COMMAND and its subcommands: what redis-cli, client libraries and cluster-aware clients ask about the
// command table (arity, flags, ACL categories, key specs, where the keys are), in Redis 7's reply
// shapes. The facts come from command_meta (what Redis 7.0 reports) for the commands this table has.
#include "common/command/help.h"
#include "datanode/commands/command_meta.h"
#include "datanode/commands/command_docs.h"
#include "datanode/cluster/keys.h"
#include "datanode/commands/families.h"
#include "datanode/commands/server_family.h"

namespace datanode {
namespace {

using namespace command;

// For a command Redis does not have: the flags and categories our table implies.
std::vector<std::string> derived_flags(const CommandSpec& c) {
  std::vector<std::string> out;
  if (c.has(kWrite)) out.push_back("write");
  if (c.has(kReadOnly)) out.push_back("readonly");
  if (c.has(kDenyOom)) out.push_back("denyoom");
  if (c.has(kAdmin)) out.push_back("admin");
  if (c.has(kBlocking)) out.push_back("blocking");
  if (c.has(kLoading)) out.push_back("loading");
  if (c.has(kStale)) out.push_back("stale");
  if (c.has(kSkipMonitor)) out.push_back("skip_monitor");
  if (c.has(kFast)) out.push_back("fast");
  if (c.has(kNoAuth)) out.push_back("no_auth");
  if (c.has(kNoMulti)) out.push_back("no_multi");
  if (c.has(kMayReplicate)) out.push_back("may_replicate");
  if (has_movable_keys(c)) out.push_back("movablekeys");
  return out;
}

std::vector<std::string> derived_categories(const CommandSpec& c) {
  std::vector<std::string> out;
  if (c.has(kReadOnly)) out.push_back("@read");
  if (c.has(kWrite)) out.push_back("@write");
  if (c.has(kAdmin)) out.push_back("@admin");
  out.push_back(c.has(kFast) ? "@fast" : "@slow");
  if (c.has(kBlocking)) out.push_back("@blocking");
  if (c.has(kAdmin)) out.push_back("@dangerous");
  return out;
}

template <typename List>
void status_set(resp::Writer& out, const List& items) {
  out.set_header(items.size());
  for (const auto& s : items) out.simple(s);
}

void reply_key_spec(resp::Writer& out, const meta::KeySpec& s) {
  out.map_header(s.notes ? 4 : 3);
  if (s.notes) {
    out.bulk("notes");
    out.bulk(s.notes);
  }
  out.bulk("flags");
  status_set(out, meta::words(s.flags));
  out.bulk("begin_search");
  out.map_header(2);
  out.bulk("type");
  if (s.begin == meta::BeginSearch::kIndex) {
    out.bulk("index");
    out.bulk("spec");
    out.map_header(1);
    out.bulk("index");
    out.integer(s.begin_arg);
  } else if (s.begin == meta::BeginSearch::kKeyword) {
    out.bulk("keyword");
    out.bulk("spec");
    out.map_header(2);
    out.bulk("keyword");
    out.bulk(s.keyword);
    out.bulk("startfrom");
    out.integer(s.begin_arg);
  } else {
    out.bulk("unknown");
    out.bulk("spec");
    out.map_header(0);
  }
  out.bulk("find_keys");
  out.map_header(2);
  out.bulk("type");
  if (s.find == meta::FindKeys::kRange) {
    out.bulk("range");
    out.bulk("spec");
    out.map_header(3);
    out.bulk("lastkey");
    out.integer(s.a);
    out.bulk("keystep");
    out.integer(s.b);
    out.bulk("limit");
    out.integer(s.c);
  } else if (s.find == meta::FindKeys::kKeynum) {
    out.bulk("keynum");
    out.bulk("spec");
    out.map_header(3);
    out.bulk("keynumidx");
    out.integer(s.a);
    out.bulk("firstkey");
    out.integer(s.b);
    out.bulk("keystep");
    out.integer(s.c);
  } else {
    out.bulk("unknown");
    out.bulk("spec");
    out.map_header(0);
  }
}

void reply_meta_info(resp::Writer& out, const meta::CommandMeta& m) {
  out.array_header(10);
  out.bulk(m.name);
  out.integer(m.arity);
  status_set(out, meta::words(m.flags));
  out.integer(m.first_key);
  out.integer(m.last_key);
  out.integer(m.key_step);
  status_set(out, meta::words(m.acl));
  auto tips = meta::words(m.tips);
  out.set_header(tips.size());
  for (std::string_view t : tips) out.bulk(t);
  out.set_header(m.key_specs.size());
  for (const meta::KeySpec& s : m.key_specs) reply_key_spec(out, s);
  auto subs = meta::subcommands(m.name);
  if (subs.empty()) return out.set_header(0);
  out.array_header(subs.size());
  for (const meta::CommandMeta* s : subs) reply_meta_info(out, *s);
}

void reply_command_info(Context& ctx, const CommandSpec& c) {
  if (const meta::CommandMeta* m = meta::find(c.name)) return reply_meta_info(ctx.out, *m);
  ctx.out.array_header(10);
  ctx.out.bulk(c.name);
  ctx.out.integer(c.arity);
  status_set(ctx.out, derived_flags(c));
  ctx.out.integer(c.first_key);
  ctx.out.integer(c.last_key);
  ctx.out.integer(c.key_step);
  status_set(ctx.out, derived_categories(c));
  ctx.out.set_header(0);  // tips
  ctx.out.set_header(0);  // key specifications
  ctx.out.set_header(0);  // subcommands
}

std::vector<const CommandSpec*> sorted_commands(Context& ctx) {
  std::vector<const CommandSpec*> all;
  for (const auto& [name, cmd] : ctx.server.commands().all()) all.push_back(&cmd);
  std::sort(all.begin(), all.end(),
            [](const CommandSpec* a, const CommandSpec* b) { return a->name < b->name; });
  return all;
}

// "config|get" names a subcommand of a command this table has; plain names go through the table.
const meta::CommandMeta* find_subcommand(Context& ctx, std::string_view full) {
  size_t bar = full.find('|');
  if (bar == std::string_view::npos || ctx.server.commands().find(full.substr(0, bar)) == nullptr)
    return nullptr;
  return meta::find(full);
}

// Full names of our commands and the subcommands Redis lists under them.
std::vector<std::string> all_names(Context& ctx) {
  std::vector<std::string> names;
  for (const CommandSpec* c : sorted_commands(ctx)) {
    names.push_back(c->name);
    for (const meta::CommandMeta* s : meta::subcommands(c->name)) names.emplace_back(s->name);
  }
  return names;
}

std::vector<std::string_view> categories_of(Context& ctx, std::string_view full_name) {
  std::vector<std::string_view> out;
  if (const meta::CommandMeta* m = meta::find(full_name)) {
    for (std::string_view c : meta::words(m->acl)) out.push_back(c.substr(1));
    return out;
  }
  static thread_local std::vector<std::string> derived;
  const CommandSpec* c = ctx.server.commands().find(full_name);
  if (c == nullptr) return out;
  derived = derived_categories(*c);
  for (const std::string& d : derived) out.push_back(std::string_view(d).substr(1));
  return out;
}

void command_list(Context& ctx) {
  std::string_view type, arg;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (util::iequals(ctx.arg(i), "filterby") && ctx.argc() - 1 - i == 2) {
      type = ctx.arg(i + 1);
      if (!util::iequals(type, "module") && !util::iequals(type, "aclcat") && !util::iequals(type, "pattern"))
        return ctx.syntax_error();
      arg = ctx.arg(i + 2);
      i += 2;
    } else {
      return ctx.syntax_error();
    }
  }
  std::vector<std::string> names;
  for (std::string& n : all_names(ctx)) {
    if (util::iequals(type, "module")) continue;  // no modules here
    if (util::iequals(type, "pattern") && !util::glob_match(arg, n, true)) continue;
    if (util::iequals(type, "aclcat")) {
      bool hit = false;
      for (std::string_view cat : categories_of(ctx, n)) hit |= util::iequals(cat, arg);
      if (!hit) continue;
    }
    names.push_back(std::move(n));
  }
  ctx.out.array_header(names.size());
  for (const std::string& n : names) ctx.out.bulk(n);
}

void command_getkeys(Context& ctx, bool with_flags) {
  std::vector<std::string_view> argv(ctx.args.begin() + 2, ctx.args.end());
  const CommandSpec* c = ctx.server.commands().find(argv[0]);
  const meta::CommandMeta* m = c ? meta::find(c->name) : nullptr;
  if (c != nullptr && argv.size() > 1 && !meta::subcommands(c->name).empty()) {
    m = meta::find(c->name + "|" + util::to_lower(argv[1]));
    if (m == nullptr) c = nullptr;
  }
  if (c == nullptr) return ctx.out.error("ERR Invalid command specified");
  if (m == nullptr) {
    // Not a Redis command: only our table's key range is known.
    if (c->first_key <= 0) return ctx.out.error("ERR The command has no key arguments");
    if (!c->arity_ok(argv.size()))
      return ctx.out.error("ERR Invalid number of arguments specified for command");
    int64_t last = c->last_key < 0 ? static_cast<int64_t>(argv.size()) + c->last_key : c->last_key;
    std::vector<std::string_view> keys;
    for (int64_t i = c->first_key; i <= last && i < static_cast<int64_t>(argv.size());
         i += std::max(1, c->key_step))
      keys.push_back(argv[static_cast<size_t>(i)]);
    ctx.out.array_header(keys.size());
    for (std::string_view k : keys) ctx.out.bulk(k);
    return;
  }
  if (!meta::has_keys(*m)) return ctx.out.error("ERR The command has no key arguments");
  bool arity_ok = m->arity > 0 ? argv.size() == static_cast<size_t>(m->arity)
                               : argv.size() >= static_cast<size_t>(-m->arity);
  if (!arity_ok) return ctx.out.error("ERR Invalid number of arguments specified for command");
  auto keys = meta::keys_of(*m, argv);
  if (!keys || keys->empty()) {
    bool optional = false;
    for (std::string_view f : meta::words(m->flags)) optional |= f == "no_mandatory_keys";
    if (optional) return ctx.out.array_header(0);
    return ctx.out.error("ERR Invalid arguments specified for command");
  }
  ctx.out.array_header(keys->size());
  for (const meta::KeyRef& k : *keys) {
    if (!with_flags) {
      ctx.out.bulk(argv[k.pos]);
      continue;
    }
    ctx.out.array_header(2);
    ctx.out.bulk(argv[k.pos]);
    std::vector<std::string_view> flags = meta::words(k.flags.c_str());
    status_set(ctx.out, flags);
  }
}

void reply_docs(resp::Writer& out, const meta::CommandMeta* m) {
  if (m != nullptr && docs::reply(out, m->name)) return;
  // Without Redis' text: only the short facts, when the command appeared and its group.
  std::vector<const meta::CommandMeta*> subs =
      m ? meta::subcommands(m->name) : std::vector<const meta::CommandMeta*>{};
  bool since = m && m->since[0] != '\0';
  out.map_header(1 + (since ? 1 : 0) + (subs.empty() ? 0 : 1));
  if (since) {
    out.bulk("since");
    out.bulk(m->since);
  }
  out.bulk("group");
  out.bulk(m && m->group[0] ? m->group : "server");
  if (subs.empty()) return;
  out.bulk("subcommands");
  out.map_header(subs.size());
  for (const meta::CommandMeta* s : subs) {
    out.bulk(s->name);
    reply_docs(out, s);
  }
}

void command_docs(Context& ctx) {
  std::vector<std::pair<std::string, const meta::CommandMeta*>> found;
  if (ctx.argc() == 2) {
    for (const CommandSpec* c : sorted_commands(ctx)) found.emplace_back(c->name, meta::find(c->name));
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      if (const CommandSpec* c = ctx.server.commands().find(ctx.arg(i)))
        found.emplace_back(c->name, meta::find(c->name));
      else if (const meta::CommandMeta* s = find_subcommand(ctx, ctx.arg(i)))
        found.emplace_back(s->name, s);
    }
  }
  ctx.out.map_header(found.size());
  for (const auto& [name, m] : found) {
    ctx.out.bulk(name);
    reply_docs(ctx.out, m);
  }
}

void cmd_command(Context& ctx) {
  CommandTable& table = ctx.server.commands();
  size_t n = ctx.argc();
  if (n == 1) {
    auto all = sorted_commands(ctx);
    ctx.out.array_header(all.size());
    for (const CommandSpec* c : all) reply_command_info(ctx, *c);
    return;
  }
  std::string_view sub = ctx.arg(1);
  struct Sub {
    const char* name;
    int arity;
  };
  static const Sub kSubs[] = {{"count", 2},    {"list", -2}, {"info", -2},           {"docs", -2},
                              {"getkeys", -4}, {"help", 2},  {"getkeysandflags", -4}};
  const Sub* found = nullptr;
  for (const Sub& s : kSubs)
    if (util::iequals(sub, s.name)) found = &s;
  if (found == nullptr) return ctx.out.error(unknown_subcommand_error(sub, "command"));
  if (found->arity > 0 ? n != static_cast<size_t>(found->arity) : n < static_cast<size_t>(-found->arity))
    return ctx.out.error(wrong_sub_arity_error("command", sub));
  std::string_view name = found->name;
  if (name == "count") return ctx.out.integer(static_cast<int64_t>(table.size()));
  if (name == "list") return command_list(ctx);
  if (name == "docs") return command_docs(ctx);
  if (name == "getkeys") return command_getkeys(ctx, false);
  if (name == "getkeysandflags") return command_getkeys(ctx, true);
  if (name == "info") {
    if (n == 2) {
      auto all = sorted_commands(ctx);
      ctx.out.array_header(all.size());
      for (const CommandSpec* c : all) reply_command_info(ctx, *c);
      return;
    }
    ctx.out.array_header(n - 2);
    for (size_t i = 2; i < n; ++i) {
      if (const CommandSpec* c = table.find(ctx.arg(i)))
        reply_command_info(ctx, *c);
      else if (const meta::CommandMeta* s = find_subcommand(ctx, ctx.arg(i)))
        reply_meta_info(ctx.out, *s);
      else
        ctx.out.null();
    }
    return;
  }
  reply_help(
      ctx.out, "command",
      {"(no subcommand)", "    Return details about all Redis commands.", "COUNT",
       "    Return the total number of commands in this Redis server.", "LIST",
       "    Return a list of all commands in this Redis server.", "INFO [<command-name> ...]",
       "    Return details about multiple Redis commands.",
       "    If no command names are given, documentation details for all", "    commands are returned.",
       "DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.",
       "    If no command names are given, documentation details for all", "    commands are returned.",
       "GETKEYS <full-command>", "    Return the keys from a full Redis command.",
       "GETKEYSANDFLAGS <full-command>",
       "    Return the keys and the access flags from a full Redis command."});
}

}  // namespace

void register_introspection_commands(CommandTable& t) {
  t.add("command", -1, kLoading | kStale | kSubcommands, cmd_command);
}

}  // namespace datanode
