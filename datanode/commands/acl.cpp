// ACL and its subcommands, with Redis 7.0's replies and error texts.
#include "common/acl/replies.h"
#include "common/command/help.h"
#include "common/util/clock.h"
#include "datanode/acl/acl_state.h"
#include "datanode/commands/command_meta.h"
#include "datanode/commands/families.h"

namespace datanode {
namespace {

using namespace command;

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

void acl_genpass(Context& ctx) {
  int64_t bits = 256;
  if (ctx.argc() == 3) {
    auto v = util::parse_int(ctx.arg(2));
    if (!v) return ctx.not_integer();
    bits = *v;
  }
  if (bits <= 0 || bits > 4096) return ctx.out.error(acl::kGenpassRangeError);
  ctx.out.bulk(acl::generate_password(bits));
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
  acl::write_log(ctx.out, state.registry(), count, util::unix_ms());
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
  if (sub == "getuser") {
    const acl::User* u = state.registry().find(ctx.arg(2));
    if (u == nullptr) return ctx.out.null();
    return acl::write_getuser(ctx.out, *u, state.catalog());
  }
  if (sub == "list" || sub == "users") return acl::write_list(ctx.out, state.registry(), sub == "users");
  if (sub == "whoami") return ctx.out.bulk(ctx.client.user);
  if (sub == "load" || sub == "save") {
    if (state.settings().aclfile.empty()) return ctx.out.error(acl::kNoAclFileError);
    if (sub == "save") return state.save_file() ? ctx.out.ok() : ctx.out.error(acl::kSaveError);
    std::string err = state.load_file(&ctx.client);
    return err.empty() ? ctx.out.ok() : ctx.out.error("ERR " + err);
  }
  // These take one optional argument; more falls to Redis' generic syntax error.
  if (ctx.argc() > 3 && (sub == "cat" || sub == "genpass" || sub == "log"))
    return ctx.out.error("ERR unknown subcommand or wrong number of arguments for '" +
                         std::string(ctx.arg(1).substr(0, 128)) + "'. Try ACL HELP.");
  if (sub == "cat") {
    if (!acl::write_cat(ctx.out, state.catalog(), ctx.argc() == 3 ? ctx.arg(2) : "", ctx.argc() == 2))
      ctx.out.error("ERR Unknown category '" + std::string(ctx.arg(2).substr(0, 128)) + "'");
    return;
  }
  if (sub == "genpass") return acl_genpass(ctx);
  if (sub == "log") return acl_log(ctx, state);
  if (sub == "dryrun") return acl_dryrun(ctx, state);
  if (sub == "help") return acl::write_help(ctx.out);
  ctx.out.error(unknown_subcommand_error(ctx.arg(1), "acl"));
}

}  // namespace

void register_acl_commands(CommandTable& t) {
  t.add("acl", -2, kLoading | kStale | kSubcommands | kSkipMonitor, cmd_acl);
}

}  // namespace datanode
