// An intrusive chained hash table for the keyspace, shaped like Redis' dict: power-of-two bucket arrays,
// incremental rehash between two tables (a resize never stalls the server), a reverse-binary SCAN cursor
// that returns every element present for the whole scan at least once even across resizes, and O(1)
// random sampling. The table only links nodes; whoever inserts a node owns it and frees it after removal.
//
// A Node has a `Node* next` member and a `std::string_view key() const`.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string_view>
#include <utility>

#include "common/util/string_map.h"

namespace store {

// Bit reversal for the SCAN cursor: incrementing the reversed cursor walks the high bits first, so a
// bucket index stays meaningful when the table doubles or halves.
inline uint64_t reverse_bits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
  v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
  return (v >> 32) | (v << 32);
}

template <typename Node>
class Dict {
 public:
  static constexpr size_t kInitialSize = 4;
  // Shrink when fewer than 1 in 10 buckets would be used (Redis' HASHTABLE_MIN_FILL).
  static constexpr size_t kMinFillPercent = 10;

  Dict() = default;
  ~Dict() { release(); }
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  Dict(Dict&& o) noexcept { steal(o); }
  Dict& operator=(Dict&& o) noexcept {
    if (this != &o) {
      release();
      steal(o);
    }
    return *this;
  }
  void swap(Dict& o) noexcept {
    std::swap(t_[0], o.t_[0]);
    std::swap(t_[1], o.t_[1]);
    std::swap(rehash_idx_, o.rehash_idx_);
  }

  size_t size() const { return t_[0].used + t_[1].used; }
  bool empty() const { return size() == 0; }
  bool rehashing() const { return rehash_idx_ >= 0; }
  // Bucket count (both tables while rehashing): for tests and memory estimates.
  size_t buckets() const { return t_[0].capacity() + t_[1].capacity(); }

  static size_t hash(std::string_view key) { return util::StringHash{}(key); }

  // Lookup that also moves a rehash in progress one bucket along.
  Node* find(std::string_view key) {
    if (rehashing()) rehash_step(1);
    return lookup(key);
  }
  // Lookup without side effects.
  Node* lookup(std::string_view key) const {
    if (size() == 0) return nullptr;
    size_t h = hash(key);
    for (int ti = 0; ti <= (rehashing() ? 1 : 0); ++ti) {
      const Table& t = t_[ti];
      if (t.buckets == nullptr) continue;
      for (Node* n = t.buckets[h & t.mask]; n != nullptr; n = n->next)
        if (n->key() == key) return n;
    }
    return nullptr;
  }

  // Links a node whose key is not in the table.
  void insert(Node* n) {
    if (rehashing()) rehash_step(1);
    expand_if_needed();
    Table& t = rehashing() ? t_[1] : t_[0];
    size_t idx = hash(n->key()) & t.mask;
    n->next = t.buckets[idx];
    t.buckets[idx] = n;
    ++t.used;
  }

  // Unlinks the node with this key and returns it (nullptr if absent); the caller frees it.
  Node* remove(std::string_view key) {
    if (size() == 0) return nullptr;
    if (rehashing()) rehash_step(1);
    size_t h = hash(key);
    for (int ti = 0; ti <= (rehashing() ? 1 : 0); ++ti) {
      Table& t = t_[ti];
      if (t.buckets == nullptr) continue;
      Node** link = &t.buckets[h & t.mask];
      while (*link != nullptr) {
        Node* n = *link;
        if (n->key() == key) {
          *link = n->next;
          n->next = nullptr;
          --t.used;
          shrink_if_needed();
          return n;
        }
        link = &n->next;
      }
    }
    return nullptr;
  }

  // Unlinks every node, handing each to `destroy`, and frees the buckets.
  template <typename F>
  void clear(F&& destroy) {
    for (Table& t : t_) {
      for (size_t i = 0; i < t.capacity(); ++i) {
        Node* n = t.buckets[i];
        while (n != nullptr) {
          Node* next = n->next;
          destroy(n);
          n = next;
        }
      }
    }
    release();
  }

  // Moves up to `n` buckets from the old table to the new one (visiting at most 10n empty buckets).
  // Returns false when no rehash is in progress any more.
  bool rehash_step(size_t n) {
    if (!rehashing()) return false;
    size_t empty_visits = n * 10;
    Table& from = t_[0];
    Table& to = t_[1];
    while (n-- > 0 && from.used > 0) {
      while (from.buckets[static_cast<size_t>(rehash_idx_)] == nullptr) {
        ++rehash_idx_;
        if (--empty_visits == 0) return true;
      }
      Node* node = from.buckets[static_cast<size_t>(rehash_idx_)];
      while (node != nullptr) {
        Node* next = node->next;
        size_t idx = hash(node->key()) & to.mask;
        node->next = to.buckets[idx];
        to.buckets[idx] = node;
        --from.used;
        ++to.used;
        node = next;
      }
      from.buckets[static_cast<size_t>(rehash_idx_)] = nullptr;
      ++rehash_idx_;
    }
    if (from.used == 0) {
      std::free(from.buckets);
      t_[0] = t_[1];
      t_[1] = Table{};
      rehash_idx_ = -1;
      return false;
    }
    return true;
  }

