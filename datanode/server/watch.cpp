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
  by_db_[static_cast<size_t>(db)][key].push_back(&c);
  ++total_;
}

void Watches::unwatch_all(Client& c) {
  for (const auto& [db, key] : c.watched_keys) {
    auto& keys = by_db_[static_cast<size_t>(db)];
    auto it = keys.find(key);
    if (it == keys.end()) continue;
    std::erase(it->second, &c);
    if (it->second.empty()) keys.erase(it);
    --total_;
  }
  c.watched_keys.clear();
}

void Watches::touched(int db, std::string_view key) {
  if (db < 0 || static_cast<size_t>(db) >= by_db_.size()) return;
  auto& keys = by_db_[static_cast<size_t>(db)];
  auto it = keys.find(key);
  if (it == keys.end()) return;
  for (Client* c : it->second) c->flags |= kClientDirtyCas;
}

void Watches::flushed(int db) {
  for (size_t i = 0; i < by_db_.size(); ++i) {
    if (db >= 0 && static_cast<size_t>(db) != i) continue;
    // Called before the data goes: only keys that exist are changed by the flush (as in Redis).
    store::Database& data = server_.db(static_cast<int>(i));
    int64_t now = util::unix_ms();
    for (auto& [key, clients] : by_db_[i]) {
      if (!data.exists(key, now)) continue;
      for (Client* c : clients) c->flags |= kClientDirtyCas;
    }
  }
}

}  // namespace datanode
