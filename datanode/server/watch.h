// WATCH: which clients watch which keys, and marking their transactions dirty when a watched key is
// touched (Server::touch) or its database is about to be flushed (Server::touch_all). As in Redis 7.0,
// a key already expired (but not yet removed) when watched does not count as changed when it goes, and
// a key that expires after WATCH fails the EXEC even if nothing removed it yet.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "common/util/string_map.h"

namespace datanode {

class Server;
struct Client;

class Watches {
 public:
  explicit Watches(Server& server);
  Watches(const Watches&) = delete;
  Watches& operator=(const Watches&) = delete;

  void watch(Client& c, int db, std::string_view key);
  void unwatch_all(Client& c);
  size_t watched_keys() const { return total_; }
  // Redis' isWatchedKeyExpired, asked by EXEC: a key `c` watched while it was live has expired since.
  bool expired_since_watch(const Client& c);

 private:
  struct Watcher {
    Client* client;
    bool expired;  // the key had expired (and was still stored) when WATCH was called
  };
  void touched(int db, std::string_view key);
  void flushed(int db);
  // Stored, whether or not its time has passed (Redis' dictFind).
  bool stored(int db, std::string_view key);
  // Stored with a TTL in the past (Redis' keyIsExpired).
  bool stored_expired(int db, std::string_view key);

  Server& server_;
  // Per database: key -> clients watching it.
  std::vector<util::StringMap<std::vector<Watcher>>> by_db_;
  size_t total_ = 0;
};

}  // namespace datanode