  // One SCAN step from `cursor`: calls fn(node) for every node of one bucket (and, while rehashing, of
  // the buckets of the larger table that it expands to). Returns the next cursor, 0 when done.
  // fn must not insert or remove.
  template <typename F>
  uint64_t scan(uint64_t cursor, F&& fn) const {
    if (size() == 0) return 0;
    uint64_t v = cursor;
    if (!rehashing()) {
      const Table& t = t_[0];
      visit_bucket(t, v & t.mask, fn);
      v = next_cursor(v, t.mask);
    } else {
      const Table* small = &t_[0];
      const Table* big = &t_[1];
      if (small->mask > big->mask) std::swap(small, big);
      uint64_t m0 = small->mask, m1 = big->mask;
      visit_bucket(*small, v & m0, fn);
      // Then every bucket of the larger table whose low bits are this small-table bucket.
      do {
        visit_bucket(*big, v & m1, fn);
        v = next_cursor(v, m1);
      } while ((v & (m0 ^ m1)) != 0);
    }
    return v;
  }

  // A node chosen at random (nullptr when empty): a random non-empty bucket, then a random chain link.
  template <typename Rng>
  Node* random(Rng& rng) {
    if (size() == 0) return nullptr;
    if (rehashing()) rehash_step(1);
    Node* head = nullptr;
    while (head == nullptr) {
      if (rehashing()) {
        // Buckets of the old table below rehash_idx_ are empty: draw among the rest and the new table.
        size_t first = static_cast<size_t>(rehash_idx_);
        size_t span = t_[0].capacity() - first + t_[1].capacity();
        size_t i = first + static_cast<size_t>(rng() % span);
        head = i < t_[0].capacity() ? t_[0].buckets[i] : t_[1].buckets[i - t_[0].capacity()];
      } else {
        head = t_[0].buckets[static_cast<size_t>(rng()) & t_[0].mask];
      }
    }
    size_t len = 0;
    for (Node* n = head; n != nullptr; n = n->next) ++len;
    size_t pick = static_cast<size_t>(rng() % len);
    while (pick-- > 0) head = head->next;
    return head;
  }

  // Visits every node; fn must not insert or remove.
  template <typename F>
  void for_each(F&& fn) const {
    for (const Table& t : t_)
      for (size_t i = 0; i < t.capacity(); ++i)
        for (Node* n = t.buckets[i]; n != nullptr; n = n->next) fn(n);
  }

  // Forward iteration over every node (no insert or remove while iterating).
  class const_iterator {
   public:
    const_iterator() = default;
    const_iterator(const Dict* d, int table, size_t bucket, Node* node)
        : d_(d), table_(table), bucket_(bucket), node_(node) {
      if (node_ == nullptr) settle();
    }
    Node* operator*() const { return node_; }
    const_iterator& operator++() {
      node_ = node_->next;
      if (node_ == nullptr) {
        ++bucket_;
        settle();
      }
      return *this;
    }
    bool operator==(const const_iterator& o) const { return node_ == o.node_; }
    bool operator!=(const const_iterator& o) const { return node_ != o.node_; }

   private:
    void settle() {
      while (table_ < 2) {
        const Table& t = d_->t_[table_];
        while (bucket_ < t.capacity()) {
          if (t.buckets[bucket_] != nullptr) {
            node_ = t.buckets[bucket_];
            return;
          }
          ++bucket_;
        }
        ++table_;
        bucket_ = 0;
      }
      node_ = nullptr;
    }
    const Dict* d_ = nullptr;
    int table_ = 2;
    size_t bucket_ = 0;
    Node* node_ = nullptr;
  };
  const_iterator begin() const { return const_iterator(this, 0, 0, nullptr); }
  const_iterator end() const { return const_iterator(); }

 private:
  struct Table {
    Node** buckets = nullptr;
    size_t mask = 0;
    size_t used = 0;
    size_t capacity() const { return buckets == nullptr ? 0 : mask + 1; }
  };

  static uint64_t next_cursor(uint64_t v, uint64_t mask) {
    v |= ~mask;  // set the bits above the mask so the increment carries through the masked bits only
    v = reverse_bits(v);
    ++v;
    return reverse_bits(v);
  }

  template <typename F>
  static void visit_bucket(const Table& t, size_t idx, F& fn) {
    if (t.buckets == nullptr) return;
    for (Node* n = t.buckets[idx]; n != nullptr; n = n->next) fn(n);
  }

  static size_t next_power(size_t n) {
    size_t s = kInitialSize;
    while (s < n) s <<= 1;
    return s;
  }

  void start_resize(size_t want) {
    size_t cap = next_power(want);
    Table t;
    t.buckets = static_cast<Node**>(std::calloc(cap, sizeof(Node*)));
    t.mask = cap - 1;
    if (t_[0].buckets == nullptr) {
      t_[0] = t;
      return;
    }
    t_[1] = t;
    rehash_idx_ = 0;
  }

  void expand_if_needed() {
    if (rehashing()) return;
    if (t_[0].buckets == nullptr) return start_resize(kInitialSize);
    if (t_[0].used >= t_[0].capacity()) start_resize(t_[0].used + 1);
  }

  void shrink_if_needed() {
    if (rehashing()) return;
    size_t cap = t_[0].capacity();
    if (cap <= kInitialSize) return;
    if (t_[0].used * 100 / cap < kMinFillPercent) start_resize(t_[0].used);
  }

  void release() {
    std::free(t_[0].buckets);
    std::free(t_[1].buckets);
    t_[0] = t_[1] = Table{};
    rehash_idx_ = -1;
  }

  void steal(Dict& o) {
    t_[0] = o.t_[0];
    t_[1] = o.t_[1];
    rehash_idx_ = o.rehash_idx_;
    o.t_[0] = o.t_[1] = Table{};
    o.rehash_idx_ = -1;
  }

  Table t_[2];
  int64_t rehash_idx_ = -1;
};

}  // namespace store
