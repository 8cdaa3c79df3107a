#include "datanode/server/watch.h"

#include <algorithm>

#include "common/util/clock.h"
#include "datanode/server/client.h"
#include "datanode/server/server.h"

namespace datanode {

Watches::Watches(Server& server) : server_(server) {
  by_db_.resize(server.databases().size());
  server.add_key_listener([this](int db, std::string_view key) {
    if (total_ > 0) touched(db, key);
  });
  server.add_flush_listener([this](int db) {
    if (total_ > 0) flushed(db);
  });
  server.add_client_close_listener([this](Client& c) { unwatch_all(c); });
}

void Watches::watch(Client& c, int db, std::string_view key) {
  if (db < 0 || static_cast<size_t>(db) >= by_db_.size()) return;
  for (const auto& [d, k] : c.watched_keys)
    if (d == db && k == key) return;
  c.watched_keys.emplace_back(db, std::string(key));
  by_db_[static_cast<size_t>(db)][key].push_back({&c, stored_expired(db, key)});
  ++total_;
}

void Watches::unwatch_all(Client& c) {
  for (const auto& [db, key] : c.watched_keys) {
    auto& keys = by_db_[static_cast<size_t>(db)];
    auto it = keys.find(key);
    if (it == keys.end()) continue;
    std::erase_if(it->second, [&](const Watcher& w) { return w.client == &c; });
    if (it->second.empty()) keys.erase(it);
    --total_;
  }
  c.watched_keys.clear();
}

bool Watches::stored(int db, std::string_view key) {
  // idle_seconds looks the entry up without expiring it.
  return server_.db(db).idle_seconds(key, 0) >= 0;
}

bool Watches::stored_expired(int db, std::string_view key) {
  if (server_.loading()) return false;
  int64_t at = server_.db(db).expire_at(key);
  return at >= 0 && util::unix_ms() > at;
}

bool Watches::expired_since_watch(const Client& c) {
  for (const auto& [db, key] : c.watched_keys) {
    auto& keys = by_db_[static_cast<size_t>(db)];
    auto it = keys.find(key);
    if (it == keys.end()) continue;
    for (const Watcher& w : it->second)
      if (w.client == &c && !w.expired && stored_expired(db, key)) return true;
  }
  return false;
}

void Watches::touched(int db, std::string_view key) {
  if (db < 0 || static_cast<size_t>(db) >= by_db_.size()) return;
  auto& keys = by_db_[static_cast<size_t>(db)];
  auto it = keys.find(key);
  if (it == keys.end()) return;
  for (Watcher& w : it->second) {
    if (w.expired) {
      // Redis' touchWatchedKey: the removal of a key that was already expired when watched is no
      // change (the flag is cleared); otherwise it stops at this watcher, leaving the rest untouched.
      if (!stored(db, key)) {
        w.expired = false;
        continue;
      }
      break;
    }
    w.client->flags |= kClientDirtyCas;
  }
}

void Watches::flushed(int db) {
  for (size_t i = 0; i < by_db_.size(); ++i) {
    if (db >= 0 && static_cast<size_t>(db) != i) continue;
    // Called before the data goes: only keys stored (expired or not) are changed by the flush, and one
    // that had expired before it was watched is not (Redis' touchAllWatchedKeysInDb).
    for (auto& [key, watchers] : by_db_[i]) {
      if (!stored(static_cast<int>(i), key)) continue;
      for (Watcher& w : watchers) {
        if (w.expired) {
          w.expired = false;
          continue;
        }
        w.client->flags |= kClientDirtyCas;
      }
    }
  }
}

}  // namespace datanode
