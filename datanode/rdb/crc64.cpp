#include "datanode/rdb/crc64.h"

#include <array>

namespace rdb {
namespace {

// 0xad93d23594c935a9 with its bits reversed: the table works on the reflected form.
constexpr uint64_t kReflectedPoly = 0x95ac9329ac4bc9b5ULL;

// Slicing-by-8 tables: a full sync checksums the whole snapshot, so byte-at-a-time would show up.
struct Tables {
  std::array<std::array<uint64_t, 256>, 8> t{};
  constexpr Tables() {
    for (uint64_t i = 0; i < 256; ++i) {
      uint64_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kReflectedPoly : c >> 1;
      t[0][i] = c;
    }
    for (size_t i = 0; i < 256; ++i)
      for (size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
};

const Tables& tables() {
  static const Tables kTables;
  return kTables;
}

}  // namespace

uint64_t crc64(uint64_t crc, const void* data, size_t len) {
  const auto& t = tables().t;
  auto* p = static_cast<const unsigned char*>(data);
  while (len >= 8) {
    uint64_t v = crc;
    for (int i = 0; i < 8; ++i) v ^= static_cast<uint64_t>(p[i]) << (8 * i);
    crc = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^ t[5][(v >> 16) & 0xff] ^ t[4][(v >> 24) & 0xff] ^
          t[3][(v >> 32) & 0xff] ^ t[2][(v >> 40) & 0xff] ^ t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
    p += 8;
    len -= 8;
  }
  while (len--) crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

}  // namespace rdb
