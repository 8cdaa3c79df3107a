#include "datanode/store/database.h"

#include <algorithm>

#include "common/util/clock.h"

namespace store {

Database::Database(int index) : index_(index), rng_(std::random_device{}()) {
  lru_now_ = KeyEntry::lru_clock(util::unix_ms());
}

Database::~Database() { clear(); }

bool Database::is_expired(const KeyEntry* e, int64_t now_ms) const {
  if (!e->has_expire || expiry_suspended_) return false;
  const ExpireEntry* x = expire_entry(e);
  return x != nullptr && x->at_ms <= now_ms;
}

ExpireEntry* Database::expire_entry(const KeyEntry* e) const {
  return e->has_expire ? expires_.lookup(e->key()) : nullptr;
}

void Database::drop_expire(KeyEntry* e) {
  if (!e->has_expire) return;
  delete expires_.remove(e->key());
  e->has_expire = 0;
}

void Database::remove_entry(std::string_view key) {
  KeyEntry* e = dict_.remove(key);
  if (e == nullptr) return;
  if (slot_index_) slot_index_->remove(e->key());
  drop_expire(e);
  KeyEntry::destroy(e);
}

void Database::remove_expired(KeyEntry* e) {
  std::string copy(e->key());  // the listener gets a key that outlives the entry
  remove_entry(copy);
  if (on_expired_) on_expired_(index_, copy);
}

KeyEntry* Database::lookup(std::string_view key, int64_t now_ms) {
  KeyEntry* e = dict_.find(key);
  if (e == nullptr) return nullptr;
  if (is_expired(e, now_ms)) {
    if (expire_actively_) {
      remove_expired(e);
      return nullptr;
    }
    if (!master_view_) return nullptr;
  }
  return e;
}

Value* Database::find(std::string_view key, int64_t now_ms) {
  KeyEntry* e = lookup(key, now_ms);
  if (e == nullptr) return nullptr;
  lru_now_ = KeyEntry::lru_clock(now_ms);
  e->lru = lru_now_;
  return &e->value;
}

Value* Database::peek(std::string_view key, int64_t now_ms) {
  KeyEntry* e = lookup(key, now_ms);
  return e == nullptr ? nullptr : &e->value;
}

Value& Database::put(std::string_view key, Value value, bool keep_ttl) {
  KeyEntry* e = dict_.find(key);
  if (e != nullptr) {
    e->value = std::move(value);
    if (!keep_ttl) drop_expire(e);
  } else {
    e = KeyEntry::make(key, std::move(value));
    dict_.insert(e);
    if (slot_index_) slot_index_->add(e->key());
  }
  e->lru = lru_now_;
  return e->value;
}

Value& Database::create(std::string_view key, Type type) { return put(key, Value::make(type)); }

bool Database::erase(std::string_view key) {
  KeyEntry* e = dict_.remove(key);
  if (e == nullptr) return false;
  if (slot_index_) slot_index_->remove(e->key());
  drop_expire(e);
  KeyEntry::destroy(e);
  return true;
}

void Database::rename(std::string_view from, std::string_view to) {
  if (from == to) return;
  KeyEntry* src = dict_.find(from);
  if (src == nullptr) return;
  int64_t at = expire_at(from);
  Value v = std::move(src->value);
  remove_entry(from);
  put(to, std::move(v));
  if (at >= 0) set_expire(to, at);
}

int64_t Database::expire_at(std::string_view key) const {
  if (expires_.empty()) return -1;
  const KeyEntry* e = dict_.lookup(key);
  const ExpireEntry* x = e == nullptr ? nullptr : expire_entry(e);
  return x == nullptr ? -1 : x->at_ms;
}

void Database::set_expire(std::string_view key, int64_t at_ms) {
  KeyEntry* e = dict_.find(key);
  if (e == nullptr) return;
  if (ExpireEntry* x = expire_entry(e)) {
    x->at_ms = at_ms;
    return;
  }
  auto* x = new ExpireEntry;
  x->owner = e;
  x->at_ms = at_ms;
  expires_.insert(x);
  e->has_expire = 1;
}

bool Database::persist(std::string_view key) {
  KeyEntry* e = dict_.find(key);
  if (e == nullptr || !e->has_expire) return false;
  drop_expire(e);
  return true;
}

int64_t Database::idle_seconds(std::string_view key, int64_t now_ms) const {
  const KeyEntry* e = dict_.lookup(key);
  if (e == nullptr) return -1;
  uint32_t now = KeyEntry::lru_clock(now_ms);
  return static_cast<int64_t>((now - e->lru) & KeyEntry::kLruMask);
}

int64_t Database::avg_ttl_ms(int64_t now_ms) {
  if (expires_.empty()) return 0;
  // A random sample is enough for INFO keyspace.
  int64_t sum = 0;
  int n = 0;
  for (; n < 32; ++n) {
    ExpireEntry* x = expires_.random(rng_);
    sum += std::max<int64_t>(0, x->at_ms - now_ms);
  }
  return sum / n;
}

void Database::enable_slot_index() {
  if (slot_index_) return;
  slot_index_ = std::make_unique<SlotIndex>();
  dict_.for_each([&](const KeyEntry* e) { slot_index_->add(e->key()); });
}

void Database::clear() {
  if (slot_index_) slot_index_->clear();
  expires_.clear([](ExpireEntry* x) { delete x; });
  dict_.clear([](KeyEntry* e) { KeyEntry::destroy(e); });
  expire_cursor_ = 0;
}

void Database::swap_contents(Database& other) noexcept {
  dict_.swap(other.dict_);
  std::swap(slot_index_, other.slot_index_);
  expires_.swap(other.expires_);
  std::swap(expire_cursor_, other.expire_cursor_);
}

size_t Database::expire_some(int64_t now_ms, size_t budget) {
  lru_now_ = KeyEntry::lru_clock(now_ms);
  // Like Redis' activerehashing: an idle server still finishes a resize, a little every tick.
  dict_.rehash_step(100);
  expires_.rehash_step(100);
  if (expires_.empty() || !expire_actively_) return 0;
  std::vector<KeyEntry*> victims;
  size_t visited = 0, buckets = 0;
  do {
    expire_cursor_ = expires_.scan(expire_cursor_, [&](const ExpireEntry* x) {
      ++visited;
      if (x->at_ms <= now_ms) victims.push_back(x->owner);
    });
  } while (expire_cursor_ != 0 && visited < budget && ++buckets < budget * 20);
  for (KeyEntry* e : victims) remove_expired(e);
  return victims.size();
}

const std::string* Database::random_key(int64_t now_ms) {
  // Like Redis: if every key sampled is expired, give up after a while rather than loop; on a replica
  // an expired key is still returned after many tries (it cannot be deleted here).
  for (int attempt = 0; attempt < 100; ++attempt) {
    KeyEntry* e = dict_.random(rng_);
    if (e == nullptr) return nullptr;
    if (!is_expired(e, now_ms) || (!expire_actively_ && attempt >= 99)) {
      random_buf_.assign(e->key());
      return &random_buf_;
    }
    if (expire_actively_) remove_expired(e);
  }
  return nullptr;
}

}  // namespace store
