// LZF decompression, for the compressed strings a Redis RDB may carry (rdbcompression yes).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace rdb {

// Expands `in` into exactly `out_len` bytes; nullopt when the input is malformed or the size differs.
std::optional<std::string> lzf_decompress(std::string_view in, size_t out_len);

}  // namespace rdb
