// One numbered database: keys to values, and the expiry times of the keys that have one. Expired keys
// are removed lazily when touched and actively by a bounded sweep; each removal is reported to the
// listener so it can be propagated as a DEL (replicas never expire keys themselves, they wait for it).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/string_map.h"
#include "datanode/store/value.h"

namespace store {

class Database {
 public:
  // Called for every key removed because its time ran out.
  using ExpiredFn = std::function<void(int db, std::string_view key)>;

  explicit Database(int index = 0) : index_(index) {}

  int index() const { return index_; }
  void set_expired_listener(ExpiredFn fn) { on_expired_ = std::move(fn); }
  // Replicas keep logically expired keys until the master's DEL arrives, but hide them from reads.
  void set_expire_actively(bool on) { expire_actively_ = on; }

  // The live value of a key, or nullptr (an expired key is removed first, or hidden on replicas).
  Value* find(std::string_view key, int64_t now_ms);
  bool exists(std::string_view key, int64_t now_ms) { return find(key, now_ms) != nullptr; }

  // Stores a value, replacing any old one; the TTL is cleared unless keep_ttl.
  Value& put(std::string_view key, Value value, bool keep_ttl = false);
  // Inserts an empty value of the given type for a key known to be absent.
  Value& create(std::string_view key, Type type);
  bool erase(std::string_view key);

  // Expiry in unix milliseconds, -1 when the key has none.
  int64_t expire_at(std::string_view key) const;
  void set_expire(std::string_view key, int64_t at_ms);
  bool persist(std::string_view key);

  size_t size() const { return dict_.size(); }
  size_t volatile_count() const { return expires_.size(); }
  int64_t avg_ttl_ms(int64_t now_ms) const;
  void clear();

  // Removes expired keys, visiting at most `budget` keys with a TTL. Returns how many were removed.
  size_t expire_some(int64_t now_ms, size_t budget);

  // Cursor iteration for SCAN: visits about `count` keys from `cursor`, returns the next cursor (0: done).
  uint64_t scan(uint64_t cursor, size_t count, const std::function<void(const std::string&, const Value&)>& fn) const;
  // Every live key (KEYS), and one at random (RANDOMKEY); both skip expired keys.
  void for_each(const std::function<void(const std::string&, const Value&)>& fn) const;
  const std::string* random_key(int64_t now_ms);

  // Raw access for persistence and replication snapshots.
  const util::StringMap<Value>& entries() const { return dict_; }

 private:
  bool expired(std::string_view key, int64_t now_ms) const;
  void remove_expired(std::string_view key);

  int index_;
  bool expire_actively_ = true;
  ExpiredFn on_expired_;
  util::StringMap<Value> dict_;
  util::StringMap<int64_t> expires_;
  uint64_t expire_cursor_ = 0;
};

}  // namespace store
