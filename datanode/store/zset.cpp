#include "datanode/store/zset.h"

namespace store {

bool ZSet::insert(std::string_view member, double score) {
  auto it = scores_.find(member);
  if (it != scores_.end()) {
    if (it->second == score) return false;
    order_.erase({it->second, it->first});
    it->second = score;
    order_.emplace(score, it->first);
    return false;
  }
  scores_.emplace(std::string(member), score);
  order_.emplace(score, std::string(member));
  return true;
}

std::optional<double> ZSet::score(std::string_view member) const {
  auto it = scores_.find(member);
  if (it == scores_.end()) return std::nullopt;
  return it->second;
}

bool ZSet::erase(std::string_view member) {
  auto it = scores_.find(member);
  if (it == scores_.end()) return false;
  order_.erase({it->second, it->first});
  scores_.erase(it);
  return true;
}

void ZSet::for_each(const std::function<void(const std::string&, double)>& fn) const {
  for (const auto& [score, member] : order_) fn(member, score);
}

}  // namespace store
