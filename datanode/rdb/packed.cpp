#include "datanode/rdb/packed.h"

#include <cstdint>

namespace rdb {
namespace {

uint64_t le(std::string_view s, size_t pos, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(s[pos + i])) << (8 * i);
  return v;
}

int64_t sign_extend(uint64_t v, int bits) {
  uint64_t m = 1ULL << (bits - 1);
  v &= (bits == 64) ? ~0ULL : ((1ULL << bits) - 1);
  return static_cast<int64_t>((v ^ m) - m);
}

// Bytes of a listpack entry's back-length field for an entry of `len` bytes (encoding + data).
size_t backlen_size(size_t len) {
  if (len <= 127) return 1;
  if (len < 16383) return 2;
  if (len < 2097151) return 3;
  if (len < 268435455) return 4;
  return 5;
}

}  // namespace

std::optional<std::vector<std::string>> decode_listpack(std::string_view lp) {
  // <total bytes:4> <count:2> entries... 0xFF
  if (lp.size() < 7 || le(lp, 0, 4) != lp.size()) return std::nullopt;
  std::vector<std::string> out;
  size_t pos = 6;
  while (true) {
    if (pos >= lp.size()) return std::nullopt;
    auto b = static_cast<unsigned char>(lp[pos]);
    if (b == 0xff) break;
    size_t header = 1, data_len = 0;
    bool is_int = false;
    int64_t ival = 0;
    auto need = [&](size_t n) { return pos + n <= lp.size(); };
    if ((b & 0x80) == 0) {  // 0xxxxxxx: 7-bit unsigned
      is_int = true;
      ival = b & 0x7f;
    } else if ((b & 0xc0) == 0x80) {  // 10xxxxxx: string up to 63 bytes
      data_len = b & 0x3f;
    } else if ((b & 0xe0) == 0xc0) {  // 110xxxxx: 13-bit signed
      if (!need(2)) return std::nullopt;
      header = 2;
      is_int = true;
      ival = sign_extend((static_cast<uint64_t>(b & 0x1f) << 8) | static_cast<unsigned char>(lp[pos + 1]), 13);
    } else if ((b & 0xf0) == 0xe0) {  // 1110xxxx: string up to 4095 bytes
      if (!need(2)) return std::nullopt;
      header = 2;
      data_len = (static_cast<size_t>(b & 0x0f) << 8) | static_cast<unsigned char>(lp[pos + 1]);
    } else if (b == 0xf0) {  // 32-bit string length
      if (!need(5)) return std::nullopt;
      header = 5;
      data_len = le(lp, pos + 1, 4);
    } else {
      int bytes = b == 0xf1 ? 2 : b == 0xf2 ? 3 : b == 0xf3 ? 4 : b == 0xf4 ? 8 : 0;
      if (bytes == 0 || !need(1 + bytes)) return std::nullopt;
      header = 1 + bytes;
      is_int = true;
      ival = sign_extend(le(lp, pos + 1, bytes), bytes * 8);
    }
    if (!need(header + data_len)) return std::nullopt;
    if (is_int) out.push_back(std::to_string(ival));
    else out.emplace_back(lp.substr(pos + header, data_len));
    pos += header + data_len;
    pos += backlen_size(header + data_len);
  }
  return out;
}

std::optional<std::vector<std::string>> decode_ziplist(std::string_view zl) {
  // <zlbytes:4> <zltail:4> <zllen:2> entries... 0xFF; entry: <prevlen> <encoding> <data>
  if (zl.size() < 11 || le(zl, 0, 4) != zl.size()) return std::nullopt;
  std::vector<std::string> out;
  size_t pos = 10;
  while (true) {
    if (pos >= zl.size()) return std::nullopt;
    if (static_cast<unsigned char>(zl[pos]) == 0xff) break;
    pos += static_cast<unsigned char>(zl[pos]) == 0xfe ? 5 : 1;  // prevlen
    if (pos >= zl.size()) return std::nullopt;
    auto b = static_cast<unsigned char>(zl[pos]);
    auto need = [&](size_t n) { return pos + n <= zl.size(); };
    switch (b >> 6) {
      case 0: {  // 00pppppp
        size_t len = b & 0x3f;
        if (!need(1 + len)) return std::nullopt;
        out.emplace_back(zl.substr(pos + 1, len));
        pos += 1 + len;
        continue;
      }
      case 1: {  // 01pppppp qqqqqqqq (big endian)
        if (!need(2)) return std::nullopt;
        size_t len = (static_cast<size_t>(b & 0x3f) << 8) | static_cast<unsigned char>(zl[pos + 1]);
        if (!need(2 + len)) return std::nullopt;
        out.emplace_back(zl.substr(pos + 2, len));
        pos += 2 + len;
        continue;
      }
      case 2: {  // 10000000 + 4 bytes big endian
        if (!need(5)) return std::nullopt;
        size_t len = 0;
        for (int i = 1; i <= 4; ++i) len = (len << 8) | static_cast<unsigned char>(zl[pos + i]);
        if (!need(5 + len)) return std::nullopt;
        out.emplace_back(zl.substr(pos + 5, len));
        pos += 5 + len;
        continue;
      }
      default: break;
    }
    int bytes = 0;
    int64_t v = 0;
    if (b == 0xc0) bytes = 2;
    else if (b == 0xd0) bytes = 4;
    else if (b == 0xe0) bytes = 8;
    else if (b == 0xf0) bytes = 3;
    else if (b == 0xfe) bytes = 1;
    else if (b >= 0xf1 && b <= 0xfd) v = (b & 0x0f) - 1;  // immediate 0..12
    else return std::nullopt;
    if (!need(1 + bytes)) return std::nullopt;
    if (bytes > 0) v = sign_extend(le(zl, pos + 1, bytes), bytes * 8);
    out.push_back(std::to_string(v));
    pos += 1 + bytes;
  }
  return out;
}

std::optional<std::vector<std::string>> decode_intset(std::string_view is) {
  // <encoding:4 (2, 4 or 8)> <length:4> <length little-endian integers of that width>
  if (is.size() < 8) return std::nullopt;
  uint64_t width = le(is, 0, 4), count = le(is, 4, 4);
  if ((width != 2 && width != 4 && width != 8) || is.size() != 8 + width * count) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    int bits = static_cast<int>(width * 8);
    out.push_back(std::to_string(sign_extend(le(is, 8 + i * width, static_cast<int>(width)), bits)));
  }
  return out;
}

}  // namespace rdb
