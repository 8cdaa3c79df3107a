#include "datanode/store/slot_index.h"

#include "datanode/cluster/slots.h"

namespace store {

void SlotIndex::add(std::string_view key) {
  auto slot = static_cast<size_t>(cluster::key_hash_slot(key));
  auto& set = keys_[slot];
  if (!set) set = std::make_unique<std::unordered_set<std::string_view>>();
  if (set->insert(key).second) counts_[slot]++;
}

void SlotIndex::remove(std::string_view key) {
  auto slot = static_cast<size_t>(cluster::key_hash_slot(key));
  auto& set = keys_[slot];
  if (!set || set->erase(key) == 0) return;
  counts_[slot]--;
  if (set->empty()) set.reset();
}

void SlotIndex::clear() {
  for (auto& set : keys_) set.reset();
  std::fill(counts_.begin(), counts_.end(), 0);
}

std::vector<std::string_view> SlotIndex::keys(int slot, size_t max) const {
  std::vector<std::string_view> out;
  const auto& set = keys_[static_cast<size_t>(slot)];
  if (!set) return out;
  for (std::string_view k : *set) {
    if (out.size() >= max) break;
    out.push_back(k);
  }
  return out;
}

}  // namespace store
