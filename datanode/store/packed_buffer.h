// What the packed encodings (store::Hash's listpack, store::List's quicklist nodes) share: strings laid
// end to end in one malloc'ed buffer, each behind a LEB128 length, and a splice that reallocates the
// buffer to its exact new size (as a listpack does: no spare capacity left in every small value).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace store::packed {

// LEB128 lengths: one byte up to 127, two up to 16383.
inline void put_length(std::string& out, size_t n) {
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
}

inline size_t length_bytes(size_t n) {
  size_t bytes = 1;
  for (; n >= 0x80; n >>= 7) ++bytes;
  return bytes;
}

// The string at `pos` (its length prefix first); `pos` moves past it.
inline std::string_view take(const char* buf, size_t& pos) {
  size_t n = 0;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<unsigned char>(buf[pos++]);
    n |= static_cast<size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  std::string_view s(buf + pos, n);
  pos += n;
  return s;
}

// `s` behind its length, ready to splice in.
inline std::string encode(std::string_view s) {
  std::string out;
  out.reserve(s.size() + length_bytes(s.size()));
  put_length(out, s.size());
  out.append(s);
  return out;
}

// Opens `len` bytes at `pos` of the `bytes`-long buffer `buf` (reallocated to the exact new size) and
// returns where they start, for the caller to fill.
char* open_gap(char*& buf, uint32_t& bytes, size_t pos, size_t len);

// Replaces `len` bytes at `pos` of the `bytes`-long buffer `buf` with `with`, reallocating to the exact
// new size (freed when empty). Throws std::bad_alloc, or std::length_error past 4 GB.
void splice(char*& buf, uint32_t& bytes, size_t pos, size_t len, std::string_view with);

}  // namespace store::packed
