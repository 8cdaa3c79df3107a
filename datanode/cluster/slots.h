// Hash slots: CRC16-XMODEM of the key (or of its {hash tag}) modulo 16384, and the 2048-byte slot
// bitmap the bus carries (bit s = byte s/8, bit s&7, least significant first).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cluster {

constexpr int kSlots = 16384;
using SlotBitmap = std::array<uint8_t, kSlots / 8>;

uint16_t crc16(const char* data, size_t len);
int key_hash_slot(std::string_view key);

inline bool slot_test(const SlotBitmap& b, int s) { return (b[static_cast<size_t>(s >> 3)] >> (s & 7)) & 1; }
inline void slot_set(SlotBitmap& b, int s) {
  b[static_cast<size_t>(s >> 3)] |= static_cast<uint8_t>(1u << (s & 7));
}
inline void slot_clear(SlotBitmap& b, int s) {
  b[static_cast<size_t>(s >> 3)] &= static_cast<uint8_t>(~(1u << (s & 7)));
}
int slot_count(const SlotBitmap& b);
// Maximal runs of set bits, as Redis prints them ("0-5460 5462").
std::vector<std::pair<int, int>> slot_runs(const SlotBitmap& b);
std::string slot_runs_text(const SlotBitmap& b);

}  // namespace cluster
