// A hash value. A small hash (at most `hash-max-listpack-entries` fields, no field or value longer than
// `hash-max-listpack-value` bytes) is one packed buffer of length-prefixed field/value pairs in
// insertion order, searched linearly, as Redis' listpack encoding: two or three bytes of overhead per
// pair instead of a table slot and two std::strings (a 10-field hash of short strings shrinks from about
// 1.3 KB to under 200 bytes). A hash that outgrows either limit becomes a hash table for good, as in
// Redis, and OBJECT ENCODING reports which of the two a hash is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/util/string_map.h"

namespace store {

class Hash {
 public:
  using Table = util::StringMap<std::string>;
  using Entry = std::pair<std::string_view, std::string_view>;  // valid until the hash changes

  // The conversion thresholds, process-wide as Redis' (the server keeps them equal to its settings).
  struct Limits {
    size_t max_entries = 512;
    size_t max_value = 64;
  };
  static Limits& limits();

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Entry;

    Entry operator*() const;
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const Iterator& o) const { return hash_->packed() ? pos_ == o.pos_ : it_ == o.it_; }

   private:
    friend class Hash;
    Iterator(const Hash* h, size_t pos, Table::const_iterator it) : hash_(h), pos_(pos), it_(it) {}
    const Hash* hash_;
    size_t pos_;               // byte offset in the packed buffer (0 when a table)
    Table::const_iterator it_;  // position in the table (a default iterator when packed)
  };

  Hash() = default;
  Hash(const Hash& o);
  Hash& operator=(const Hash&) = delete;
  ~Hash() { std::free(packed_); }

  size_t size() const { return table_ ? table_->size() : packed_count_; }
  bool empty() const { return size() == 0; }
  bool packed() const { return !table_; }

  std::optional<std::string_view> get(std::string_view field) const;
  bool contains(std::string_view field) const { return get(field).has_value(); }
  // Sets a field; true when it is new. Converts to a table when a limit is passed.
  bool set(std::string_view field, std::string_view value);
  // Removes a field; true when it was there.
  bool erase(std::string_view field);

  Iterator begin() const;
  Iterator end() const;

  // Heap bytes held (MEMORY USAGE), not counting the Hash object itself.
  size_t allocated_bytes() const;

 private:
  // Offset of the field's entry in the packed buffer, or npos.
  size_t find_packed(std::string_view field) const;
  // Replaces `len` bytes at `pos` with `with`, reallocating to the exact new size (as a listpack
  // does): no spare capacity, which std::string's doubling would leave in every small hash.
  void splice(size_t pos, size_t len, std::string_view with);
  void to_table();

  // [varint length][field][varint length][value], pair after pair; malloc'ed, exactly packed_bytes_.
  char* packed_ = nullptr;
  uint32_t packed_bytes_ = 0;
  uint32_t packed_count_ = 0;
  std::unique_ptr<Table> table_;
};

}  // namespace store
