// maxmemory enforcement: Redis' performEvictions() and its eviction pool (evict.c), written for our
// store. Victims are chosen from samples, never by a full scan: each round samples maxmemory-samples keys
// per database into a 16-entry pool ordered by how good a victim each is, then evicts the best one.
#include <algorithm>
#include <limits>

#include "common/command/table.h"
#include "common/util/clock.h"
#include "datanode/memory/memory.h"
#include "datanode/server/notify.h"
#include "datanode/server/server.h"

namespace datanode {

namespace {

constexpr size_t kPoolSize = 16;  // Redis' EVPOOL_SIZE

enum class Policy {
  kNoEviction,
  kAllLru,
  kAllLfu,
  kAllRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl
};

Policy policy_of(const std::string& name) {
  if (name == "allkeys-lru") return Policy::kAllLru;
  if (name == "allkeys-lfu") return Policy::kAllLfu;
  if (name == "allkeys-random") return Policy::kAllRandom;
  if (name == "volatile-lru") return Policy::kVolatileLru;
  if (name == "volatile-lfu") return Policy::kVolatileLfu;
  if (name == "volatile-random") return Policy::kVolatileRandom;
  if (name == "volatile-ttl") return Policy::kVolatileTtl;
  return Policy::kNoEviction;
}

bool volatile_only(Policy p) {
  return p == Policy::kVolatileLru || p == Policy::kVolatileLfu || p == Policy::kVolatileRandom ||
         p == Policy::kVolatileTtl;
}
bool is_random(Policy p) { return p == Policy::kAllRandom || p == Policy::kVolatileRandom; }
bool is_lfu(Policy p) { return p == Policy::kAllLfu || p == Policy::kVolatileLfu; }

// Redis' evictionTimeLimitUs(): 50 us per tenacity step up to 10 (500 us), then 15% more per step, and
// unlimited at 100.
int64_t eviction_time_limit_us(int tenacity) {
  if (tenacity <= 10) return 50LL * tenacity;
  if (tenacity < 100) {
    double us = 500.0;
    for (int i = 10; i < tenacity; ++i) us *= 1.15;
    return static_cast<int64_t>(us);
  }
  return std::numeric_limits<int64_t>::max();
}

}  // namespace

// A key at random (volatile_only: among those with a TTL) and its LRU clock; nullptr when none. The
// tables are the database's own: drawing from them may move an incremental rehash along, which is why
// the database is reached through a non-const reference.
const std::string* Memory::sample(int db_index, bool only_volatile, uint32_t* lru) {
  store::Database& db = server_.db(db_index);
  const store::KeyEntry* e = nullptr;
  if (only_volatile) {
    auto& expires = const_cast<store::Dict<store::ExpireEntry>&>(db.expires_table());
    const store::ExpireEntry* x = expires.random(rng_);
    e = x == nullptr ? nullptr : x->owner;
  } else {
    e = const_cast<store::Dict<store::KeyEntry>&>(db.keys_table()).random(rng_);
  }
  if (e == nullptr) return nullptr;
  *lru = e->lru;
  sample_buf_.assign(e->key());
  return &sample_buf_;
}

uint64_t Memory::victim_score(int db, std::string_view key, uint32_t lru, int64_t now_ms) {
  Policy policy = policy_of(server_.settings().maxmemory_policy);
  if (policy == Policy::kVolatileTtl) {
    int64_t at = server_.db(db).expire_at(key);
    return std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(std::max<int64_t>(at, 0));
  }
  if (is_lfu(policy)) return 255 - static_cast<uint64_t>(lfu_frequency(db, key, now_ms));
  return (store::KeyEntry::lru_clock(now_ms) - lru) & store::KeyEntry::kLruMask;  // seconds idle
}

void Memory::populate_pool(int db_index, bool only_volatile) {
  store::Database& db = server_.db(db_index);
  int64_t now = util::unix_ms();
  // Never more draws than keys (Redis' dictGetSomeKeys returns at most the table's size).
  size_t available = only_volatile ? db.volatile_count() : db.size();
  size_t samples = std::min(static_cast<size_t>(std::max(1, options_->samples)), available);
  for (size_t i = 0; i < samples; ++i) {
    uint32_t lru = 0;
    const std::string* key = sample(db_index, only_volatile, &lru);
    if (key == nullptr) return;
    uint64_t score = victim_score(db_index, *key, lru, now);
    auto same = [&](const PoolEntry& p) { return p.db == db_index && p.key == *key; };
    if (std::any_of(pool_.begin(), pool_.end(), same)) continue;
    if (pool_.size() >= kPoolSize && score <= pool_.front().score) continue;
    auto at = std::lower_bound(pool_.begin(), pool_.end(), score,
                               [](const PoolEntry& p, uint64_t s) { return p.score < s; });
    pool_.insert(at, PoolEntry{score, db_index, *key});
    if (pool_.size() > kPoolSize) pool_.erase(pool_.begin());  // drop the worst candidate
  }
}

bool Memory::pick_victim(int* db, std::string* key) {
  Policy policy = policy_of(server_.settings().maxmemory_policy);
  bool only_volatile = volatile_only(policy);
  int count = static_cast<int>(server_.databases().size());
  if (is_random(policy)) {
    // One database after the other, so a single full database does not take all evictions.
    for (int i = 0; i < count; ++i) {
      int index = (next_random_db_++) % count;
      uint32_t lru = 0;
      const std::string* k = sample(index, only_volatile, &lru);
      if (k == nullptr) continue;
      *db = index;
      *key = *k;
      return true;
    }
    return false;
  }
  while (true) {
    size_t candidates = 0;
    for (int i = 0; i < count; ++i) {
      store::Database& d = server_.db(i);
      size_t n = only_volatile ? d.volatile_count() : d.size();
      if (n == 0) continue;
      populate_pool(i, only_volatile);
      candidates += n;
    }
    if (candidates == 0) return false;
    // From the best victim down; an entry whose key went away meanwhile (a ghost) is skipped.
    while (!pool_.empty()) {
      PoolEntry best = std::move(pool_.back());
      pool_.pop_back();
      store::Database& d = server_.db(best.db);
      bool present = only_volatile ? d.expire_at(best.key) >= 0 : d.keys_table().lookup(best.key) != nullptr;
      if (!present) continue;
      *db = best.db;
      *key = std::move(best.key);
      return true;
    }
  }
}

void Memory::evict_key(int db, const std::string& key) {
  server_.db(db).erase(key);
  lfu_[static_cast<size_t>(db)].erase(key);
  server_.stats().evicted_keys++;
  // Replicas and the AOF see a DEL, as for an expired key: they never evict on their own.
  std::vector<std::string_view> del = {"DEL", key};
  server_.propagate(db, del);
  server_.touch(db, key);
  notify_evicted(db, key);
}

void Memory::notify_evicted(int db, std::string_view key) {
  notify(server_, kNotifyEvicted, "evicted", key, db);
}

bool Memory::perform_evictions() {
  const Settings& s = server_.settings();
  // Replicas follow their master's DELs (replica-ignore-maxmemory); nothing is evicted while loading.
  if (s.maxmemory <= 0 || server_.loading() || server_.is_replica()) return true;
  int64_t counted = used_.get();
  if (counted > s.maxmemory) counted -= not_counted();
  if (counted <= s.maxmemory) {
    if (over_since_ms_ != 0) {
      exceeded_total_ms_ += util::mono_ms() - over_since_ms_;
      over_since_ms_ = 0;
    }
    return true;
  }
  if (over_since_ms_ == 0) over_since_ms_ = util::mono_ms();
  Policy policy = policy_of(s.maxmemory_policy);
  if (policy == Policy::kNoEviction) return false;
  int64_t to_free = counted - s.maxmemory, freed = 0;
  int64_t limit_us = eviction_time_limit_us(options_->tenacity);
  int64_t start = util::mono_us();
  size_t evicted = 0;
  while (freed < to_free) {
    int db = 0;
    std::string key;
    if (!pick_victim(&db, &key)) return false;  // nothing evictable left
    int64_t before = used_.get();
    evict_key(db, key);
    freed += before - used_.get();
    // Past the time budget the rest is left to the cron and the next commands (Redis' EVICT_RUNNING).
    if (++evicted % 16 == 0 && util::mono_us() - start > limit_us) return true;
  }
  return true;
}

std::string Memory::oom_guard(const Client& c, const std::string& command, bool denyoom) {
  if (options_->clients_limit != "0") evict_clients();
  pre_command_oom_ = server_.settings().maxmemory > 0 && !perform_evictions();
  if (!pre_command_oom_) return "";
  bool deny = denyoom;
  if (command == "exec") {
    deny = std::any_of(c.multi_queue.begin(), c.multi_queue.end(), [&](const QueuedCommand& q) {
      const CommandSpec* s = server_.commands().find(q.args[0]);
      return s != nullptr && s->has(command::kDenyOom);
    });
  } else if (c.has(kClientMulti) && command != "discard" && command != "quit" && command != "reset") {
    deny = true;  // a queue could grow without bound: nothing is queued while out of memory
  }
  return deny ? "OOM command not allowed when used memory > 'maxmemory'." : "";
}

}  // namespace datanode
