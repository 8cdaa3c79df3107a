// The sandboxed Lua state: libraries, read-only globals, the error handler and math.random. The
// redis.* functions themselves live in redis_api.cpp.
#include "datanode/scripting/lua_engine.h"

extern "C" {
#include <lua5.1/lua-bitop.h>
#include <lua5.1/lua-cjson.h>
}

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "common/log/log.h"
#include "common/resp/writer.h"

namespace datanode {

void install_redis_api(lua_State* L, bool function_mode);         // redis_api.cpp
void push_library_api(lua_State* L, int (*missing)(lua_State*));  // redis_api.cpp

namespace {

constexpr const char* kEngineKey = "redis_ha.engine";
constexpr const char* kProxiesKey = "redis_ha.readonly";
constexpr const char* kErrorHandlerKey = "redis_ha.errh";

int readonly_error(lua_State* L) { return luaL_error(L, "Attempt to modify a readonly table"); }

int missing_global(lua_State* L) {
  const char* name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name ? name : "?");
}

// rawset refuses the protected tables too, as Redis' read-only tables do.
int guarded_rawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, LUA_REGISTRYINDEX, kProxiesKey);
  lua_pushvalue(L, 1);
  lua_rawget(L, -2);
  bool protected_table = !lua_isnil(L, -1);
  lua_pop(L, 2);
  if (protected_table) return readonly_error(L);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

// Replaces the table on top with an empty proxy that reads through to it and refuses writes.
void push_readonly_proxy(lua_State* L) {
  int real = lua_gettop(L);
  lua_newtable(L);  // proxy
  lua_newtable(L);  // its metatable
  lua_pushvalue(L, real);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, readonly_error);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_getfield(L, LUA_REGISTRYINDEX, kProxiesKey);
  lua_pushvalue(L, -2);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_replace(L, real);
}

// Redis' __redis__err__handler: errors become {err=, source=, line=} naming the Lua line that raised them
// (the caller's line when a C function such as redis.call or error raised it).
int error_handler(lua_State* L) {
  lua_Debug ar;
  bool found = lua_getstack(L, 1, &ar) && lua_getinfo(L, "nSl", &ar);
  if (found && std::strcmp(ar.what, "C") == 0) found = lua_getstack(L, 2, &ar) && lua_getinfo(L, "nSl", &ar);
  if (!lua_istable(L, 1)) {
    std::string msg = "ERR ";
    if (lua_isstring(L, 1)) {
      msg += lua_tostring(L, 1);
    } else if (lua_isnil(L, 1)) {
      msg += "nil";
    } else if (lua_isboolean(L, 1)) {
      msg += lua_toboolean(L, 1) ? "true" : "false";
    } else {
      char buf[64];
      snprintf(buf, sizeof buf, "%s: %p", luaL_typename(L, 1), lua_topointer(L, 1));
      msg += buf;
    }
    lua_settop(L, 0);
    lua_newtable(L);
    lua_pushlstring(L, msg.data(), msg.size());
    lua_setfield(L, -2, "err");
  } else {
    lua_settop(L, 1);
  }
  if (found) {
    lua_pushstring(L, ar.source);
    lua_setfield(L, 1, "source");
    lua_pushnumber(L, ar.currentline);
    lua_setfield(L, 1, "line");
  }
  return 1;
}

// Redis' redis.pcall-compatible pcall: an error table with `err` comes back as its message string.
int compat_pcall(lua_State* L) {
  int argc = lua_gettop(L);
  luaL_checkany(L, 1);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1))
        lua_replace(L, -2);
      else
        lua_pop(L, 1);
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

int math_random(lua_State* L) {
  LuaEngine& e = engine_of(L);
  constexpr double kMax = 2147483647.0;
  double r = static_cast<double>(e.rand48() % 2147483647) / kMax;
  switch (lua_gettop(L)) {
    case 0: lua_pushnumber(L, r); break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default: return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int math_randomseed(lua_State* L) {
  engine_of(L).srand48(luaL_checkint(L, 1));
  return 0;
}

}  // namespace

LuaEngine& engine_of(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kEngineKey);
  auto* e = static_cast<LuaEngine*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return *e;
}

