#include "datanode/rdb/lzf.h"

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

}  // namespace rdb
