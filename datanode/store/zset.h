// Sorted set: members ordered by (score, member), with a member -> score index.
// This first version orders with std::set; the API below is what other code (AOF rewrite, RDB,
// replication) relies on, so a faster structure (skiplist with spans for O(log n) ranks) keeps it.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "common/util/string_map.h"

namespace store {

class ZSet {
 public:
  size_t size() const { return scores_.size(); }
  // Adds a member or changes its score; returns true if the member is new.
  bool insert(std::string_view member, double score);
  std::optional<double> score(std::string_view member) const;
  bool erase(std::string_view member);
  // Visits members in (score, member) order.
  void for_each(const std::function<void(const std::string& member, double score)>& fn) const;

 private:
  util::StringMap<double> scores_;
  std::set<std::pair<double, std::string>> order_;
};

}  // namespace store
