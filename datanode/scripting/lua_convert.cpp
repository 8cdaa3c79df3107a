// Redis' conversions between command replies and Lua values, both ways, RESP2 and RESP3 (script_lua.c's
// rules: nil bulk -> false, status -> {ok=}, error -> {err=}, map -> {map=}, set -> {set=}, double ->
// {double=}; and back: false -> nil, true -> 1, numbers truncated to integers, tables up to the first nil).
#include <cstdlib>
#include <cstring>

#include "common/resp/writer.h"
#include "datanode/scripting/lua_engine.h"

namespace datanode {
namespace {

// The line after a type byte, and where the next element starts.
std::string_view line_of(std::string_view r, size_t& pos) {
  size_t end = r.find("\r\n", pos);
  if (end == std::string_view::npos) end = r.size();
  std::string_view line = r.substr(pos, end - pos);
  pos = std::min(r.size(), end + 2);
  return line;
}

int64_t to_i64(std::string_view s) { return std::strtoll(std::string(s).c_str(), nullptr, 10); }

// Stack room is bounded by the depth of what the dispatcher wrote: Redis panics where we push nil.
void parse_one(lua_State* L, std::string_view r, size_t& pos, bool push) {
  if (pos >= r.size()) {
    if (push) lua_pushnil(L);
    return;
  }
  if (push) luaL_checkstack(L, 4, "reply too deep");
  char type = r[pos++];
  std::string_view line = line_of(r, pos);
  switch (type) {
    case ':':
      if (push) lua_pushnumber(L, static_cast<lua_Number>(to_i64(line)));
      return;
    case '$': {
      int64_t n = to_i64(line);
      if (n < 0) {
        if (push) lua_pushboolean(L, 0);
        return;
      }
      if (push) lua_pushlstring(L, r.data() + pos, std::min<size_t>(n, r.size() - pos));
      pos = std::min(r.size(), pos + static_cast<size_t>(n) + 2);
      return;
    }
    case '+':
      if (push) {
        lua_newtable(L);
        lua_pushlstring(L, line.data(), line.size());
        lua_setfield(L, -2, "ok");
      }
      return;
    case '-':
      if (push) {
        push_error_table(L, "-" + std::string(line));
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "ignore_error_stats_update");
      }
      return;
    case '*':
    case '>': {
      int64_t n = to_i64(line);
      if (n < 0) {
        if (push) lua_pushboolean(L, 0);
        return;
      }
      if (push) lua_newtable(L);
      for (int64_t i = 0; i < n; ++i) {
        parse_one(L, r, pos, push);
        if (push) lua_rawseti(L, -2, static_cast<int>(i + 1));
      }
      return;
    }
    case '%':
    case '~': {
      int64_t n = to_i64(line);
      if (push) {
        lua_newtable(L);
        lua_pushstring(L, type == '%' ? "map" : "set");
        lua_newtable(L);
      }
      for (int64_t i = 0; i < n; ++i) {
        parse_one(L, r, pos, push);
        if (type == '%')
          parse_one(L, r, pos, push);
        else if (push)
          lua_pushboolean(L, 1);
        if (push) lua_settable(L, -3);
      }
      if (push) lua_settable(L, -3);
      return;
    }
    case '|': {  // attributes are not shown to scripts: skip them, then read the reply itself
      int64_t n = to_i64(line);
      for (int64_t i = 0; i < 2 * n; ++i) parse_one(L, r, pos, false);
      parse_one(L, r, pos, push);
      return;
    }
    case '_':
      if (push) lua_pushnil(L);
      return;
    case '#':
      if (push) lua_pushboolean(L, line == "t");
      return;
    case ',':
      if (push) {
        lua_newtable(L);
        lua_pushnumber(L, std::strtod(std::string(line).c_str(), nullptr));
        lua_setfield(L, -2, "double");
      }
      return;
    case '(':
      if (push) {
        lua_newtable(L);
        lua_pushlstring(L, line.data(), line.size());
        lua_setfield(L, -2, "big_number");
      }
      return;
    case '=': {
      int64_t n = to_i64(line);
      std::string_view body = r.substr(pos, std::min<size_t>(n, r.size() - pos));
      pos = std::min(r.size(), pos + static_cast<size_t>(n) + 2);
      if (push) {
        lua_newtable(L);
        lua_newtable(L);
        std::string_view text = body.size() >= 4 ? body.substr(4) : std::string_view();
        lua_pushlstring(L, text.data(), text.size());
        lua_setfield(L, -2, "string");
        lua_pushlstring(L, body.data(), std::min<size_t>(3, body.size()));
        lua_setfield(L, -2, "format");
        lua_setfield(L, -2, "verbatim_string");
      }
      return;
    }
    default:
      if (push) lua_pushnil(L);
  }
}

std::string one_line(std::string s) {
  for (char& ch : s)
    if (ch == '\r' || ch == '\n') ch = ' ';
  return s;
}

// The field `name` of the table on top when it has type `t` (left pushed, returns true), else pops it.
bool field_of_type(lua_State* L, const char* name, int t) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  if (lua_type(L, -1) == t) return true;
  lua_pop(L, 1);
  return false;
}

