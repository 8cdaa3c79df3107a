#include "datanode/cluster/slots.h"

namespace cluster {
namespace {

// CRC16-XMODEM (poly 0x1021, init 0, no reflection), table built at compile time.
constexpr std::array<uint16_t, 256> make_table() {
  std::array<uint16_t, 256> t{};
  for (int i = 0; i < 256; ++i) {
    auto crc = static_cast<uint16_t>(i << 8);
    for (int b = 0; b < 8; ++b)
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021) : static_cast<uint16_t>(crc << 1);
    t[static_cast<size_t>(i)] = crc;
  }
  return t;
}
constexpr auto kTable = make_table();

}  // namespace

uint16_t crc16(const char* data, size_t len) {
  uint16_t crc = 0;
  for (size_t i = 0; i < len; ++i)
    crc = static_cast<uint16_t>((crc << 8) ^ kTable[((crc >> 8) ^ static_cast<uint8_t>(data[i])) & 0xff]);
  return crc;
}

int key_hash_slot(std::string_view key) {
  size_t open = key.find('{');
  if (open != std::string_view::npos) {
    size_t close = key.find('}', open + 1);
    // An empty tag "{}" hashes the whole key.
    if (close != std::string_view::npos && close > open + 1) key = key.substr(open + 1, close - open - 1);
  }
  return crc16(key.data(), key.size()) & (kSlots - 1);
}

int slot_count(const SlotBitmap& b) {
  int n = 0;
  for (uint8_t byte : b) n += __builtin_popcount(byte);
  return n;
}

std::vector<std::pair<int, int>> slot_runs(const SlotBitmap& b) {
  std::vector<std::pair<int, int>> runs;
  int start = -1;
  for (int s = 0; s <= kSlots; ++s) {
    bool on = s < kSlots && slot_test(b, s);
    if (on && start < 0) start = s;
    if (!on && start >= 0) {
      runs.emplace_back(start, s - 1);
      start = -1;
    }
  }
  return runs;
}

std::string slot_runs_text(const SlotBitmap& b) {
  std::string out;
  for (auto [a, z] : slot_runs(b)) {
    if (!out.empty()) out.push_back(' ');
    out += std::to_string(a);
    if (z != a) out += "-" + std::to_string(z);
  }
  return out;
}

}  // namespace cluster
