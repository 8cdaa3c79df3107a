// Sorted set: a skiplist ordered by (score, member) with span counts for O(log n) rank queries, plus a
// hash from member to score. (Placeholder interface: the sorted-set work fills it in.)
#pragma once

#include <cstddef>
#include <string>

#include "common/util/string_map.h"

namespace store {

class ZSet {
 public:
  size_t size() const { return scores_.size(); }

 private:
  util::StringMap<double> scores_;
};

}  // namespace store
