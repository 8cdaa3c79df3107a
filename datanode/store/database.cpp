#include "datanode/store/database.h"

#include <random>

namespace store {

bool Database::expired(std::string_view key, int64_t now_ms) const {
  if (expires_.empty()) return false;
  auto it = expires_.find(key);
  return it != expires_.end() && it->second <= now_ms;
}

void Database::remove_expired(std::string_view key) {
  std::string copy(key);  // the key may be a view into the entry being removed
  dict_.erase(copy);
  expires_.erase(copy);
  if (on_expired_) on_expired_(index_, copy);
}

Value* Database::find(std::string_view key, int64_t now_ms) {
  auto it = dict_.find(key);
  if (it == dict_.end()) return nullptr;
  if (expired(key, now_ms)) {
    if (!expire_actively_) return nullptr;
    remove_expired(key);
    return nullptr;
  }
  return &it->second;
}

Value& Database::put(std::string_view key, Value value, bool keep_ttl) {
  auto [it, inserted] = dict_.try_emplace(key);
  it->second = std::move(value);
  if (!keep_ttl && !inserted && !expires_.empty()) expires_.erase(key);
  return it->second;
}

Value& Database::create(std::string_view key, Type type) {
  auto [it, inserted] = dict_.try_emplace(key);
  it->second = Value::make(type);
  if (!inserted && !expires_.empty()) expires_.erase(key);
  return it->second;
}

bool Database::erase(std::string_view key) {
  auto it = dict_.find(key);
  if (it == dict_.end()) return false;
  dict_.erase(it);
  if (!expires_.empty()) expires_.erase(key);
  return true;
}

int64_t Database::expire_at(std::string_view key) const {
  auto it = expires_.find(key);
  return it == expires_.end() ? -1 : it->second;
}

void Database::set_expire(std::string_view key, int64_t at_ms) { expires_[key] = at_ms; }

bool Database::persist(std::string_view key) { return expires_.erase(key) > 0; }

int64_t Database::avg_ttl_ms(int64_t now_ms) const {
  if (expires_.empty()) return 0;
  int64_t sum = 0;
  size_t n = 0;
  for (const auto& [k, at] : expires_) {
    if (n >= 1000) break;  // a sample is enough for INFO keyspace
    sum += std::max<int64_t>(0, at - now_ms);
    ++n;
  }
  return sum / static_cast<int64_t>(n);
}

void Database::clear() {
  dict_.clear();
  expires_.clear();
}

size_t Database::expire_some(int64_t now_ms, size_t budget) {
  if (expires_.empty() || !expire_actively_) return 0;
  std::vector<std::string> victims;
  size_t visited = 0;
  // Resume roughly where the previous sweep stopped so every key is visited over successive ticks.
  size_t skip = expire_cursor_ % expires_.size();
  auto it = expires_.begin();
  for (size_t i = 0; i < skip; ++i) ++it;
  for (; it != expires_.end() && visited < budget; ++it, ++visited)
    if (it->second <= now_ms) victims.push_back(it->first);
  expire_cursor_ = (it == expires_.end()) ? 0 : skip + visited;
  for (const std::string& k : victims) remove_expired(k);
  return victims.size();
}

uint64_t Database::scan(uint64_t cursor, size_t count,
                        const std::function<void(const std::string&, const Value&)>& fn) const {
  // Iteration order of the table is stable while it is not modified; the cursor is a position in it.
  auto it = dict_.begin();
  uint64_t pos = 0;
  for (; it != dict_.end() && pos < cursor; ++it) ++pos;
  size_t visited = 0;
  for (; it != dict_.end() && visited < count; ++it, ++visited, ++pos) fn(it->first, it->second);
  return it == dict_.end() ? 0 : pos;
}

void Database::for_each(const std::function<void(const std::string&, const Value&)>& fn) const {
  for (const auto& [k, v] : dict_) fn(k, v);
}

const std::string* Database::random_key(int64_t now_ms) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  for (int attempt = 0; attempt < 100 && !dict_.empty(); ++attempt) {
    size_t n = std::uniform_int_distribution<size_t>(0, dict_.size() - 1)(rng);
    auto it = dict_.begin();
    std::advance(it, static_cast<long>(n));
    if (!expired(it->first, now_ms)) return &it->first;
    if (expire_actively_) remove_expired(it->first);
  }
  return nullptr;
}

}  // namespace store
