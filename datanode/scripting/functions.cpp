// FUNCTION libraries: metadata line, loading a body that registers functions (with a time limit, as
// Redis' 500 ms FUNCTION LOAD timeout), replacing, deleting, DUMP and RESTORE payloads.
#include "datanode/scripting/functions.h"

#include <cstring>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "datanode/rdb/crc64.h"
#include "datanode/rdb/format.h"
#include "datanode/rdb/lzf.h"
#include "datanode/rdb/value_payload.h"
#include "datanode/scripting/scripting.h"

namespace datanode {
namespace {

bool valid_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

constexpr const char* kBadName =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one character "
    "long";

struct LoadLimit {
  int64_t start_ms;
};

void load_hook(lua_State* L, lua_Debug*) {
  lua_getfield(L, LUA_REGISTRYINDEX, "redis_ha.load_start");
  int64_t start = static_cast<int64_t>(lua_tonumber(L, -1));
  lua_pop(L, 1);
  if (util::mono_ms() - start > 500) {
    lua_sethook(L, load_hook, LUA_MASKLINE, 0);
    push_error_table(L, "FUNCTION LOAD timeout");
    lua_error(L);
  }
}

bool read_flags(lua_State* L, uint32_t& flags) {
  flags = 0;
  for (int j = 1;; ++j) {
    lua_pushnumber(L, j);
    lua_gettable(L, -2);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      return true;
    }
    if (!lua_isstring(L, -1)) {
      lua_pop(L, 1);
      return false;
    }
    std::string f = util::to_lower(lua_tostring(L, -1));
    lua_pop(L, 1);
    uint32_t bit = script_flag_named(f);
    if (bit == 0) return false;
    flags |= bit;
  }
}

int register_error(lua_State* L, const char* err) {
  push_error_table(L, err);
  return lua_error(L);
}

}  // namespace

// redis.register_function(name, callback) or redis.register_function{function_name=, callback=,
// description=, flags=}.
namespace {

// The body of redis.register_function; returns the error to raise (in `buf` when built), or nullptr.
// Lua errors longjmp past C++ destructors, so the caller raises only after this frame is gone.
const char* register_function_impl(lua_State* L, char* buf, size_t buf_size) {
  auto register_error = [](lua_State*, const char* err) { return err; };
  Functions* f = static_cast<Functions*>(engine_of(L).loading_library);
  if (f == nullptr)
    return register_error(L, "redis.register_function can only be called on FUNCTION LOAD command");
  int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return register_error(L, "wrong number of arguments to redis.register_function");
  FunctionDef def;
  if (argc == 2) {
    if (!lua_isstring(L, 1))
      return register_error(L, "first argument to redis.register_function must be a string");
    if (!lua_isfunction(L, 2))
      return register_error(L, "second argument to redis.register_function must be a function");
    def.name = lua_tostring(L, 1);
    lua_settop(L, 2);
    def.ref = luaL_ref(L, LUA_REGISTRYINDEX);
  } else {
    if (!lua_istable(L, 1))
      return register_error(
          L,
          "calling redis.register_function with a single argument is only applicable to Lua "
          "table (representing named arguments).");
    bool has_name = false;
    const char* err = nullptr;
    lua_pushnil(L);
    while (err == nullptr && lua_next(L, 1)) {
      if (!lua_isstring(L, -2)) {
        err = "named argument key given to redis.register_function is not a string";
        break;
      }
      std::string key = util::to_lower(lua_tostring(L, -2));
      if (key == "function_name") {
        if (!lua_isstring(L, -1))
          err = "function_name argument given to redis.register_function must be a string";
        else
          def.name = lua_tostring(L, -1), has_name = true;
      } else if (key == "description") {
        if (!lua_isstring(L, -1))
          err = "description argument given to redis.register_function must be a string";
        else
          def.description = lua_tostring(L, -1), def.has_description = true;
      } else if (key == "callback") {
        if (!lua_isfunction(L, -1)) {
          err = "callback argument given to redis.register_function must be a function";
        } else {
          if (def.ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, def.ref);
          def.ref = luaL_ref(L, LUA_REGISTRYINDEX);
          continue;  // luaL_ref popped the value
        }
      } else if (key == "flags") {
        if (!lua_istable(L, -1))
          err = "flags argument to redis.register_function must be a table representing function flags";
        else if (!read_flags(L, def.flags))
          err = "unknown flag given";
      } else {
        err = "unknown argument given to redis.register_function";
      }
      if (err == nullptr) lua_pop(L, 1);
    }
    if (err == nullptr && !has_name) err = "redis.register_function must get a function name argument";
    if (err == nullptr && def.ref == LUA_NOREF) err = "redis.register_function must get a callback argument";
    if (err != nullptr) {
      if (def.ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, def.ref);
      return register_error(L, err);
    }
  }
  std::string err = f->add_pending(std::move(def));
  if (err.empty()) return nullptr;
  snprintf(buf, buf_size, "%s", err.c_str());
  return buf;
}

}  // namespace

