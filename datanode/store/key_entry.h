// The nodes of a database's two tables. A key's entry is one allocation: chain link, value, length,
// access clock and the key bytes inline (no separate key string), so 1M small string keys cost about
// 80 bytes each plus 8 per bucket. Keys with a TTL also have an ExpireEntry in the expires table,
// which points back at the key entry instead of copying the key.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

#include "datanode/store/value.h"

namespace store {

struct KeyEntry {
  KeyEntry* next = nullptr;
  Value value;
  uint32_t len = 0;
  uint32_t lru : 24 = 0;       // unix seconds of the last access, modulo 2^24 (OBJECT IDLETIME)
  uint32_t has_expire : 1 = 0;  // an ExpireEntry exists: the expires table is looked at only then

  std::string_view key() const { return {reinterpret_cast<const char*>(this + 1), len}; }

  static constexpr uint32_t kLruMask = (1u << 24) - 1;
  static uint32_t lru_clock(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 1000) & kLruMask; }

  static KeyEntry* make(std::string_view key, Value v) {
    void* mem = std::malloc(sizeof(KeyEntry) + key.size());
    if (mem == nullptr) throw std::bad_alloc();
    auto* e = new (mem) KeyEntry();
    e->value = std::move(v);
    e->len = static_cast<uint32_t>(key.size());
    if (!key.empty()) std::memcpy(reinterpret_cast<char*>(e + 1), key.data(), key.size());
    return e;
  }
  static void destroy(KeyEntry* e) {
    e->~KeyEntry();
    std::free(e);
  }
};

struct ExpireEntry {
  ExpireEntry* next = nullptr;
  KeyEntry* owner = nullptr;
  int64_t at_ms = 0;
  std::string_view key() const { return owner->key(); }
};

}  // namespace store
