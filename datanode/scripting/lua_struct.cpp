// struct for scripts (pack, unpack, size): Roberto Ierusalimschy's format language as Redis bundles it —
// < > ! endianness and alignment, x padding, b B h H l L T i[n] I[n] integers, f d floats, s zero-ended
// and c[n] fixed strings (c0 in unpack: the length is the previous value).
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "datanode/scripting/lua_engine.h"

namespace datanode {
namespace {

constexpr int kMaxIntSize = 32;

struct Header {
  bool little = true;
  int align = 1;
};

int read_number(const char*& fmt, int def) {
  if (!std::isdigit(static_cast<unsigned char>(*fmt))) return def;
  int a = 0;
  while (std::isdigit(static_cast<unsigned char>(*fmt)) && a < 100000) a = a * 10 + (*fmt++ - '0');
  return a;
}

size_t option_size(lua_State* L, char opt, const char*& fmt) {
  switch (opt) {
    case 'B':
    case 'b': return 1;
    case 'H':
    case 'h': return 2;
    case 'L':
    case 'l': return 8;
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return static_cast<size_t>(read_number(fmt, 1));
    case 'i':
    case 'I': {
      int sz = read_number(fmt, sizeof(int));
      if (sz > kMaxIntSize) luaL_error(L, "integral size %d is larger than limit of %d", sz, kMaxIntSize);
      return static_cast<size_t>(sz);
    }
    default: return 0;  // '!', '<', '>', ' ', 's'
  }
}

size_t gap(const Header& h, size_t size, size_t len) {
  if (size <= 1 || h.align <= 1) return 0;
  size_t a = std::min(size, static_cast<size_t>(h.align));
  if ((a & (a - 1)) != 0) return 0;
  return (a - (len & (a - 1))) & (a - 1);
}

void control(lua_State* L, char opt, const char*& fmt, Header& h) {
  switch (opt) {
    case ' ': return;
    case '>': h.little = false; return;
    case '<': h.little = true; return;
    case '!': {
      int a = read_number(fmt, 8);
      if ((a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      h.align = a;
      return;
    }
    default: {
      char msg[40];
      snprintf(msg, sizeof msg, "invalid format option '%c'", opt);
      luaL_argerror(L, 1, msg);
    }
  }
}

// Bytes go through a luaL_Buffer: an argument error longjmps out of st_pack, and no C++ object may be
// alive in its frame then.
void put_int(luaL_Buffer& b, uint64_t v, bool little, size_t size, bool negative) {
  char bytes[kMaxIntSize];
  std::memset(bytes, negative ? 0xff : 0, size);
  for (size_t i = 0; i < size && i < 8; ++i)
    bytes[little ? i : size - 1 - i] = static_cast<char>((v >> (8 * i)) & 0xff);
  luaL_addlstring(&b, bytes, size);
}

int st_pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  int arg = 2;
  size_t len = 0;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*fmt) {
    char opt = *fmt++;
    size_t size = option_size(L, opt, fmt);
    size_t pad = gap(h, size, len);
    for (size_t i = 0; i < pad; ++i) luaL_addchar(&b, '\0');
    len += pad;
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I': {
        lua_Number n = luaL_checknumber(L, arg++);
        bool neg = n < 0;
        uint64_t v = neg ? static_cast<uint64_t>(static_cast<int64_t>(n)) : static_cast<uint64_t>(n);
        put_int(b, v, h.little, size, neg);
        len += size;
        break;
      }
      case 'x':
        luaL_addchar(&b, '\0');
        len += 1;
        break;
      case 'f':
      case 'd': {
        lua_Number n = luaL_checknumber(L, arg++);
        char buf[8];
        if (opt == 'f') {
          auto f = static_cast<float>(n);
          std::memcpy(buf, &f, 4);
        } else {
          std::memcpy(buf, &n, 8);
        }
        if (!h.little) std::reverse(buf, buf + size);
        luaL_addlstring(&b, buf, size);
        len += size;
        break;
      }
      case 'c':
      case 's': {
        size_t l;
        const char* str = luaL_checklstring(L, arg++, &l);
        if (opt == 'c' && size == 0) size = l;
        if (opt == 's') size = l;
        luaL_argcheck(L, l >= size, arg - 1, "string too short");
        luaL_addlstring(&b, str, size);
        len += size;
        if (opt == 's') {
          luaL_addchar(&b, '\0');
          len += 1;
        }
        break;
      }
      default: control(L, opt, fmt, h);
    }
  }
  luaL_pushresult(&b);
  return 1;
}

int st_unpack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  size_t ld;
  const char* data = luaL_checklstring(L, 2, &ld);
  size_t pos = static_cast<size_t>(luaL_optinteger(L, 3, 1)) - 1;
  luaL_argcheck(L, pos <= ld, 3, "offset must be 1 or greater");
  Header h;
  lua_settop(L, 2);
  int n = 0;
  while (*fmt) {
    char opt = *fmt++;
    size_t size = option_size(L, opt, fmt);
    pos += gap(h, size, pos);
    luaL_argcheck(L, pos + size <= ld, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I': {
        uint64_t v = 0;
        for (size_t i = 0; i < size && i < 8; ++i) {
          auto byte = static_cast<unsigned char>(data[pos + (h.little ? i : size - 1 - i)]);
          v |= uint64_t(byte) << (8 * i);
        }
        bool is_signed = std::islower(static_cast<unsigned char>(opt));
        if (is_signed && size < 8 && size > 0) {
          uint64_t mask = uint64_t(1) << (size * 8 - 1);
          v = (v ^ mask) - mask;
        }
        lua_pushnumber(
            L, is_signed ? static_cast<lua_Number>(static_cast<int64_t>(v)) : static_cast<lua_Number>(v));
        n++;
        break;
      }
      case 'x': break;
      case 'f':
      case 'd': {
        char buf[8];
        std::memcpy(buf, data + pos, size);
        if (!h.little) std::reverse(buf, buf + size);
        if (opt == 'f') {
          float f;
          std::memcpy(&f, buf, 4);
          lua_pushnumber(L, f);
        } else {
          double d;
          std::memcpy(&d, buf, 8);
          lua_pushnumber(L, d);
        }
        n++;
        break;
      }
      case 'c': {
        if (size == 0) {
          if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = static_cast<size_t>(lua_tonumber(L, -1));
          lua_pop(L, 1);
          n--;
          luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        n++;
        break;
      }
      case 's': {
        const void* e = std::memchr(data + pos, '\0', ld - pos);
        if (e == nullptr) luaL_error(L, "unfinished string in data");
        size = static_cast<size_t>(static_cast<const char*>(e) - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        n++;
        break;
      }
      default: control(L, opt, fmt, h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return n + 1;
}

int st_size(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  size_t pos = 0;
  while (*fmt) {
    char opt = *fmt++;
    size_t size = option_size(L, opt, fmt);
    pos += gap(h, size, pos);
    if (opt == 's')
      luaL_argerror(L, 1, "options 's' has no fixed size");
    else if (opt == 'c' && size == 0)
      luaL_argerror(L, 1, "options 'c0' has no fixed size");
    if (!std::isalnum(static_cast<unsigned char>(opt))) control(L, opt, fmt, h);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

}  // namespace

int open_struct(lua_State* L) {
  lua_newtable(L);
  const luaL_Reg fns[] = {{"pack", st_pack}, {"unpack", st_unpack}, {"size", st_size}, {nullptr, nullptr}};
  for (const luaL_Reg* f = fns; f->name; ++f) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
  return 1;
}

}  // namespace datanode