int register_function(lua_State* L) {
  char buf[256];
  const char* err = register_function_impl(L, buf, sizeof buf);
  if (err != nullptr) return register_error(L, err);
  return 0;
}

Functions::Functions(Scripting& owner) : owner_(owner), engine_(std::make_unique<LuaEngine>(owner, true)) {}

Functions::~Functions() = default;

const FunctionDef* Functions::find(std::string_view name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

std::string Functions::add_pending(FunctionDef def) {
  if (!valid_name(def.name)) {
    luaL_unref(engine_->state(), LUA_REGISTRYINDEX, def.ref);
    return kBadName;
  }
  for (const FunctionDef& d : *pending_) {
    if (d.name == def.name) {
      luaL_unref(engine_->state(), LUA_REGISTRYINDEX, def.ref);
      return "Function already exists in the library";
    }
  }
  pending_->push_back(std::move(def));
  return "";
}

void Functions::unlink(Library& lib) {
  for (const std::string& fn : lib.functions) {
    auto it = functions_.find(fn);
    if (it == functions_.end()) continue;
    luaL_unref(engine_->state(), LUA_REGISTRYINDEX, it->second.ref);
    functions_.erase(it);
  }
}

bool Functions::load(std::string_view code, bool replace, std::string& name, std::string& error) {
  if (!code.starts_with("#!")) {
    error = "ERR Missing library metadata";
    return false;
  }
  size_t eol = code.find('\n');
  if (eol == std::string_view::npos) {
    error = "ERR Invalid library metadata";
    return false;
  }
  std::vector<std::string_view> parts;
  std::string_view line = code.substr(0, eol);
  for (size_t i = 0; i < line.size();) {
    size_t end = line.find_first_of(" \t\r", i);
    if (end == std::string_view::npos) end = line.size();
    if (end > i) parts.push_back(line.substr(i, end - i));
    i = end + 1;
  }
  if (parts.empty()) {
    error = "ERR Invalid library metadata";
    return false;
  }
  std::string engine_name(parts[0].substr(2));
  bool named = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].size() >= 5 && util::iequals(parts[i].substr(0, 5), "name=")) {
      if (named) {
        error = "ERR Invalid metadata value, name argument was given multiple times";
        return false;
      }
      name = std::string(parts[i].substr(5));
      named = true;
      continue;
    }
    error = "ERR Invalid metadata value given: " + std::string(parts[i]);
    return false;
  }
  if (!named) {
    error = "ERR Library name was not given";
    return false;
  }
  if (!valid_name(name)) {
    error = std::string("ERR ") + kBadName;
    return false;
  }
  if (!util::iequals(engine_name, "lua")) {
    error = "ERR Engine '" + engine_name + "' not found";
    return false;
  }
  auto old = libraries_.find(name);
  if (old != libraries_.end() && !replace) {
    error = "ERR Library '" + name + "' already exists";
    return false;
  }

  lua_State* L = engine_->state();
  // The metadata line is skipped but its newline kept: line numbers stay the user's.
  if (luaL_loadbuffer(L, code.data() + eol, code.size() - eol, "@user_function") != 0) {
    error = std::string("ERR Error compiling function: ") + lua_tostring(L, -1);
    lua_pop(L, 1);
    return false;
  }
  std::vector<FunctionDef> pending;
  pending_ = &pending;
  engine_->loading_library = this;
  lua_pushnumber(L, static_cast<lua_Number>(util::mono_ms()));
  lua_setfield(L, LUA_REGISTRYINDEX, "redis_ha.load_start");
  lua_sethook(L, load_hook, LUA_MASKCOUNT, 100000);
  engine_->use_library_api(true);
  int rc = lua_pcall(L, 0, 0, 0);
  engine_->use_library_api(false);
  lua_sethook(L, nullptr, 0, 0);
  engine_->loading_library = nullptr;
  pending_ = nullptr;
  auto drop_pending = [&] {
    for (const FunctionDef& d : pending) luaL_unref(L, LUA_REGISTRYINDEX, d.ref);
  };
  if (rc != 0) {
    std::string msg;
    if (lua_isstring(L, -1)) msg = std::string("ERR ") + lua_tostring(L, -1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    drop_pending();
    error = "ERR Error registering functions: " + msg;
    return false;
  }
  if (pending.empty()) {
    error = "ERR No functions registered";
    return false;
  }
  for (const FunctionDef& d : pending) {
    auto it = functions_.find(d.name);
    if (it != functions_.end() && it->second.library != name) {
      error = "ERR Function " + d.name + " already exists";
      drop_pending();
      return false;
    }
  }
  if (old != libraries_.end()) {
    unlink(old->second);
    libraries_.erase(old);
  }
  Library lib;
  lib.name = name;
  lib.code = std::string(code);
  for (FunctionDef& d : pending) {
    d.library = name;
    lib.functions.push_back(d.name);
    std::string fname = d.name;
    functions_[fname] = std::move(d);
  }
  libraries_[name] = std::move(lib);
  return true;
}