void* LuaEngine::allocate(void* ud, void* ptr, size_t old_size, size_t new_size) {
  auto* self = static_cast<LuaEngine*>(ud);
  if (new_size == 0) {
    self->memory_used_ -= old_size;
    std::free(ptr);
    return nullptr;
  }
  if (self->memory_limit_ != 0 && new_size > old_size &&
      self->memory_used_ + (new_size - old_size) > self->memory_limit_)
    return nullptr;  // Lua raises "not enough memory"
  void* p = std::realloc(ptr, new_size);
  if (p != nullptr) self->memory_used_ = self->memory_used_ - old_size + new_size;
  return p;
}

namespace {
int at_panic(lua_State* L) {
  LOG_WARNING("Lua panic: %s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
  std::abort();
}
}  // namespace

LuaEngine::LuaEngine(ScriptHost& owner, bool function_mode, size_t memory_limit)
    : owner_(owner),
      memory_limit_(memory_limit),
      L_(lua_newstate(allocate, this)),
      function_mode_(function_mode) {
  lua_atpanic(L_, at_panic);
  lua_pushlightuserdata(L_, this);
  lua_setfield(L_, LUA_REGISTRYINDEX, kEngineKey);
  lua_newtable(L_);
  lua_newtable(L_);
  lua_pushstring(L_, "k");
  lua_setfield(L_, -2, "__mode");
  lua_setmetatable(L_, -2);
  lua_setfield(L_, LUA_REGISTRYINDEX, kProxiesKey);
  lua_pushcfunction(L_, error_handler);
  lua_setfield(L_, LUA_REGISTRYINDEX, kErrorHandlerKey);
  open_libraries();
  install_redis_api();
  protect_globals();
}

LuaEngine::~LuaEngine() { lua_close(L_); }

void LuaEngine::open_libraries() {
  struct Lib {
    const char* name;
    lua_CFunction open;
  };
  const Lib libs[] = {{"", luaopen_base},
                      {LUA_TABLIBNAME, luaopen_table},
                      {LUA_STRLIBNAME, luaopen_string},
                      {LUA_MATHLIBNAME, luaopen_math},
                      {"cjson", luaopen_cjson},
                      {"bit", luaopen_bit},
                      {"struct", open_struct},
                      {"cmsgpack", open_cmsgpack}};
  for (const Lib& lib : libs) {
    lua_pushcfunction(L_, lib.open);
    lua_pushstring(L_, lib.name);
    lua_call(L_, 1, 1);
    if (lib.name[0] != '\0' && lua_istable(L_, -1))
      lua_setglobal(L_, lib.name);
    else
      lua_pop(L_, 1);
  }
  // Not in Redis' sandbox: file access and printing to the server's stdout.
  for (const char* name : {"dofile", "loadfile", "print", "module", "require"}) {
    lua_pushnil(L_);
    lua_setglobal(L_, name);
  }
  lua_pushcfunction(L_, compat_pcall);
  lua_setglobal(L_, "pcall");
  lua_pushcfunction(L_, guarded_rawset);
  lua_setglobal(L_, "rawset");
  lua_getglobal(L_, "math");
  lua_pushcfunction(L_, math_random);
  lua_setfield(L_, -2, "random");
  lua_pushcfunction(L_, math_randomseed);
  lua_setfield(L_, -2, "randomseed");
  lua_pop(L_, 1);
}

void LuaEngine::install_redis_api() { datanode::install_redis_api(L_, function_mode_); }

void LuaEngine::protect_globals() {
  lua_State* L = L_;
  // Every library table becomes a read-only proxy (string methods read through the proxy too).
  for (const char* name :
       {"string", "table", "math", "cjson", "bit", "struct", "cmsgpack", "redis", "coroutine"}) {
    lua_getglobal(L, name);
    if (!lua_istable(L, -1)) {
      lua_pop(L, 1);
      continue;
    }
    push_readonly_proxy(L);
    lua_setglobal(L, name);
  }
  lua_pushstring(L, "");
  if (lua_getmetatable(L, -1)) {
    lua_getglobal(L, "string");
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, -1);
    push_readonly_proxy(L);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  // The globals: reads of missing names fail, writes fail (KEYS/ARGV are set with rawset by the engine).
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_newtable(L);
  lua_pushcfunction(L, missing_global);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, "redis_ha.globals");
  push_readonly_proxy(L);
  lua_getfield(L, LUA_REGISTRYINDEX, "redis_ha.globals");
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "_G");
  lua_pop(L, 1);
  lua_replace(L, LUA_GLOBALSINDEX);
  if (function_mode_) {
    push_library_api(L, missing_global);
    push_readonly_proxy(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "redis_ha.libapi");
  }
}

