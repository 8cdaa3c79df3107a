// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD|EXISTS|FLUSH|KILL|HELP.
#include "common/command/help.h"
#include "common/util/strings.h"
#include "datanode/scripting/scripting.h"

namespace datanode {
namespace {

using namespace command;

void eval_generic(Context& ctx, bool by_sha, bool ro) {
  Scripting& s = scripting_of(ctx.server);
  std::optional<int64_t> parsed = util::parse_int(ctx.arg(2));
  if (!parsed) return ctx.not_integer();
  int64_t numkeys = *parsed;
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 3)
    return ctx.out.error("ERR Number of keys can't be greater than number of args");
  if (numkeys < 0) return ctx.out.error("ERR Number of keys can't be negative");
  ScriptRun run;
  const Scripting::Script* script = nullptr;
  if (by_sha) {
    if (ctx.arg(1).size() == 40) script = s.find_script(ctx.arg(1));
    if (script == nullptr) return ctx.out.error("NOSCRIPT No matching script. Please use EVAL.");
    run.funcname = ctx.arg(1);
    for (char& c : run.funcname) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  } else {
    std::string err;
    if (!s.create_script(ctx.arg(1), run.funcname, err)) return ctx.out.error(err);
    script = s.find_script(run.funcname);
  }
  std::string refusal = s.prepare_run(script->flags, ro, ctx, run);
  if (!refusal.empty()) return ctx.out.error(refusal);
  run.eval_mode = true;
  LuaEngine& engine = s.eval_engine();
  auto all = std::span<const std::string_view>(ctx.args);
  size_t nkeys = static_cast<size_t>(numkeys);
  engine.set_eval_globals(all.subspan(3, nkeys), all.subspan(3 + nkeys));
  lua_rawgeti(engine.state(), LUA_REGISTRYINDEX, script->ref);
  s.execute(engine, run, 0, ctx);
}

void cmd_eval(Context& ctx) { eval_generic(ctx, false, false); }
void cmd_evalsha(Context& ctx) { eval_generic(ctx, true, false); }
void cmd_eval_ro(Context& ctx) { eval_generic(ctx, false, true); }
void cmd_evalsha_ro(Context& ctx) { eval_generic(ctx, true, true); }

void cmd_script(Context& ctx) {
  Scripting& s = scripting_of(ctx.server);
  std::string_view sub = ctx.arg(1);
  size_t argc = ctx.argc();
  // Redis' arity of each subcommand (negative: at least).
  static const std::pair<const char*, int> arities[] = {{"help", 2}, {"flush", -2}, {"exists", -3},
                                                        {"load", 3}, {"kill", 2},   {"debug", 3}};
  for (const auto& [name, arity] : arities) {
    if (!util::iequals(sub, name)) continue;
    bool ok = arity > 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
    if (!ok) return ctx.out.error(wrong_sub_arity_error("script", sub));
  }
  if (argc == 2 && util::iequals(sub, "help")) {
    return reply_help(
        ctx.out, "script",
        {"DEBUG (YES|SYNC|NO)", "    Set the debug mode for subsequent scripts executed.",
         "EXISTS <sha1> [<sha1> ...]",
         "    Return information about the existence of the scripts in the script cache.",
         "FLUSH [ASYNC|SYNC]", "    Flush the Lua scripts cache. Very dangerous on replicas.",
         "    When called without the optional mode argument, the behavior is determined by the",
         "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
         "    * ASYNC: Asynchronously flush the scripts cache.",
         "    * SYNC: Synchronously flush the scripts cache.", "KILL",
         "    Kill the currently executing Lua script.", "LOAD <script>",
         "    Load a script into the scripts cache without executing it."});
  }
  if (util::iequals(sub, "flush")) {
    if (argc > 3 || (argc == 3 && !util::iequals(ctx.arg(2), "sync") && !util::iequals(ctx.arg(2), "async")))
      return ctx.out.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    s.flush_scripts();
    return ctx.out.ok();
  }
  if (util::iequals(sub, "exists") && argc >= 3) {
    ctx.out.array_header(argc - 2);
    for (size_t i = 2; i < argc; ++i) ctx.out.integer(s.find_script(ctx.arg(i)) ? 1 : 0);
    return;
  }
  if (util::iequals(sub, "load") && argc == 3) {
    std::string sha, err;
    if (!s.create_script(ctx.arg(2), sha, err)) return ctx.out.error(err);
    return ctx.out.bulk(sha);
  }
  if (util::iequals(sub, "kill") && argc == 2) {
    std::string err = s.kill(true);
    if (!err.empty()) return ctx.out.error(err);
    return ctx.out.ok();
  }
  if (util::iequals(sub, "debug") && argc == 3) {
    // The Lua debugger (LDB) is not offered; NO is what every client already has.
    if (util::iequals(ctx.arg(2), "no")) return ctx.out.ok();
    if (util::iequals(ctx.arg(2), "yes") || util::iequals(ctx.arg(2), "sync"))
      return ctx.out.error("ERR SCRIPT DEBUG is not supported by this server");
    return ctx.out.error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
  }
  ctx.out.error(unknown_subcommand_error(sub, "script"));
}

}  // namespace

void register_scripting_commands(CommandTable& t) {
  // No kWrite: a script's writes are the commands it runs, each propagated on its own (EVAL never is).
  t.add("eval", -3, kStale | kSkipMonitor, cmd_eval);
  t.add("evalsha", -3, kStale | kSkipMonitor, cmd_evalsha);
  t.add("eval_ro", -3, kReadOnly | kStale | kSkipMonitor, cmd_eval_ro);
  t.add("evalsha_ro", -3, kReadOnly | kStale | kSkipMonitor, cmd_evalsha_ro);
  t.add("script", -2, kSubcommands, cmd_script);
}

}  // namespace datanode
