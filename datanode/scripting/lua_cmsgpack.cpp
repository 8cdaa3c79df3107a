// cmsgpack for scripts (pack, unpack, unpack_one, unpack_limit) with the encoding choices Redis' bundled
// module makes: sequences as arrays and other tables as maps, integral numbers as the smallest integer,
// others as float32 when exact else float64, nesting past 16 levels as nil.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "datanode/scripting/lua_engine.h"

namespace datanode {
namespace {

constexpr int kMaxNesting = 16;

void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void encode_int(std::string& out, int64_t n) {
  if (n >= 0) {
    auto u = static_cast<uint64_t>(n);
    if (u <= 127)
      out.push_back(static_cast<char>(u));
    else if (u <= 0xff)
      out.push_back('\xcc'), put_be(out, u, 1);
    else if (u <= 0xffff)
      out.push_back('\xcd'), put_be(out, u, 2);
    else if (u <= 0xffffffffULL)
      out.push_back('\xce'), put_be(out, u, 4);
    else
      out.push_back('\xcf'), put_be(out, u, 8);
  } else {
    auto u = static_cast<uint64_t>(n);
    if (n >= -32)
      out.push_back(static_cast<char>(n));
    else if (n >= -128)
      out.push_back('\xd0'), put_be(out, u, 1);
    else if (n >= -32768)
      out.push_back('\xd1'), put_be(out, u, 2);
    else if (n >= -2147483648LL)
      out.push_back('\xd2'), put_be(out, u, 4);
    else
      out.push_back('\xd3'), put_be(out, u, 8);
  }
}

void encode_number(std::string& out, lua_Number n) {
  if (std::isfinite(n) && n == std::floor(n) && n >= -9.2e18 && n <= 9.2e18) {
    encode_int(out, static_cast<int64_t>(n));
    return;
  }
  auto f = static_cast<float>(n);
  if (static_cast<double>(f) == n) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    out.push_back('\xca');
    put_be(out, bits, 4);
  } else {
    uint64_t bits;
    std::memcpy(&bits, &n, 8);
    out.push_back('\xcb');
    put_be(out, bits, 8);
  }
}

void encode_string(std::string& out, const char* s, size_t len) {
  if (len < 32)
    out.push_back(static_cast<char>(0xa0 | len));
  else if (len <= 0xff)
    out.push_back('\xd9'), put_be(out, len, 1);
  else if (len <= 0xffff)
    out.push_back('\xda'), put_be(out, len, 2);
  else
    out.push_back('\xdb'), put_be(out, len, 4);
  out.append(s, len);
}

// A table whose keys are exactly 1..n.
bool is_array(lua_State* L, size_t& n) {
  size_t count = 0;
  lua_Number max = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_pop(L, 1);
      return false;
    }
    lua_Number k = lua_tonumber(L, -1);
    if (k <= 0 || k != std::floor(k)) {
      lua_pop(L, 1);
      return false;
    }
    max = std::max(max, k);
    count++;
  }
  n = count;
  return max == static_cast<lua_Number>(count);
}

void encode_value(lua_State* L, std::string& out, int level) {
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      encode_string(out, s, len);
      break;
    }
    case LUA_TBOOLEAN: out.push_back(lua_toboolean(L, -1) ? '\xc3' : '\xc2'); break;
    case LUA_TNUMBER: encode_number(out, lua_tonumber(L, -1)); break;
    case LUA_TTABLE: {
      if (level >= kMaxNesting || !lua_checkstack(L, 3)) {
        out.push_back('\xc0');
        break;
      }
      size_t n = 0;
      if (is_array(L, n)) {
        if (n < 16)
          out.push_back(static_cast<char>(0x90 | n));
        else if (n <= 0xffff)
          out.push_back('\xdc'), put_be(out, n, 2);
        else
          out.push_back('\xdd'), put_be(out, n, 4);
        for (size_t i = 1; i <= n; ++i) {
          lua_rawgeti(L, -1, static_cast<int>(i));
          encode_value(L, out, level + 1);
        }
      } else {
        n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          n++;
        }
        if (n < 16)
          out.push_back(static_cast<char>(0x80 | n));
        else if (n <= 0xffff)
          out.push_back('\xde'), put_be(out, n, 2);
        else
          out.push_back('\xdf'), put_be(out, n, 4);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pushvalue(L, -2);
          encode_value(L, out, level + 1);  // key
          encode_value(L, out, level + 1);  // value
        }
      }
      break;
    }
    default: out.push_back('\xc0');
  }
  lua_pop(L, 1);
}

