// A set value. A set of integers only (each member as Redis' string2ll reads it: no sign but '-', no
// leading zero) of at most `set-max-intset-entries` members is an intset, as in Redis: one sorted
// array of 16-, 32- or 64-bit integers, as wide as its widest member needs, searched by bisection (ten
// small integers take 20 bytes instead of a table's slots and strings). The first member that is not
// such an integer, or one member too many, makes it a hash table for good, and OBJECT ENCODING reports
// which of the two a set is. An intset iterates in ascending order, as Redis'.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string_view>

#include "common/util/string_map.h"

namespace store {

class Set {
 public:
  using Table = util::StringSet;

  // The conversion threshold, process-wide as Redis' (the server keeps it equal to its settings).
  struct Limits {
    size_t max_intset_entries = 512;
  };
  static Limits& limits();

  // Members as string views; an intset's member is written into the iterator itself, so a view is
  // valid until the iterator moves (and, for either form, until the set changes).
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;

    std::string_view operator*() const;
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const Iterator& o) const { return set_->intset() ? index_ == o.index_ : it_ == o.it_; }

   private:
    friend class Set;
    Iterator(const Set* s, size_t index, Table::const_iterator it) : set_(s), index_(index), it_(it) {}
    const Set* set_;
    size_t index_;              // position in the intset (0 when a table)
    Table::const_iterator it_;  // position in the table (a default iterator when an intset)
    mutable char text_[24] = {};     // the intset member last read
  };

  Set() = default;
  Set(const Set& o);
  Set& operator=(const Set&) = delete;
  ~Set();

  size_t size() const { return table_ ? table_->size() : bytes_ / width_; }
  bool empty() const { return size() == 0; }
  bool intset() const { return !table_; }

  bool contains(std::string_view member) const;
  // Adds a member; true when it is new. Converts to a table when the intset cannot hold it.
  bool insert(std::string_view member);
  // Removes a member; true when it was there.
  bool erase(std::string_view member);

  Iterator begin() const;
  Iterator end() const;

  // Heap bytes held (MEMORY USAGE), not counting the Set object itself.
  size_t allocated_bytes() const;

 private:
  int64_t int_at(size_t i) const;
  // Index of `v` in the intset, or where it would go (`found` false).
  size_t bisect(int64_t v, bool& found) const;
  // Rewrites the intset `width` bytes per integer.
  void widen(uint8_t width);
  void to_table();

  char* ints_ = nullptr;  // malloc'ed, exactly bytes_ long, ascending integers of width_ bytes
  uint32_t bytes_ = 0;
  uint8_t width_ = 2;
  std::unique_ptr<Table> table_;
};

}  // namespace store
