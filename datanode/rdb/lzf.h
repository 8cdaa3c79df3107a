// LZF, for the compressed strings of an RDB (rdbcompression yes): what Redis' lzf_d reads and lzf_c writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rdb {

// Expands `in` into exactly `out_len` bytes; nullopt when the input is malformed or the size differs.
std::optional<std::string> lzf_decompress(std::string_view in, size_t out_len);

// Keeps its hash table between calls so compressing many small strings allocates nothing.
class LzfCompressor {
 public:
  LzfCompressor() : table_(kTableSize, 0) {}
  // Compresses `in` into *out (replaced); false when the result would exceed `max_out` bytes.
  bool compress(std::string_view in, size_t max_out, std::string* out);

 private:
  static constexpr size_t kTableSize = 1 << 14;
  std::vector<uint32_t> table_;  // position + 1 of the last occurrence of a 3-byte hash
};

}  // namespace rdb
