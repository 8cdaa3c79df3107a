// CRC-64 with the Jones polynomial (reflected, init 0, no final xor): the checksum Redis appends to
// every RDB file and payload. crc64("123456789") == 0xe9c6d914c4b8d9ca.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rdb {

uint64_t crc64(uint64_t crc, const void* data, size_t len);
inline uint64_t crc64(uint64_t crc, std::string_view s) { return crc64(crc, s.data(), s.size()); }

}  // namespace rdb