void LuaEngine::use_library_api(bool on) {
  // The globals proxy reads through its metatable's __index: the library API while a body loads.
  lua_State* L = L_;
  lua_getmetatable(L, LUA_GLOBALSINDEX);
  lua_getfield(L, LUA_REGISTRYINDEX, on ? "redis_ha.libapi" : "redis_ha.globals");
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

void LuaEngine::push_array(std::span<const std::string_view> items) {
  lua_createtable(L_, static_cast<int>(items.size()), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    lua_pushlstring(L_, items[i].data(), items[i].size());
    lua_rawseti(L_, -2, static_cast<int>(i + 1));
  }
}

void LuaEngine::set_eval_globals(std::span<const std::string_view> keys,
                                 std::span<const std::string_view> argv) {
  lua_getfield(L_, LUA_REGISTRYINDEX, "redis_ha.globals");
  push_array(keys);
  lua_setfield(L_, -2, "KEYS");  // the real table has no __newindex: a plain set
  push_array(argv);
  lua_setfield(L_, -2, "ARGV");
  lua_pop(L_, 1);
}

int32_t LuaEngine::rand48() {
  rand_state_ = (rand_state_ * 0x5DEECE66DULL + 0xB) & ((1ULL << 48) - 1);
  return static_cast<int32_t>(rand_state_ >> 17);
}

void LuaEngine::srand48(int32_t seed) {
  rand_state_ = (static_cast<uint64_t>(static_cast<uint32_t>(seed)) << 16) | 0x330E;
}

namespace {
void count_hook(lua_State* L, lua_Debug*);
}

void LuaEngine::call(ScriptRun& run, int nargs, std::string& out, int caller_resp) {
  lua_State* L = L_;
  int func = lua_gettop(L) - nargs;
  lua_getfield(L, LUA_REGISTRYINDEX, kErrorHandlerKey);
  lua_insert(L, func);  // handler below the function
  run_ = &run;
  lua_sethook(L, count_hook, LUA_MASKCOUNT, 100000);
  int err = lua_pcall(L, nargs, 1, func);
  lua_sethook(L, nullptr, 0, 0);
  run_ = nullptr;
  if (err == 0) {
    write_lua_value(L, out, caller_resp, run.resp);
  } else {
    std::string msg;
    if (!lua_istable(L, -1)) {
      const char* m = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
      msg = "ERR Error running script " + run.funcname + ", " + std::string(m).substr(0, 100);
    } else {
      lua_getfield(L, -1, "err");
      msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
      lua_getfield(L, -2, "source");
      lua_getfield(L, -3, "line");
      if (lua_isstring(L, -1) && lua_isstring(L, -2)) {
        msg += " script: " + run.funcname + ", on " + lua_tostring(L, -2) + ":" + lua_tostring(L, -1) + ".";
      }
      lua_pop(L, 3);
    }
    for (char& ch : msg)
      if (ch == '\r' || ch == '\n') ch = ' ';
    resp::Writer w(&out);
    w.error(msg);
  }
  lua_settop(L, func - 1);
  // A step of garbage collection now and then, as Redis does, instead of a full cycle at a bad moment.
  if (++gc_countdown_ >= 50) {
    gc_countdown_ = 0;
    lua_gc(L, LUA_GCSTEP, 50);
  }
}

namespace {
void count_hook(lua_State* L, lua_Debug*) {
  LuaEngine& e = engine_of(L);
  if (!e.owner().on_hook()) return;
  LOG_WARNING("Lua script killed by user with SCRIPT KILL.");
  // Every line from now on fails, so a pcall in the script cannot swallow the kill.
  lua_sethook(L, count_hook, LUA_MASKLINE, 0);
  push_error_table(L, "Script killed by user with SCRIPT KILL...");
  lua_error(L);
}
}  // namespace

}  // namespace datanode