int mp_pack(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  std::string out;
  for (int i = 1; i <= argc; ++i) {
    lua_pushvalue(L, i);
    encode_value(L, out, 0);
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

struct Cursor {
  const unsigned char* p;
  size_t left;
  const char* error = nullptr;
  bool need(size_t n) {
    if (left < n) {
      error = "Missing bytes in input.";
      return false;
    }
    return true;
  }
  uint64_t be(int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
    p += bytes;
    left -= static_cast<size_t>(bytes);
    return v;
  }
};

void decode_value(lua_State* L, Cursor& c, int depth);

void decode_string(lua_State* L, Cursor& c, size_t len) {
  if (!c.need(len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c.p), len);
  c.p += len;
  c.left -= len;
}

void decode_array(lua_State* L, Cursor& c, size_t n, int depth) {
  lua_newtable(L);
  for (size_t i = 1; i <= n && !c.error; ++i) {
    decode_value(L, c, depth + 1);
    if (c.error) return;
    lua_rawseti(L, -2, static_cast<int>(i));
  }
}

void decode_map(lua_State* L, Cursor& c, size_t n, int depth) {
  lua_newtable(L);
  for (size_t i = 0; i < n && !c.error; ++i) {
    decode_value(L, c, depth + 1);
    if (c.error) return;
    decode_value(L, c, depth + 1);
    if (c.error) return;
    if (lua_isnil(L, -2))
      lua_pop(L, 2);  // a nil key cannot be stored
    else
      lua_settable(L, -3);
  }
}

void decode_value(lua_State* L, Cursor& c, int depth) {
  if (depth > 1000 || !lua_checkstack(L, 4)) {
    c.error = "Bad data format in input.";
    return;
  }
  if (!c.need(1)) return;
  unsigned char t = *c.p++;
  c.left--;
  if (t <= 0x7f) return lua_pushnumber(L, t);
  if (t >= 0xe0) return lua_pushnumber(L, static_cast<int8_t>(t));
  if ((t & 0xe0) == 0xa0) return decode_string(L, c, t & 0x1f);
  if ((t & 0xf0) == 0x90) return decode_array(L, c, t & 0x0f, depth);
  if ((t & 0xf0) == 0x80) return decode_map(L, c, t & 0x0f, depth);
  auto sized = [&](int bytes) -> uint64_t { return c.need(static_cast<size_t>(bytes)) ? c.be(bytes) : 0; };
  switch (t) {
    case 0xc0: return lua_pushnil(L);
    case 0xc2: return lua_pushboolean(L, 0);
    case 0xc3: return lua_pushboolean(L, 1);
    case 0xcc: {
      uint64_t v = sized(1);
      if (!c.error) lua_pushnumber(L, static_cast<lua_Number>(v));
      return;
    }
    case 0xcd: {
      uint64_t v = sized(2);
      if (!c.error) lua_pushnumber(L, static_cast<lua_Number>(v));
      return;
    }
    case 0xce: {
      uint64_t v = sized(4);
      if (!c.error) lua_pushnumber(L, static_cast<lua_Number>(v));
      return;
    }
    case 0xcf: {
      uint64_t v = sized(8);
      if (!c.error) lua_pushnumber(L, static_cast<lua_Number>(v));
      return;
    }
    case 0xd0: {
      uint64_t v = sized(1);
      if (!c.error) lua_pushnumber(L, static_cast<int8_t>(v));
      return;
    }
    case 0xd1: {
      uint64_t v = sized(2);
      if (!c.error) lua_pushnumber(L, static_cast<int16_t>(v));
      return;
    }
    case 0xd2: {
      uint64_t v = sized(4);
      if (!c.error) lua_pushnumber(L, static_cast<int32_t>(v));
      return;
    }
    case 0xd3: {
      uint64_t v = sized(8);
      if (!c.error) lua_pushnumber(L, static_cast<lua_Number>(static_cast<int64_t>(v)));
      return;
    }
    case 0xca: {
      uint64_t v = sized(4);
      if (c.error) return;
      auto bits = static_cast<uint32_t>(v);
      float f;
      std::memcpy(&f, &bits, 4);
      return lua_pushnumber(L, f);
    }
    case 0xcb: {
      uint64_t v = sized(8);
      if (c.error) return;
      double d;
      std::memcpy(&d, &v, 8);
      return lua_pushnumber(L, d);
    }
    case 0xd9: {
      uint64_t n = sized(1);
      if (!c.error) decode_string(L, c, n);
      return;
    }
    case 0xda: {
      uint64_t n = sized(2);
      if (!c.error) decode_string(L, c, n);
      return;
    }
    case 0xdb: {
      uint64_t n = sized(4);
      if (!c.error) decode_string(L, c, n);
      return;
    }
    case 0xdc: {
      uint64_t n = sized(2);
      if (!c.error) decode_array(L, c, n, depth);
      return;
    }
    case 0xdd: {
      uint64_t n = sized(4);
      if (!c.error) decode_array(L, c, n, depth);
      return;
    }
    case 0xde: {
      uint64_t n = sized(2);
      if (!c.error) decode_map(L, c, n, depth);
      return;
    }
    case 0xdf: {
      uint64_t n = sized(4);
      if (!c.error) decode_map(L, c, n, depth);
      return;
    }
    default: c.error = "Bad data format in input.";
  }
}

// unpack_full(s, limit, offset): with a limit, returns the next offset (-1 at the end) first.
int unpack_full(lua_State* L, int limit, size_t offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  if (offset > len)
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - offset};
  int base = lua_gettop(L);
  int count = 0;
  while (c.left > 0 && (limit <= 0 || count < limit)) {
    decode_value(L, c, 0);
    if (c.error) {
      lua_settop(L, base);
      return luaL_error(L, "%s", c.error);
    }
    count++;
  }
  if (limit > 0) {
    lua_pushnumber(L, c.left == 0 ? -1 : static_cast<lua_Number>(len - c.left));
    lua_insert(L, base + 1);
    return count + 1;
  }
  return count;
}

int mp_unpack(lua_State* L) { return unpack_full(L, 0, 0); }
int mp_unpack_one(lua_State* L) {
  int offset = luaL_optint(L, 2, 0);
  lua_settop(L, 1);
  return unpack_full(L, 1, static_cast<size_t>(std::max(0, offset)));
}
int mp_unpack_limit(lua_State* L) {
  int limit = luaL_checkint(L, 2);
  int offset = luaL_optint(L, 3, 0);
  lua_settop(L, 1);
  return unpack_full(L, limit, static_cast<size_t>(std::max(0, offset)));
}

}  // namespace

int open_cmsgpack(lua_State* L) {
  lua_newtable(L);
  const luaL_Reg fns[] = {{"pack", mp_pack},
                          {"unpack", mp_unpack},
                          {"unpack_one", mp_unpack_one},
                          {"unpack_limit", mp_unpack_limit},
                          {nullptr, nullptr}};
  for (const luaL_Reg* f = fns; f->name; ++f) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
  lua_pushstring(L, "lua-cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushstring(L, "0.4.0");
  lua_setfield(L, -2, "_VERSION");
  return 1;
}

}  // namespace datanode
