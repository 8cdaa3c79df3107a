#include "datanode/rdb/lzf.h"

#include <algorithm>

namespace rdb {

// The LZF stream is a sequence of items, each starting with a control byte:
//   000LLLLL                   a literal run of L+1 bytes follows
//   LLLooooo [LLLLLLLL] oooooooo  a back reference: length L+2 (L==7: one more length byte added),
//                              offset ((o_hi << 8) | o_lo) + 1 bytes back into the output.
std::optional<std::string> lzf_decompress(std::string_view in, size_t out_len) {
  // No item expands more than 88 times (3 bytes -> 264): a longer claimed length is a lie, and must not
  // become an allocation (DUMP payloads come from clients).
  if (out_len / 88 > in.size()) return std::nullopt;
  std::string out;
  out.resize(out_len);
  size_t ip = 0, op = 0;
  while (ip < in.size()) {
    unsigned ctrl = static_cast<unsigned char>(in[ip++]);
    if (ctrl < 32) {
      size_t run = ctrl + 1;
      if (ip + run > in.size() || op + run > out_len) return std::nullopt;
      out.replace(op, run, in.data() + ip, run);
      ip += run;
      op += run;
      continue;
    }
    size_t len = ctrl >> 5;
    if (len == 7) {
      if (ip >= in.size()) return std::nullopt;
      len += static_cast<unsigned char>(in[ip++]);
    }
    if (ip >= in.size()) return std::nullopt;
    size_t back = ((ctrl & 0x1f) << 8) + static_cast<unsigned char>(in[ip++]) + 1;
    len += 2;
    if (back > op || op + len > out_len) return std::nullopt;
    // Byte by byte: the reference may overlap the bytes being written (runs).
    for (size_t i = 0; i < len; ++i, ++op) out[op] = out[op - back];
  }
  if (op != out_len) return std::nullopt;
  return out;
}

bool LzfCompressor::compress(std::string_view in, size_t max_out, std::string* out) {
  constexpr size_t kMaxOffset = 1 << 13, kMaxRef = 264, kMaxLiteral = 32;
  const size_t n = in.size();
  out->clear();
  auto at = [&](size_t i) { return static_cast<unsigned char>(in[i]); };
  auto literals = [&](size_t from, size_t to) {
    while (from < to) {
      size_t run = std::min(kMaxLiteral, to - from);
      out->push_back(static_cast<char>(run - 1));
      out->append(in.data() + from, run);
      from += run;
    }
  };
  size_t i = 0, pending = 0;
  while (i + 2 < n && out->size() <= max_out) {
    uint32_t h = ((at(i) << 16) | (at(i + 1) << 8) | at(i + 2)) * 2654435761u;
    h >>= 18;                // 14 bits
    size_t ref = table_[h];  // a stale entry from an earlier string is only a hint: checked below
    table_[h] = static_cast<uint32_t>(i + 1);
    if (ref == 0 || ref - 1 >= i || i - (ref - 1) > kMaxOffset) {
      ++i;
      continue;
    }
    ref -= 1;
    if (at(ref) != at(i) || at(ref + 1) != at(i + 1) || at(ref + 2) != at(i + 2)) {
      ++i;
      continue;
    }
    size_t len = 3, limit = std::min(kMaxRef, n - i);
    while (len < limit && at(ref + len) == at(i + len)) ++len;
    literals(pending, i);
    size_t off = i - ref - 1, l = len - 2;
    if (l < 7) {
      out->push_back(static_cast<char>((l << 5) | (off >> 8)));
    } else {
      out->push_back(static_cast<char>((7 << 5) | (off >> 8)));
      out->push_back(static_cast<char>(l - 7));
    }
    out->push_back(static_cast<char>(off & 0xff));
    i += len;
    pending = i;
  }
  if (out->size() > max_out) return false;
  literals(pending, n);
  return out->size() <= max_out;
}

}  // namespace rdb
