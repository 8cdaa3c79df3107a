// ACL on the sentinel port, as redis-sentinel 7.0.15 answers it: every subcommand the sentinel's command
// table has (SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT, LOG, DRYRUN, GENPASS, LOAD, SAVE, HELP).
#include "common/acl/replies.h"
#include "common/command/help.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "sentinel/server.h"

namespace sentinel {
namespace {

void acl_setuser(Context& ctx, SentinelAcl& acl) {
  std::string_view name = ctx.args[2];
  if (acl::has_spaces(name)) return ctx.out.error("ERR Usernames can't contain spaces or null characters");
  std::vector<std::string_view> rules(ctx.args.begin() + 3, ctx.args.end());
  std::string err = acl.registry().set_user(name, rules);
  if (!err.empty()) {
    for (char& ch : err)
      if (ch == '\r' || ch == '\n') ch = ' ';
    return ctx.out.error("ERR " + err);
  }
  acl.disconnect_lost_subscribers(*acl.registry().find(name), &ctx.client);
  ctx.out.ok();
}

void acl_deluser(Context& ctx, SentinelAcl& acl) {
  for (size_t i = 2; i < ctx.args.size(); ++i)
    if (ctx.args[i] == "default") return ctx.out.error("ERR The 'default' user cannot be removed");
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    if (!acl.registry().remove(ctx.args[i])) continue;
    ++deleted;
    acl.disconnect_user(ctx.args[i], &ctx.client);
  }
  ctx.out.integer(deleted);
}

void acl_dryrun(Context& ctx, SentinelAcl& acl) {
  const acl::User* u = acl.registry().find(ctx.args[2]);
  if (u == nullptr) return ctx.out.error("ERR User '" + ctx.arg(2) + "' not found");
  std::vector<std::string_view> line(ctx.args.begin() + 3, ctx.args.end());
  int id = acl.command_id(line);
  if (id < 0) return ctx.out.error("ERR Command '" + ctx.arg(3) + "' not found");
  const std::string& fullname = acl.catalog().at(id).fullname;
  int arity = acl.arity(id);
  auto argc = static_cast<int>(line.size());
  if ((arity > 0 && arity != argc) || argc < -arity)
    return ctx.out.error("ERR wrong number of arguments for '" + fullname + "' command");
  acl::Denial d = acl.dry_run(*u, id, line);
  if (d.verdict == acl::Verdict::kOk) return ctx.out.ok();
  ctx.out.bulk(acl::dryrun_denial(d.verdict, fullname, line[d.pos]));
}

void cmd_acl(Context& ctx) {
  SentinelAcl& acl = ctx.server.acl();
  std::string sub = util::to_lower(ctx.args[1]);
  int id = acl.command_id(ctx.args);
  if (id < 0) return ctx.out.error(command::unknown_subcommand_error(ctx.args[1], "acl"));
  int arity = acl.arity(id);
  auto argc = static_cast<int>(ctx.args.size());
  if ((arity > 0 && arity != argc) || argc < -arity)
    return ctx.out.error(command::wrong_sub_arity_error("acl", sub));
  if (sub == "setuser") return acl_setuser(ctx, acl);
  if (sub == "deluser") return acl_deluser(ctx, acl);
  if (sub == "getuser") {
    const acl::User* u = acl.registry().find(ctx.args[2]);
    if (u == nullptr) return ctx.out.null();
    return acl::write_getuser(ctx.out, *u, acl.catalog());
  }
  if (sub == "list" || sub == "users") return acl::write_list(ctx.out, acl.registry(), sub == "users");
  if (sub == "whoami") return ctx.out.bulk(ctx.client.user);
  if (sub == "load" || sub == "save") {
    if (acl.settings().aclfile.empty()) return ctx.out.error(acl::kNoAclFileError);
    if (sub == "save") return acl.save_file() ? ctx.out.ok() : ctx.out.error(acl::kSaveError);
    std::string err = acl.load_file(&ctx.client);
    return err.empty() ? ctx.out.ok() : ctx.out.error("ERR " + err);
  }
  if (sub == "dryrun") return acl_dryrun(ctx, acl);
  if (sub == "help") return acl::write_help(ctx.out);
  // CAT, GENPASS and LOG take one optional argument; more falls to Redis' generic syntax error.
  if (ctx.args.size() > 3)
    return ctx.out.error("ERR unknown subcommand or wrong number of arguments for '" +
                         std::string(ctx.args[1].substr(0, 128)) + "'. Try ACL HELP.");
  if (sub == "cat") {
    if (!acl::write_cat(ctx.out, acl.catalog(), ctx.args.size() == 3 ? ctx.args[2] : "",
                        ctx.args.size() == 2))
      ctx.out.error("ERR Unknown category '" + std::string(ctx.args[2].substr(0, 128)) + "'");
    return;
  }
  if (sub == "genpass") {
    int64_t bits = 256;
    if (ctx.args.size() == 3) {
      auto v = util::parse_int(ctx.args[2]);
      if (!v) return ctx.out.error("ERR value is not an integer or out of range");
      bits = *v;
    }
    if (bits <= 0 || bits > 4096) return ctx.out.error(acl::kGenpassRangeError);
    return ctx.out.bulk(acl::generate_password(bits));
  }
  // LOG [count | RESET]
  int64_t count = 10;
  if (ctx.args.size() == 3) {
    if (util::iequals(ctx.args[2], "reset")) {
      acl.registry().reset_log();
      return ctx.out.ok();
    }
    auto v = util::parse_int(ctx.args[2]);
    if (!v) return ctx.out.error("ERR value is not an integer or out of range");
    count = *v;
  }
  acl::write_log(ctx.out, acl.registry(), count, util::unix_ms());
}

}  // namespace

void register_acl_command(CommandTable& t) { t.add("acl", -2, 0, cmd_acl); }

}  // namespace sentinel
