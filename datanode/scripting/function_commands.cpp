// FCALL, FCALL_RO and FUNCTION LOAD|DELETE|FLUSH|LIST|STATS|KILL|DUMP|RESTORE|HELP.
#include "common/command/help.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "datanode/scripting/functions.h"
#include "datanode/scripting/scripting.h"

namespace datanode {
namespace {

using namespace command;

void fcall_generic(Context& ctx, bool ro) {
  Scripting& s = scripting_of(ctx.server);
  Functions& fns = s.functions();
  const FunctionDef* fn = fns.find(ctx.arg(1));
  if (fn == nullptr) return ctx.out.error("ERR Function not found");
  std::optional<int64_t> numkeys = util::parse_int(ctx.arg(2));
  if (!numkeys) return ctx.out.error("ERR Bad number of keys provided");
  if (*numkeys > static_cast<int64_t>(ctx.argc()) - 3)
    return ctx.out.error("ERR Number of keys can't be greater than number of args");
  if (*numkeys < 0) return ctx.out.error("ERR Number of keys can't be negative");
  ScriptRun run;
  std::string refusal = s.prepare_run(fn->flags, ro, ctx, run);
  if (!refusal.empty()) return ctx.out.error(refusal);
  run.funcname = fn->name;
  run.eval_mode = false;
  LuaEngine& engine = fns.engine();
  lua_State* L = engine.state();
  lua_rawgeti(L, LUA_REGISTRYINDEX, fn->ref);
  size_t nkeys = static_cast<size_t>(*numkeys);
  engine.push_array(std::span<const std::string_view>(ctx.args).subspan(3, nkeys));
  engine.push_array(std::span<const std::string_view>(ctx.args).subspan(3 + nkeys));
  s.execute(engine, run, 2, ctx);
}

void cmd_fcall(Context& ctx) { fcall_generic(ctx, false); }
void cmd_fcall_ro(Context& ctx) { fcall_generic(ctx, true); }

void flags_reply(resp::Writer& out, uint32_t flags) {
  static const std::pair<uint32_t, const char*> names[] = {{kScriptNoWrites, "no-writes"},
                                                           {kScriptAllowOom, "allow-oom"},
                                                           {kScriptAllowStale, "allow-stale"},
                                                           {kScriptNoCluster, "no-cluster"},
                                                           {kScriptAllowCrossSlot, "allow-cross-slot-keys"}};
  size_t n = 0;
  for (const auto& [bit, name] : names) n += (flags & bit) ? 1 : 0;
  out.set_header(n);
  for (const auto& [bit, name] : names)
    if (flags & bit) out.simple(name);
}

void function_list(Context& ctx) {
  Functions& fns = scripting_of(ctx.server).functions();
  bool with_code = false;
  std::string pattern;
  bool has_pattern = false;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (!with_code && util::iequals(ctx.arg(i), "withcode")) {
      with_code = true;
    } else if (!has_pattern && util::iequals(ctx.arg(i), "libraryname")) {
      if (i + 1 >= ctx.argc()) return ctx.out.error("ERR library name argument was not given");
      pattern = std::string(ctx.arg(++i));
      has_pattern = true;
    } else {
      return ctx.out.error("ERR Unknown argument " + std::string(ctx.arg(i)));
    }
  }
  std::vector<const Library*> libs;
  for (const auto& [name, lib] : fns.libraries())
    if (!has_pattern || util::glob_match(pattern, name)) libs.push_back(&lib);
  ctx.out.array_header(libs.size());
  for (const Library* lib : libs) {
    ctx.out.map_header(with_code ? 4 : 3);
    ctx.out.bulk("library_name");
    ctx.out.bulk(lib->name);
    ctx.out.bulk("engine");
    ctx.out.bulk("LUA");
    ctx.out.bulk("functions");
    ctx.out.array_header(lib->functions.size());
    for (const std::string& fname : lib->functions) {
      const FunctionDef* f = fns.find(fname);
      ctx.out.map_header(3);
      ctx.out.bulk("name");
      ctx.out.bulk(f->name);
      ctx.out.bulk("description");
      if (f->has_description)
        ctx.out.bulk(f->description);
      else
        ctx.out.null();
      ctx.out.bulk("flags");
      flags_reply(ctx.out, f->flags);
    }
    if (with_code) {
      ctx.out.bulk("library_code");
      ctx.out.bulk(lib->code);
    }
  }
}

void function_stats(Context& ctx) {
  Scripting& s = scripting_of(ctx.server);
  ctx.out.map_header(2);
  ctx.out.bulk("running_script");
  const ScriptRun* run = s.current();
  if (run == nullptr || run->eval_mode) {
    ctx.out.null();
  } else {
    ctx.out.map_header(3);
    ctx.out.bulk("name");
    ctx.out.bulk(run->funcname);
    ctx.out.bulk("command");
    ctx.out.array_header(0);  // the caller's argv is not kept past its parse; Redis shows it
    ctx.out.bulk("duration_ms");
    ctx.out.integer(util::mono_ms() - run->start_ms);
  }
  ctx.out.bulk("engines");
  ctx.out.map_header(1);
  ctx.out.bulk("LUA");
  ctx.out.map_header(2);
  ctx.out.bulk("libraries_count");
  ctx.out.integer(static_cast<int64_t>(s.functions().libraries().size()));
  ctx.out.bulk("functions_count");
  ctx.out.integer(static_cast<int64_t>(s.functions().function_count()));
}

void cmd_function(Context& ctx) {
  Scripting& s = scripting_of(ctx.server);
  Functions& fns = s.functions();
  std::string_view sub = ctx.arg(1);
  size_t argc = ctx.argc();
  auto arity = [&] { ctx.out.error(wrong_sub_arity_error("function", sub)); };
  if (util::iequals(sub, "help")) {
    if (argc != 2) return arity();
    return reply_help(
        ctx.out, "function",
        {"LOAD [REPLACE] <FUNCTION CODE>",
         "    Create a new library with the given library name and code.",
         "DELETE <LIBRARY NAME>",
         "    Delete the given library.",
         "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
         "    Return general information on all the libraries:",
         "    * Library name",
         "    * The engine used to run the Library",
         "    * Library description",
         "    * Functions list",
         "    * Library code (if WITHCODE is given)",
         "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
         "STATS",
         "    Return information about the current function running:",
         "    * Function name",
         "    * Command used to run the function",
         "    * Duration in MS that the function is running",
         "    If no function is running, return nil",
         "    In addition, returns a list of available engines.",
         "KILL",
         "    Kill the current running function.",
         "FLUSH [ASYNC|SYNC]",
         "    Delete all the libraries.",
         "    When called without the optional mode argument, the behavior is determined by the",
         "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
         "    * ASYNC: Asynchronously flush the libraries.",
         "    * SYNC: Synchronously flush the libraries.",
         "DUMP",
         "    Return a serialized payload representing the current libraries, can be restored using FUNCTION "
         "RESTORE command",
         "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
         "    Restore the libraries represented by the given payload, it is possible to give a restore "
         "policy to",
         "    control how to handle existing libraries (default APPEND):",
         "    * FLUSH: delete all existing libraries.",
         "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
         "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the "
         "old",
         "      libraries with the new libraries (notice that even on this option there is a chance of "
         "failure",
         "      in case of functions name collision with another library)."});
  }
  if (util::iequals(sub, "load")) {
    if (argc < 3) return arity();
    bool replace = false;
    size_t i = 2;
    for (; i + 1 < argc; ++i) {
      if (util::iequals(ctx.arg(i), "replace"))
        replace = true;
      else
        return ctx.out.error("ERR Unknown option given: " + std::string(ctx.arg(i)));
    }
    if (i >= argc) return ctx.out.error("ERR Function code is missing");
    std::string name, err;
    if (!fns.load(ctx.arg(i), replace, name, err)) return ctx.out.error(err);
    ctx.changed();
    return ctx.out.bulk(name);
  }
  if (util::iequals(sub, "delete")) {
    if (argc != 3) return arity();
    if (!fns.remove(ctx.arg(2))) return ctx.out.error("ERR Library not found");
    ctx.changed();
    return ctx.out.ok();
  }
  if (util::iequals(sub, "flush")) {
    if (argc > 3 || (argc == 3 && !util::iequals(ctx.arg(2), "sync") && !util::iequals(ctx.arg(2), "async")))
      return ctx.out.error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    fns.flush();
    ctx.changed();
    return ctx.out.ok();
  }
  if (util::iequals(sub, "list")) return function_list(ctx);
  if (util::iequals(sub, "stats")) {
    if (argc != 2) return arity();
    return function_stats(ctx);
  }
  if (util::iequals(sub, "kill")) {
    if (argc != 2) return arity();
    std::string err = s.kill(false);
    if (!err.empty()) return ctx.out.error(err);
    return ctx.out.ok();
  }
  if (util::iequals(sub, "dump")) {
    if (argc != 2) return arity();
    return ctx.out.bulk(fns.dump());
  }
  if (util::iequals(sub, "restore")) {
    if (argc < 3 || argc > 4) return arity();
    std::string_view policy = argc == 4 ? ctx.arg(3) : std::string_view("append");
    if (!util::iequals(policy, "flush") && !util::iequals(policy, "append") &&
        !util::iequals(policy, "replace"))
      return ctx.out.error(
          "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
    std::string err;
    if (!fns.restore(ctx.arg(2), policy, err)) return ctx.out.error(err);
    ctx.changed();
    return ctx.out.ok();
  }
  ctx.out.error(unknown_subcommand_error(sub, "function"));
}

}  // namespace

void register_function_commands(CommandTable& t) {
  t.add("fcall", -3, kStale | kSkipMonitor, cmd_fcall);
  t.add("fcall_ro", -3, kReadOnly | kStale | kSkipMonitor, cmd_fcall_ro);
  // May replicate: LOAD/DELETE/FLUSH/RESTORE reach the AOF and replicas as they are (read-only subcommands
  // call no changed()).
  t.add("function", -2, kMayReplicate | kSubcommands, cmd_function);
}

}  // namespace datanode
