// ACL and its subcommands, with Redis 7.0's replies and error texts.
#include <random>

#include "common/command/help.h"
#include "common/util/clock.h"
#include "datanode/acl/acl_state.h"
#include "datanode/commands/command_meta.h"
#include "datanode/commands/families.h"

namespace datanode {
namespace {

using namespace command;

constexpr const char* kNoAclFile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the "
    "ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file "
    "set) in order to store users in the Redis configuration.";

void acl_setuser(Context& ctx, AclState& state) {
  std::string_view name = ctx.arg(2);
  if (acl::has_spaces(name)) return ctx.out.error("ERR Usernames can't contain spaces or null characters");
  std::vector<std::string_view> rules(ctx.args.begin() + 3, ctx.args.end());
  std::string err = state.registry().set_user(name, rules);
  if (!err.empty()) {
    for (char& ch : err)
      if (ch == '\r' || ch == '\n') ch = ' ';
    return ctx.out.error("ERR " + err);
  }
  state.disconnect_lost_subscribers(*state.registry().find(name), &ctx.client);
  ctx.out.ok();
}

void acl_deluser(Context& ctx, AclState& state) {
  for (size_t i = 2; i < ctx.argc(); ++i)
    if (ctx.arg(i) == "default") return ctx.out.error("ERR The 'default' user cannot be removed");
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (!state.registry().remove(ctx.arg(i))) continue;
    deleted++;
    state.disconnect_user(ctx.arg(i), &ctx.client);
  }
  ctx.out.integer(deleted);
}

void selector_fields(Context& ctx, const acl::Selector& s, const acl::Catalog& catalog) {
  ctx.out.bulk("commands");
  ctx.out.bulk(acl::describe_commands(s, catalog));
  ctx.out.bulk("keys");
  ctx.out.bulk(acl::describe_keys(s));
  ctx.out.bulk("channels");
  ctx.out.bulk(acl::describe_channels(s));
}

void acl_getuser(Context& ctx, AclState& state) {
  const acl::User* u = state.registry().find(ctx.arg(2));
  if (u == nullptr) return ctx.out.null();
  ctx.out.map_header(6);
  ctx.out.bulk("flags");
  static constexpr std::pair<uint32_t, const char*> kFlags[] = {
      {acl::kUserOn, "on"},
      {acl::kUserOff, "off"},
      {acl::kUserNoPass, "nopass"},
      {acl::kUserSkipSanitize, "skip-sanitize-payload"},
      {acl::kUserSanitize, "sanitize-payload"}};
  size_t n = 0;
  for (const auto& f : kFlags) n += (u->flags & f.first) ? 1 : 0;
  ctx.out.set_header(n);
  for (const auto& f : kFlags)
    if (u->flags & f.first) ctx.out.bulk(f.second);
  ctx.out.bulk("passwords");
  ctx.out.array_header(u->passwords.size());
  for (const std::string& p : u->passwords) ctx.out.bulk(p);
  selector_fields(ctx, u->selectors[0], state.catalog());
  ctx.out.bulk("selectors");
  ctx.out.array_header(u->selectors.size() - 1);
  for (size_t i = 1; i < u->selectors.size(); ++i) {
    ctx.out.map_header(3);
    selector_fields(ctx, u->selectors[i], state.catalog());
  }
}

void acl_list(Context& ctx, AclState& state, bool names_only) {
  const auto& users = state.registry().users();
  ctx.out.array_header(users.size());
  for (const auto& [name, u] : users) {
    if (names_only)
      ctx.out.bulk(name);
    else
      ctx.out.bulk("user " + name + " " + acl::describe_user(u, state.catalog()));
  }
}

void acl_cat(Context& ctx, AclState& state) {
  if (ctx.argc() == 2) {
    ctx.out.array_header(acl::kCategories.size());
    for (std::string_view c : acl::kCategories) ctx.out.bulk(c);
    return;
  }
  uint64_t bit = acl::category_bit(ctx.arg(2));
  if (bit == 0) return ctx.out.error("ERR Unknown category '" + std::string(ctx.arg(2).substr(0, 128)) + "'");
  const acl::Catalog& cat = state.catalog();
  std::vector<const std::string*> names;
  for (int id : cat.top_level()) {
    if (cat.at(id).categories & bit) names.push_back(&cat.at(id).fullname);
    for (int sub : cat.at(id).subcommands)
      if (cat.at(sub).categories & bit) names.push_back(&cat.at(sub).fullname);
  }
  ctx.out.array_header(names.size());
  for (const std::string* n : names) ctx.out.bulk(*n);
}

void acl_genpass(Context& ctx) {
  int64_t bits = 256;
  if (ctx.argc() == 3) {
    auto v = util::parse_int(ctx.arg(2));
    if (!v) return ctx.not_integer();
    bits = *v;
  }
  if (bits <= 0 || bits > 4096)
    return ctx.out.error(
        "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up "
        "to "
        "4096");
  std::random_device rd;
  static const char kHex[] = "0123456789abcdef";
  std::string pass(static_cast<size_t>((bits + 3) / 4), '0');
  for (char& c : pass) c = kHex[rd() % 16];
  ctx.out.bulk(pass);
}

void acl_log(Context& ctx, AclState& state) {
  int64_t count = 10;
  if (ctx.argc() == 3) {
    if (util::iequals(ctx.arg(2), "reset")) {
      state.registry().reset_log();
      return ctx.out.ok();
    }
    auto v = util::parse_int(ctx.arg(2));
    if (!v) return ctx.not_integer();
    count = std::max<int64_t>(*v, 0);
  }
  const auto& log = state.registry().log_entries();
  size_t n = std::min(static_cast<size_t>(count), log.size());
  ctx.out.array_header(n);
  int64_t now = util::unix_ms();
  static const char* kReasons[] = {"unknown", "command", "key", "auth", "channel"};
  static const char* kContexts[] = {"toplevel", "lua", "multi", "module"};
  for (size_t i = 0; i < n; ++i) {
    const acl::LogEntry& e = log[i];
    ctx.out.map_header(7);
    ctx.out.bulk("count");
    ctx.out.integer(static_cast<int64_t>(e.count));
    ctx.out.bulk("reason");
    ctx.out.bulk(kReasons[static_cast<int>(e.reason)]);
    ctx.out.bulk("context");
    ctx.out.bulk(kContexts[static_cast<int>(e.context)]);
    ctx.out.bulk("object");
    ctx.out.bulk(e.object);
    ctx.out.bulk("username");
    ctx.out.bulk(e.username);
    ctx.out.bulk("age-seconds");
    ctx.out.double_value(static_cast<double>(now - e.ctime_ms) / 1000);
    ctx.out.bulk("client-info");
    ctx.out.bulk(e.client_info);
  }
}

void acl_dryrun(Context& ctx, AclState& state) {
  const acl::User* u = state.registry().find(ctx.arg(2));
  if (u == nullptr) return ctx.out.error("ERR User '" + std::string(ctx.arg(2)) + "' not found");
  Args line(ctx.args.begin() + 3, ctx.args.end());
  int id = state.command_id(line);
  if (id < 0) return ctx.out.error("ERR Command '" + std::string(ctx.arg(3)) + "' not found");
  const std::string& fullname = state.catalog().at(id).fullname;
  const meta::CommandMeta* m = meta::find(fullname);
  if (m != nullptr) {
    auto argc = static_cast<int>(line.size());
    if ((m->arity > 0 && m->arity != argc) || argc < -m->arity)
      return ctx.out.error("ERR wrong number of arguments for '" + fullname + "' command");
  }
  acl::Denial d = state.dry_run(*u, id, line);
  if (d.verdict == acl::Verdict::kOk) return ctx.out.ok();
  ctx.out.bulk(acl::dryrun_denial(d.verdict, fullname, line[d.pos]));
}

void acl_help(Context& ctx) {
  reply_help(ctx.out, "ACL",
             {"CAT [<category>]",
              "    List all commands that belong to <category>, or all command categories",
              "    when no category is specified.",
              "DELUSER <username> [<username> ...]",
              "    Delete a list of users.",
              "DRYRUN <username> <command> [<arg> ...]",
              "    Returns whether the user can execute the given command without executing the command.",
              "GETUSER <username>",
              "    Get the user's details.",
              "GENPASS [<bits>]",
              "    Generate a secure 256-bit user password. The optional `bits` argument can",
              "    be used to specify a different size.",
              "LIST",
              "    Show users details in config file format.",
              "LOAD",
              "    Reload users from the ACL file.",
              "LOG [<count> | RESET]",
              "    Show the ACL log entries.",
              "SAVE",
              "    Save the current config to the ACL file.",
              "SETUSER <username> <attribute> [<attribute> ...]",
              "    Create or modify a user with the specified attributes.",
              "USERS",
              "    List all the registered usernames.",
              "WHOAMI",
              "    Return the current connection username."});
}

void cmd_acl(Context& ctx) {
  std::string sub = util::to_lower(ctx.arg(1));
  const meta::CommandMeta* m = meta::find("acl|" + sub);
  if (m == nullptr) return ctx.out.error(unknown_subcommand_error(ctx.arg(1), "acl"));
  auto argc = static_cast<int>(ctx.argc());
  if ((m->arity > 0 && m->arity != argc) || argc < -m->arity)
    return ctx.out.error(wrong_sub_arity_error("acl", sub));
  AclState& state = AclState::of(ctx.server);
  if (sub == "setuser") return acl_setuser(ctx, state);
  if (sub == "deluser") return acl_deluser(ctx, state);
  if (sub == "getuser") return acl_getuser(ctx, state);
  if (sub == "list") return acl_list(ctx, state, false);
  if (sub == "users") return acl_list(ctx, state, true);
  if (sub == "whoami") return ctx.out.bulk(ctx.client.user);
  if (sub == "load" || sub == "save") {
    if (state.settings().aclfile.empty()) return ctx.out.error(kNoAclFile);
    if (sub == "save") {
      if (!state.save_file())
        return ctx.out.error(
            "ERR There was an error trying to save the ACLs. Please check the server logs for more "
            "information");
      return ctx.out.ok();
    }
    std::string err = state.load_file(&ctx.client);
    return err.empty() ? ctx.out.ok() : ctx.out.error("ERR " + err);
  }
  // These take one optional argument; more falls to Redis' generic syntax error.
  if (ctx.argc() > 3 && (sub == "cat" || sub == "genpass" || sub == "log"))
    return ctx.out.error("ERR unknown subcommand or wrong number of arguments for '" +
                         std::string(ctx.arg(1).substr(0, 128)) + "'. Try ACL HELP.");
  if (sub == "cat") return acl_cat(ctx, state);
  if (sub == "genpass") return acl_genpass(ctx);
  if (sub == "log") return acl_log(ctx, state);
  if (sub == "dryrun") return acl_dryrun(ctx, state);
  if (sub == "help") return acl_help(ctx);
  ctx.out.error(unknown_subcommand_error(ctx.arg(1), "acl"));
}

}  // namespace

void register_acl_commands(CommandTable& t) {
  t.add("acl", -2, kLoading | kStale | kSubcommands | kSkipMonitor, cmd_acl);
}

}  // namespace datanode
