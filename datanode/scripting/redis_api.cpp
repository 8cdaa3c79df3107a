// The redis.* table scripts see: call/pcall (through Scripting::call_command, the dispatcher's one path),
// the reply helpers, log, setresp, set_repl, sha1hex, the version and the debugger no-ops.
#include <string>
#include <vector>

#include "common/log/log.h"
#include "common/version/version.h"
#include "datanode/scripting/lua_engine.h"
#include "common/util/sha1.h"

namespace datanode {

int register_function(lua_State* L);  // functions.cpp

namespace {

// Raises the {err=} table on top of the stack.
int raise(lua_State* L) { return lua_error(L); }

int fail(lua_State* L, std::string_view msg) {
  push_error_table(L, msg);
  return raise(L);
}

ScriptRun* current_run(lua_State* L) { return engine_of(L).run(); }

// Redis' luaArgsToRedisArgv: strings as they are, numbers as %.17g (replaced on the stack by that
// string), anything else refused. The views point into the Lua strings, which stay on the stack until the
// command ran.
bool lua_args(lua_State* L, std::vector<std::string_view>& out) {
  int argc = lua_gettop(L);
  out.clear();
  if (argc == 0) {
    lua_settop(L, 0);
    push_error_table(L, "Please specify at least one argument for this redis lib call");
    return false;
  }
  for (int i = 1; i <= argc; ++i) {
    if (lua_type(L, i) == LUA_TNUMBER) {
      char buf[64];
      int n = snprintf(buf, sizeof buf, "%.17g", static_cast<double>(lua_tonumber(L, i)));
      lua_pushlstring(L, buf, static_cast<size_t>(n));
      lua_replace(L, i);
    }
    size_t len;
    const char* s = lua_type(L, i) == LUA_TSTRING ? lua_tolstring(L, i, &len) : nullptr;
    if (s == nullptr) {
      out.clear();
      lua_settop(L, 0);
      push_error_table(L, "Lua redis lib command arguments must be strings or integers");
      return false;
    }
    out.emplace_back(s, len);
  }
  return true;
}

// The same as owned strings, popped from the stack.
bool lua_args(lua_State* L, std::vector<std::string>& out) {
  std::vector<std::string_view> views;
  if (!lua_args(L, views)) return false;
  out.assign(views.begin(), views.end());
  lua_settop(L, 0);
  return true;
}

// Lua errors longjmp: every C++ object lives in the inner scope, gone before lua_error runs (the argument
// views and the reply buffer are the engine's, reused from call to call).
int generic_call(lua_State* L, bool raise_error) {
  ScriptRun* run = current_run(L);
  if (run == nullptr) return fail(L, "redis.call/pcall can only be called inside a script invocation");
  bool raise_now = false;
  {
    LuaEngine& engine = engine_of(L);
    std::vector<std::string_view>& argv = engine.call_args();
    if (!lua_args(L, argv)) {
      raise_now = raise_error;
    } else {
      std::string& reply = engine.call_reply();
      reply.clear();
      std::string err;
      bool ran = engine.owner().call_command(*run, argv, reply, err);
      argv.clear();
      lua_settop(L, 0);
      if (!ran) {
        push_error_table(L, err);
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "ignore_error_stats_update");
        raise_now = raise_error;
      } else {
        push_reply(L, reply);
        raise_now = raise_error && !reply.empty() && reply[0] == '-';
      }
      // A huge reply's buffer is not kept for the calls that follow.
      if (reply.capacity() > (64u << 10)) std::string().swap(reply);
    }
  }
  if (raise_now) return raise(L);
  return 1;
}

int redis_call(lua_State* L) { return generic_call(L, true); }
int redis_pcall(lua_State* L) { return generic_call(L, false); }

int redis_sha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) return fail(L, "wrong number of arguments");
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  std::string hex = util::sha1_hex(std::string_view(s ? s : "", s ? len : 0));
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}

int redis_error_reply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    push_error_table(L, "wrong number or type of arguments");
    return 1;
  }
  std::string e = lua_tostring(L, -1);
  push_error_table(L, e[0] == '-' ? e : "-" + e);
  return 1;
}

int redis_status_reply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    push_error_table(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "ok");
  return 1;
}

int redis_log(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) return fail(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return fail(L, "First argument must be a number (log level).");
  int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return fail(L, "Invalid debug level.");
  std::string line;
  for (int i = 2; i <= argc; ++i) {
    size_t len;
    const char* s = lua_tolstring(L, i, &len);
    if (s == nullptr) continue;
    if (i != 2) line += ' ';
    line.append(s, len);
  }
  logx::write(static_cast<logx::Level>(level), "%s", line.c_str());
  return 0;
}

