// Keys by cluster hash slot, kept only in cluster mode: CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT are
// called once per slot a reshard moves, so they must not scan the keyspace. The views point into the
// key entries' inline bytes, which live exactly as long as the keys are in the database.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace store {

class SlotIndex {
 public:
  static constexpr int kSlots = 16384;
  SlotIndex() : counts_(kSlots, 0), keys_(kSlots) {}

  void add(std::string_view key);
  void remove(std::string_view key);
  void clear();
  uint64_t count(int slot) const { return counts_[static_cast<size_t>(slot)]; }
  // Up to `max` keys of a slot, in no particular order.
  std::vector<std::string_view> keys(int slot, size_t max) const;

 private:
  std::vector<uint64_t> counts_;
  std::vector<std::unique_ptr<std::unordered_set<std::string_view>>> keys_;
};

}  // namespace store
