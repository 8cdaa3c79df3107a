// WATCH: which clients watch which keys, and marking their transactions dirty when a watched key is
// touched (Server::touch) or its database is about to be flushed (Server::touch_all).
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

 private:
  void touched(int db, std::string_view key);
  void flushed(int db);

  Server& server_;
  // Per database: key -> clients watching it.
  std::vector<util::StringMap<std::vector<Client*>>> by_db_;
  size_t total_ = 0;
};

}  // namespace datanode