int redis_setresp(lua_State* L) {
  ScriptRun* run = current_run(L);
  if (run == nullptr) return fail(L, "redis.setresp can only be called inside a script invocation");
  if (lua_gettop(L) != 1) return fail(L, "redis.setresp() requires one argument.");
  int resp = static_cast<int>(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) return fail(L, "RESP version must be 2 or 3.");
  run->resp = resp;
  return 0;
}

constexpr int kReplAof = 1, kReplReplica = 2;

int redis_set_repl(lua_State* L) {
  ScriptRun* run = current_run(L);
  if (run == nullptr) return fail(L, "redis.set_repl can only be called inside a script invocation");
  if (lua_gettop(L) != 1) return fail(L, "redis.set_repl() requires two arguments.");
  int flags = static_cast<int>(lua_tonumber(L, -1));
  if ((flags & ~(kReplAof | kReplReplica)) != 0)
    return fail(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  engine_of(L).owner().set_propagation_targets((flags & kReplAof) != 0, (flags & kReplReplica) != 0);
  return 0;
}

int redis_acl_check_cmd(lua_State* L) {
  ScriptRun* run = current_run(L);
  if (run == nullptr) return fail(L, "redis.acl_check_cmd can only be called inside a script invocation");
  int verdict = -1;
  bool bad_args = false;
  {
    std::vector<std::string> argv;
    if (lua_args(L, argv)) {
      std::vector<std::string_view> views(argv.begin(), argv.end());
      verdict = engine_of(L).owner().acl_check(*run, views);
    } else {
      bad_args = true;
    }
  }
  if (bad_args) return raise(L);
  if (verdict < 0) return fail(L, "Invalid command passed to redis.acl_check_cmd()");
  lua_pushboolean(L, verdict);
  return 1;
}

int redis_replicate_commands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

// The debugger (SCRIPT DEBUG) is not offered: outside it Redis answers these as below.
int redis_breakpoint(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}
int redis_debug(lua_State*) { return 0; }

void set_fn(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_setfield(L, -2, name);
}
void set_num(lua_State* L, const char* name, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, name);
}

int version_num() {
  int major = 0, minor = 0, patch = 0;
  sscanf(version::kRedisVersion, "%d.%d.%d", &major, &minor, &patch);
  return (major << 16) | (minor << 8) | patch;
}

}  // namespace

void install_redis_api(lua_State* L, bool function_mode) {
  lua_newtable(L);
  set_fn(L, "call", redis_call);
  set_fn(L, "pcall", redis_pcall);
  set_fn(L, "log", redis_log);
  set_num(L, "LOG_DEBUG", 0);
  set_num(L, "LOG_VERBOSE", 1);
  set_num(L, "LOG_NOTICE", 2);
  set_num(L, "LOG_WARNING", 3);
  set_num(L, "REDIS_VERSION_NUM", version_num());
  lua_pushstring(L, version::kRedisVersion);
  lua_setfield(L, -2, "REDIS_VERSION");
  set_fn(L, "setresp", redis_setresp);
  set_fn(L, "sha1hex", redis_sha1hex);
  set_fn(L, "error_reply", redis_error_reply);
  set_fn(L, "status_reply", redis_status_reply);
  set_fn(L, "set_repl", redis_set_repl);
  set_num(L, "REPL_NONE", 0);
  set_num(L, "REPL_AOF", kReplAof);
  set_num(L, "REPL_SLAVE", kReplReplica);
  set_num(L, "REPL_REPLICA", kReplReplica);
  set_num(L, "REPL_ALL", kReplAof | kReplReplica);
  set_fn(L, "acl_check_cmd", redis_acl_check_cmd);
  if (!function_mode) {
    set_fn(L, "breakpoint", redis_breakpoint);
    set_fn(L, "debug", redis_debug);
    set_fn(L, "replicate_commands", redis_replicate_commands);
  }
  lua_setglobal(L, "redis");
}

// What a FUNCTION library's body sees while it loads (Redis' library API): only redis.register_function,
// redis.log with its levels and the version; every other name is an error.
void push_library_api(lua_State* L, int (*missing)(lua_State*)) {
  lua_newtable(L);  // globals
  lua_newtable(L);  // redis
  set_fn(L, "register_function", register_function);
  set_fn(L, "log", redis_log);
  set_num(L, "LOG_DEBUG", 0);
  set_num(L, "LOG_VERBOSE", 1);
  set_num(L, "LOG_NOTICE", 2);
  set_num(L, "LOG_WARNING", 3);
  set_num(L, "REDIS_VERSION_NUM", version_num());
  lua_pushstring(L, version::kRedisVersion);
  lua_setfield(L, -2, "REDIS_VERSION");
  lua_newtable(L);
  lua_pushcfunction(L, missing);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_setfield(L, -2, "redis");
  lua_newtable(L);
  lua_pushcfunction(L, missing);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
}

}  // namespace datanode
