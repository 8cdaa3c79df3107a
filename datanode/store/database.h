// One numbered database: keys to values, and the expiry times of the keys that have one. Expired keys
// are removed lazily when touched and actively by a bounded sweep; each removal is reported to the
// listener so it can be propagated as a DEL (replicas never expire keys themselves, they wait for it).
//
// Storage: two intrusive hash tables (store/dict.h), one of key entries (key bytes inline, see
// key_entry.h) and one of expiry entries for the keys with a TTL, so sampling and sweeping only ever
// look at keys that can expire.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "datanode/store/dict.h"
#include "datanode/store/key_entry.h"
#include "datanode/store/slot_index.h"
#include "datanode/store/value.h"

namespace store {

class Database {
 public:
  // Called for every key removed because its time ran out.
  using ExpiredFn = std::function<void(int db, std::string_view key)>;

  explicit Database(int index = 0);
  ~Database();
  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  int index() const { return index_; }
  void set_expired_listener(ExpiredFn fn) { on_expired_ = std::move(fn); }
  // Replicas keep logically expired keys until the master's DEL arrives, but hide them from reads.
  void set_expire_actively(bool on) { expire_actively_ = on; }
  bool expire_actively() const { return expire_actively_; }
  // While a replica applies its master's stream, logically expired keys are still visible, as in Redis
  // (the master decided they exist; its DEL follows). Set around Server::execute for the master client.
  void set_master_view(bool on) { master_view_ = on; }
  // While the AOF is replayed nothing expires: each logged command was applied to a live key, and the
  // log holds the DELs of the keys that did expire.
  void set_expiry_suspended(bool on) { expiry_suspended_ = on; }

  // The live value of a key, or nullptr (an expired key is removed first, or hidden on replicas).
  // Records the access time for OBJECT IDLETIME.
  Value* find(std::string_view key, int64_t now_ms);
  // Like find without recording an access (OBJECT, TYPE-like introspection).
  Value* peek(std::string_view key, int64_t now_ms);
  bool exists(std::string_view key, int64_t now_ms) { return peek(key, now_ms) != nullptr; }

  // Stores a value, replacing any old one; the TTL is cleared unless keep_ttl.
  Value& put(std::string_view key, Value value, bool keep_ttl = false);
  // Inserts an empty value of the given type for a key known to be absent.
  Value& create(std::string_view key, Type type);
  bool erase(std::string_view key);
  // Moves the value and TTL of `from` (which must exist) to `to`, replacing whatever `to` held.
  void rename(std::string_view from, std::string_view to);

  // Expiry in unix milliseconds, -1 when the key has none.
  int64_t expire_at(std::string_view key) const;
  // Sets the expiry of an existing key (no-op for an absent key).
  void set_expire(std::string_view key, int64_t at_ms);
  bool persist(std::string_view key);
  // Seconds since the key was last accessed, -1 if absent.
  int64_t idle_seconds(std::string_view key, int64_t now_ms) const;

  size_t size() const { return dict_.size(); }
  // Cluster mode: maintain the keys-by-slot index from now on (built from the current keys).
  void enable_slot_index();
  // Null unless enable_slot_index() was called.
  const SlotIndex* slot_index() const { return slot_index_.get(); }
  size_t volatile_count() const { return expires_.size(); }
  int64_t avg_ttl_ms(int64_t now_ms);
  void clear();
  // Exchanges the data of two databases (SWAPDB); index, listener and expiry mode stay put.
  void swap_contents(Database& other) noexcept;

  // One active-expiry round, as Redis' cycle does it: visits about `budget` keys with a TTL from a
  // cursor over the expires table, removing those whose time passed. Returns how many were removed.
  // Also moves an incremental rehash along so an idle server finishes resizing.
  size_t expire_some(int64_t now_ms, size_t budget);

  // Cursor iteration for SCAN: visits about `count` keys from `cursor`, returns the next cursor (0: done).
  // Every key present for the whole scan is returned at least once, even across resizes. Expired keys
  // are visited too (the caller filters). fn(key, value): key is a std::string_view (or std::string if
  // fn takes one).
  template <typename F>
  uint64_t scan(uint64_t cursor, size_t count, F&& fn) const {
    size_t visited = 0, buckets = 0;
    size_t max_buckets = count * 10;
    do {
      cursor = dict_.scan(cursor, [&](const KeyEntry* e) {
        call(fn, e);
        ++visited;
      });
    } while (cursor != 0 && visited < count && ++buckets < max_buckets);
    return cursor;
  }
  // Every key (expired ones included: check expire_at when it matters); fn must not modify the database.
  template <typename F>
  void for_each(F&& fn) const {
    dict_.for_each([&](const KeyEntry* e) { call(fn, e); });
  }
  // A live key at random, or nullptr if there is none. The pointee is valid until the next call.
  const std::string* random_key(int64_t now_ms);

  // Raw access for persistence and replication snapshots: iterable as pairs (std::string_view key,
  // const Value& value), e.g. `for (const auto& [key, value] : db.entries())`.
  class Entries {
   public:
    using Pair = std::pair<std::string_view, const Value&>;
    class iterator {
     public:
      explicit iterator(Dict<KeyEntry>::const_iterator it) : it_(it) { load(); }
      const Pair& operator*() const { return *pair_; }
      const Pair* operator->() const { return &*pair_; }
      iterator& operator++() {
        ++it_;
        load();
        return *this;
      }
      bool operator==(const iterator& o) const { return it_ == o.it_; }
      bool operator!=(const iterator& o) const { return it_ != o.it_; }

     private:
      void load() {
        if (*it_ != nullptr) pair_.emplace((*it_)->key(), (*it_)->value);
      }
      Dict<KeyEntry>::const_iterator it_;
      std::optional<Pair> pair_;
    };
    explicit Entries(const Dict<KeyEntry>& d) : d_(d) {}
    iterator begin() const { return iterator(d_.begin()); }
    iterator end() const { return iterator(d_.end()); }
    size_t size() const { return d_.size(); }
    bool empty() const { return d_.empty(); }

   private:
    const Dict<KeyEntry>& d_;
  };
  Entries entries() const { return Entries(dict_); }

  // Table internals for tests and INFO.
  const Dict<KeyEntry>& keys_table() const { return dict_; }
  const Dict<ExpireEntry>& expires_table() const { return expires_; }

 private:
  template <typename F>
  static void call(F& fn, const KeyEntry* e) {
    if constexpr (std::is_invocable_v<F&, std::string_view, const Value&>)
      fn(e->key(), e->value);
    else
      fn(std::string(e->key()), e->value);
  }
  KeyEntry* lookup(std::string_view key, int64_t now_ms);
  bool is_expired(const KeyEntry* e, int64_t now_ms) const;
  ExpireEntry* expire_entry(const KeyEntry* e) const;
  void drop_expire(KeyEntry* e);
  void remove_entry(std::string_view key);
  void remove_expired(KeyEntry* e);

  int index_;
  bool expire_actively_ = true;
  bool master_view_ = false;
  bool expiry_suspended_ = false;
  ExpiredFn on_expired_;
  Dict<KeyEntry> dict_;
  Dict<ExpireEntry> expires_;
  uint64_t expire_cursor_ = 0;
  uint32_t lru_now_ = 0;  // the access clock as of the last read or tick, for writes that have no clock
  std::string random_buf_;
  std::mt19937_64 rng_;
  std::unique_ptr<SlotIndex> slot_index_;
};

}  // namespace store