void write_value(lua_State* L, resp::Writer& w, int script_resp) {
  if (!lua_checkstack(L, 4)) {
    w.error("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      w.bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1))
          w.integer(1);
        else
          w.null();
      } else {
        w.boolean(lua_toboolean(L, -1));
      }
      break;
    case LUA_TNUMBER: w.integer(static_cast<int64_t>(lua_tonumber(L, -1))); break;
    case LUA_TTABLE: {
      if (field_of_type(L, "err", LUA_TSTRING)) {
        std::string msg = one_line(lua_tostring(L, -1));
        lua_pop(L, 2);
        w.error(msg);
        return;
      }
      if (field_of_type(L, "ok", LUA_TSTRING)) {
        std::string msg = one_line(lua_tostring(L, -1));
        lua_pop(L, 2);
        w.simple(msg);
        return;
      }
      if (field_of_type(L, "double", LUA_TNUMBER)) {
        double d = lua_tonumber(L, -1);
        lua_pop(L, 2);
        w.double_value(d);
        return;
      }
      if (field_of_type(L, "big_number", LUA_TSTRING)) {
        std::string n = one_line(std::string(lua_tostring(L, -1), lua_strlen(L, -1)));
        lua_pop(L, 2);
        w.big_number(n);
        return;
      }
      if (field_of_type(L, "verbatim_string", LUA_TTABLE)) {
        lua_getfield(L, -1, "format");
        lua_getfield(L, -2, "string");
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
          size_t len;
          const char* s = lua_tolstring(L, -1, &len);
          std::string format = lua_tostring(L, -2);
          w.verbatim(std::string_view(s, len), format);
          lua_pop(L, 4);
          return;
        }
        lua_pop(L, 3);
      }
      bool is_map = field_of_type(L, "map", LUA_TTABLE);
      if (is_map || field_of_type(L, "set", LUA_TTABLE)) {
        size_t n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          n++;
          lua_pop(L, 1);
        }
        if (is_map)
          w.map_header(n);
        else
          w.set_header(n);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          if (is_map) {
            lua_pushvalue(L, -2);
            write_value(L, w, script_resp);  // key
            write_value(L, w, script_resp);  // value
          } else {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            write_value(L, w, script_resp);
          }
        }
        lua_pop(L, 2);
        return;
      }
      size_t n = 0;
      for (;;) {
        lua_rawgeti(L, -1, static_cast<int>(n + 1));
        bool nil = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (nil) break;
        n++;
      }
      w.array_header(n);
      for (size_t i = 1; i <= n; ++i) {
        lua_rawgeti(L, -1, static_cast<int>(i));
        write_value(L, w, script_resp);
      }
      break;
    }
    default: w.null();
  }
  lua_pop(L, 1);
}

}  // namespace

size_t push_reply(lua_State* L, std::string_view reply) {
  size_t pos = 0;
  parse_one(L, reply, pos, true);
  return pos;
}

void write_lua_value(lua_State* L, std::string& out, int out_protocol, int script_resp) {
  resp::Writer w(&out);
  w.set_protocol(out_protocol);
  write_value(L, w, script_resp);
}

void push_error_table(lua_State* L, std::string_view error) {
  std::string code = "ERR", msg;
  if (!error.empty() && error[0] == '-') {
    size_t sp = error.find(' ');
    if (sp == std::string_view::npos) {
      msg = std::string(error.substr(1));
    } else {
      code = std::string(error.substr(1, sp - 1));
      msg = std::string(error.substr(sp + 1));
    }
  } else {
    msg = std::string(error);
  }
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.pop_back();
  while (!msg.empty() && (msg.front() == '\r' || msg.front() == '\n')) msg.erase(0, 1);
  std::string final_msg = code + " " + msg;
  lua_newtable(L);
  lua_pushlstring(L, final_msg.data(), final_msg.size());
  lua_setfield(L, -2, "err");
}

}  // namespace datanode
