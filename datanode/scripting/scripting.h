// The datanode's scripting subsystem: the EVAL script cache and its Lua state, the FUNCTION libraries
// and theirs, the script running now (busy-reply-threshold, SCRIPT KILL / FUNCTION KILL), and the one
// path a script's redis.call takes into the dispatcher.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/string_map.h"
#include "datanode/scripting/lua_engine.h"
#include "datanode/server/server.h"

namespace datanode {

class Functions;

// Shebang and register_function flags (Redis' SCRIPT_FLAG_*).
enum ScriptFlag : uint32_t {
  kScriptNoWrites = 1u << 0,
  kScriptAllowOom = 1u << 1,
  kScriptAllowStale = 1u << 2,
  kScriptNoCluster = 1u << 3,
  kScriptAllowCrossSlot = 1u << 4,
  kScriptEvalCompat = 1u << 5,  // an EVAL body without a shebang: Redis 6 rules
};

// "no-writes" ... -> flag; 0 when unknown.
uint32_t script_flag_named(std::string_view name);

class Scripting : public ScriptHost {
 public:
  explicit Scripting(Server& server);
  ~Scripting() override;

  Server& server() { return server_; }

  // --- EVAL scripts ---
  struct Script {
    std::string body;
    uint32_t flags = 0;
    int ref = LUA_NOREF;  // the compiled body, in the EVAL state's registry
  };
  LuaEngine& eval_engine() { return *eval_; }
  // By SHA in any case (EVALSHA accepts upper case).
  const Script* find_script(std::string_view sha) const;
  // Compiles a body unless cached: its SHA, or false with the error reply text.
  bool create_script(std::string_view body, std::string& sha, std::string& error);
  // SCRIPT FLUSH: a fresh Lua state and an empty cache.
  void flush_scripts();
  size_t script_count() const { return scripts_.size(); }
  int64_t script_bodies_bytes() const { return script_bodies_bytes_; }

  Functions& functions() { return *functions_; }

  // --- The running script ---
  bool running() const { return current_ != nullptr; }
  // Past busy-reply-threshold: other clients get -BUSY.
  bool busy() const { return current_ != nullptr && current_->timed_out; }
  const ScriptRun* current() const { return current_; }
  // "" when `cmd` may run while a script is busy, else the -BUSY error.
  std::string busy_refusal(const CommandSpec& cmd, const Args& args) const;
  // SCRIPT KILL (eval = true) / FUNCTION KILL: "" (+OK) or the error.
  std::string kill(bool eval);

  // Runs `run`'s function (on top of `engine`'s stack with `nargs` arguments) and writes its reply.
  void execute(LuaEngine& engine, ScriptRun& run, int nargs, Context& ctx);
  // Checks before a run by the script's flags (no-cluster, stale replica, read-only replica, *_RO with
  // writes, out of memory), as Redis' scriptPrepareForRun; "" or the error. Fills `run`'s run flags.
  std::string prepare_run(uint32_t flags, bool ro_command, Context& ctx, ScriptRun& run) const;
  // A script's first write meets the dispatcher's write guards (-READONLY, -MISCONF, -NOREPLICAS); once
  // it wrote, or when its caller is our master or the AOF, nothing may stop it halfway.
  bool first_write_pending() const {
    return current_ != nullptr && !current_->wrote && !obeyed(*current_->caller);
  }
  // The master link and the AOF loader: their scripts are never refused (Redis' mustObeyClient).
  static bool obeyed(const Client& c) { return c.has(kClientMaster) || c.conn == nullptr; }

  // The fake client scripts run commands through, and the caller of a busy script (its input waits).
  bool is_script_client(const Client& c) const { return &c == &script_client_; }
  bool protects(const Client& c) const {
    return current_ != nullptr && current_->timed_out && current_->caller == &c;
  }
  // SHUTDOWN NOSAVE arrived while the script was busy.
  void abort_for_shutdown() { shutdown_ = true; }
  // redis.set_repl(): where the running script's writes go (the AOF sink, or the others).
  void set_propagation_targets(bool aof, bool replicas) override {
    to_aof_ = aof;
    to_replicas_ = replicas;
  }
  bool propagates_to(bool aof_sink) const { return aof_sink ? to_aof_ : to_replicas_; }

  // redis.call: runs one command for the script. False with `err` (a refusal before the command ran,
  // Redis' script texts); true with the command's reply bytes in `reply` (which may be an error).
  bool call_command(ScriptRun& run, const Args& argv, std::string& reply, std::string& err) override;
  bool command_exists(std::string_view name) override { return server_.commands().find(name) != nullptr; }
  int acl_check(ScriptRun& run, const Args& argv) override;
  // The instruction-count hook: lets the loop turn once the script is past busy-reply-threshold; true
  // when the script must stop (killed, or SHUTDOWN NOSAVE).
  bool on_hook() override;

 private:
  Server& server_;
  std::unique_ptr<LuaEngine> eval_;
  util::StringMap<Script> scripts_;
  int64_t script_bodies_bytes_ = 0;
  std::unique_ptr<Functions> functions_;
  Client script_client_;
  bool not_in_scripts(const CommandSpec& cmd, const Args& argv);
  // Redis' scriptVerify* checks of one redis.call before it runs; "" or the error.
  std::string refuse_call(ScriptRun& run, const CommandSpec& cmd, const Args& argv);

  ScriptRun* current_ = nullptr;
  std::map<const CommandSpec*, bool> noscript_;
  bool shutdown_ = false;
  bool to_aof_ = true, to_replicas_ = true;
};

// The scripting subsystem of `server` (Server::scripting()), made on first use.
Scripting& scripting_of(Server& server);
// Null while no script command ran yet.
Scripting* find_scripting(const Server& server);

// EVAL*/FCALL* take the flags their script declares for the dispatcher's guards (Redis' getCommandFlags:
// no-writes drops the write flag, allow-oom the deny-oom one, allow-stale adds stale), and FUNCTION
// LOAD/DELETE/FLUSH/RESTORE and SCRIPT LOAD the flags of their subcommand. False when `cmd`'s own flags
// apply; else `out` is `cmd` with the flags of this call.
bool declared_script_flags(Server& server, const CommandSpec& cmd, const Args& args, CommandSpec& out);

// INFO memory's scripting fields, in Redis 7.0's order (name, value).
std::vector<std::pair<std::string, std::string>> scripting_memory_info(Server& server);

// Shebang line of an EVAL body: flags and the length to skip, or false with the error text.
bool parse_shebang(std::string_view body, uint32_t& flags, size_t& skip, std::string& error);

void register_scripting_commands(CommandTable& t);  // eval.cpp
void register_function_commands(CommandTable& t);   // function_commands.cpp

}  // namespace datanode
