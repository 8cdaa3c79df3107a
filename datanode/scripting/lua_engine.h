// One sandboxed Lua 5.1 state as Redis 7.0 gives scripts: the allowed libraries (string, table, math,
// cjson, bit, struct, cmsgpack), the redis.* API, read-only globals and library tables, a deterministic
// math.random, and the error handler that gives errors their @user_script:N position.
#pragma once

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace datanode {

class Server;
struct Client;

// What the redis.* API needs while one script (EVAL body or FCALL function) runs.
struct ScriptRun {
  Server* server = nullptr;
  Client* caller = nullptr;
  Client* script_client = nullptr;
  std::string funcname;  // the SHA for EVAL, the function name for FCALL
  bool eval_mode = true;
  bool read_only = false;
  bool allow_cross_slot = true;
  bool allow_oom = false;     // allow-oom: deny-oom commands run even when the run began out of memory
  bool oom_at_start = false;  // over maxmemory when the command began (Redis' pre_command_oom_state)
  int slot = -1;  // cluster mode: the slot the script's keys hash to (declared keys, else the first used)
  bool wrote = false;   // a write command ran: SCRIPT KILL can no longer stop it
  bool killed = false;  // SCRIPT KILL / FUNCTION KILL asked it to stop
  bool timed_out = false;
  int resp = 2;  // redis.setresp
  int64_t start_ms = 0;
};

// What the engine asks of the server side (Scripting in the datanode, a stub in the fuzz target).
class ScriptHost {
 public:
  virtual ~ScriptHost() = default;
  // redis.call: false with `err` for a refusal, true with the reply bytes (which may be an error).
  virtual bool call_command(ScriptRun& run, const std::vector<std::string_view>& argv, std::string& reply,
                            std::string& err) = 0;
  // Every 100000 instructions: true when the script must stop.
  virtual bool on_hook() = 0;
  virtual void set_propagation_targets(bool aof, bool replicas) = 0;
  virtual bool command_exists(std::string_view name) = 0;
  // redis.acl_check_cmd: -1 when no such command (or subcommand), 0 when the caller's user may not run
  // this line (command, keys or channels), 1 when it may. The default knows no users: all are allowed.
  virtual int acl_check(ScriptRun& run, const std::vector<std::string_view>& argv) {
    (void)run;
    return command_exists(argv[0]) ? 1 : -1;
  }
};

class LuaEngine {
 public:
  // `function_mode`: the state of FUNCTION libraries (no KEYS/ARGV globals, redis.register_function
  // while loading). `memory_limit` (bytes, 0: none) bounds the state's allocations.
  LuaEngine(ScriptHost& owner, bool function_mode, size_t memory_limit = 0);
  ~LuaEngine();
  LuaEngine(const LuaEngine&) = delete;
  LuaEngine& operator=(const LuaEngine&) = delete;

  lua_State* state() { return L_; }
  // redis.call's argument views and reply buffer, reused from call to call (a script calls no script).
  std::vector<std::string_view>& call_args() { return call_args_; }
  std::string& call_reply() { return call_reply_; }
  ScriptHost& owner() { return owner_; }
  ScriptRun* run() { return run_; }

  // Calls the function on top of the stack (below it: `nargs` arguments) under the error handler, with
  // `run` current, and writes its result or error to `out` in the caller's protocol. Pops the function
  // and its arguments.
  void call(ScriptRun& run, int nargs, std::string& out, int caller_resp);
  // Globals KEYS and ARGV for an EVAL body (read-only to the script).
  void set_eval_globals(std::span<const std::string_view> keys, std::span<const std::string_view> argv);
  void set_eval_globals(const std::vector<std::string_view>& keys,
                        const std::vector<std::string_view>& argv) {
    set_eval_globals(std::span<const std::string_view>(keys), std::span<const std::string_view>(argv));
  }
  // FUNCTION LOAD: globals are the library API (register_function, log) while a library body runs.
  void use_library_api(bool on);
  // Pushes a Lua array of strings.
  void push_array(std::span<const std::string_view> items);

  // The deterministic math.random state (drand48's LCG, as Redis uses everywhere).
  int32_t rand48();
  void srand48(int32_t seed);

  // Set while a library's body runs (FUNCTION LOAD): redis.register_function adds to it.
  void* loading_library = nullptr;

 private:
  void open_libraries();
  void install_redis_api();
  void protect_globals();

  static void* allocate(void* ud, void* ptr, size_t old_size, size_t new_size);

  ScriptHost& owner_;
  size_t memory_limit_ = 0;
  std::vector<std::string_view> call_args_;
  std::string call_reply_;
  size_t memory_used_ = 0;
  lua_State* L_;
  ScriptRun* run_ = nullptr;
  bool function_mode_;
  uint64_t rand_state_ = 0x1234ABCD330EULL;
  int gc_countdown_ = 0;
};

// The engine whose C callbacks run now (stored in the state's registry).
LuaEngine& engine_of(lua_State* L);

// Conversions between RESP replies and Lua values (lua_convert.cpp).
// Pushes one reply (as the dispatcher wrote it) as Redis gives it to scripts; returns bytes consumed.
size_t push_reply(lua_State* L, std::string_view reply);
// Pops the value on top of the stack and writes it as a reply.
void write_lua_value(lua_State* L, std::string& out, int out_protocol, int script_resp);
// Pushes {err="CODE msg"} as Redis' luaPushError does ("-CODE msg" keeps its code, "msg" gets ERR).
void push_error_table(lua_State* L, std::string_view error);

// Libraries written for the sandbox (no Debian package provides them for an embedded 5.1 state).
int open_struct(lua_State* L);
int open_cmsgpack(lua_State* L);

}  // namespace datanode