bool Functions::remove(std::string_view library) {
  auto it = libraries_.find(library);
  if (it == libraries_.end()) return false;
  unlink(it->second);
  libraries_.erase(it);
  return true;
}

void Functions::flush() {
  functions_.clear();
  libraries_.clear();
  engine_ = std::make_unique<LuaEngine>(owner_, true);
}

std::vector<std::string> Functions::sources() const {
  std::vector<std::string> out;
  for (const auto& [name, lib] : libraries_) out.push_back(lib.code);
  return out;
}

void Functions::replace_all(const std::vector<std::string>& sources) {
  flush();
  for (const std::string& code : sources) {
    std::string name, err;
    if (!load(code, true, name, err))
      LOG_WARNING("Failed loading a function library from the snapshot: %s", err.c_str());
  }
}

namespace {

void put_length(std::string& out, uint64_t len) {
  if (len < (1u << 6)) {
    out.push_back(static_cast<char>(len));
  } else if (len < (1u << 14)) {
    out.push_back(static_cast<char>(0x40 | (len >> 8)));
    out.push_back(static_cast<char>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    out.push_back(static_cast<char>(0x80));
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  } else {
    out.push_back(static_cast<char>(0x81));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  }
}

bool get_length(std::string_view in, size_t& pos, uint64_t& len);

// An RDB string as FUNCTION payloads hold it: plain, or LZF-compressed (Redis compresses library code
// longer than 20 bytes when rdbcompression is on).
bool get_string(std::string_view in, size_t& pos, std::string& out) {
  if (pos < in.size() && static_cast<uint8_t>(in[pos]) == 0xC3) {
    pos++;
    uint64_t clen, ulen;
    if (!get_length(in, pos, clen) || !get_length(in, pos, ulen) || clen > in.size() - pos) return false;
    if (ulen > 64 * (clen + 16)) return false;  // LZF expands by at most ~100x: refuse absurd claims early
    auto plain = rdb::lzf_decompress(in.substr(pos, clen), ulen);
    if (!plain) return false;
    pos += clen;
    out = std::move(*plain);
    return true;
  }
  uint64_t len;
  if (!get_length(in, pos, len) || len > in.size() - pos) return false;
  out.assign(in.substr(pos, len));
  pos += len;
  return true;
}

bool get_length(std::string_view in, size_t& pos, uint64_t& len) {
  if (pos >= in.size()) return false;
  auto b = static_cast<uint8_t>(in[pos++]);
  switch (b >> 6) {
    case 0: len = b & 0x3f; return true;
    case 1:
      if (pos >= in.size()) return false;
      len = (uint64_t(b & 0x3f) << 8) | static_cast<uint8_t>(in[pos++]);
      return true;
    case 2: {
      int n = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
      if (n == 0 || pos + n > in.size()) return false;
      len = 0;
      for (int i = 0; i < n; ++i) len = (len << 8) | static_cast<uint8_t>(in[pos++]);
      return true;
    }
    default: return false;  // encoded (integer/LZF) strings: Redis writes library code as a plain string
  }
}

}  // namespace

std::string Functions::dump() const {
  std::string out;
  for (const auto& [name, lib] : libraries_) {
    out.push_back(static_cast<char>(rdb::kOpFunction2));
    put_length(out, lib.code.size());
    out += lib.code;
  }
  out.push_back(static_cast<char>(rdb::kDumpVersion & 0xff));
  out.push_back(static_cast<char>((rdb::kDumpVersion >> 8) & 0xff));
  uint64_t crc = rdb::crc64(0, out);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return out;
}

bool Functions::restore(std::string_view payload, std::string_view policy, std::string& error) {
  if (payload.size() < 10) {
    error = "ERR DUMP payload version or checksum are wrong";
    return false;
  }
  std::string_view body = payload.substr(0, payload.size() - 10);
  const auto* foot = reinterpret_cast<const unsigned char*>(payload.data() + payload.size() - 10);
  int version = foot[0] | (foot[1] << 8);
  uint64_t crc = 0;
  for (int i = 0; i < 8; ++i) crc |= uint64_t(foot[2 + i]) << (8 * i);
  if (version > rdb::kDumpVersion || crc != rdb::crc64(0, payload.substr(0, payload.size() - 8))) {
    error = "ERR DUMP payload version or checksum are wrong";
    return false;
  }
  std::vector<std::string> codes;
  size_t pos = 0;
  while (pos < body.size()) {
    auto op = static_cast<uint8_t>(body[pos++]);
    if (op != rdb::kOpFunction2) {
      error = "ERR given type is not a function";
      return false;
    }
    std::string code;
    if (!get_string(body, pos, code)) {
      error = "ERR failed loading the given functions payload";
      return false;
    }
    codes.push_back(std::move(code));
  }
  // Load into a scratch set first: a failure leaves the current libraries untouched.
  Functions scratch(owner_);
  for (const std::string& code : codes) {
    std::string name;
    if (!scratch.load(code, false, name, error)) return false;
  }
  if (util::iequals(policy, "flush")) {
    flush();
  } else {
    bool replace = util::iequals(policy, "replace");
    for (const auto& [name, lib] : scratch.libraries_) {
      if (libraries_.contains(name) && !replace) {
        error = "ERR Library " + name + " already exists";
        return false;
      }
      for (const std::string& fn : lib.functions) {
        const FunctionDef* d = find(fn);
        if (d && (d->library != name)) {
          error = "ERR Function " + fn + " already exists";
          return false;
        }
      }
    }
  }
  for (const std::string& code : codes) {
    std::string name;
    if (!load(code, true, name, error)) return false;
  }
  return true;
}

}  // namespace datanode
