// Client-side caching (CLIENT TRACKING): which clients read which keys, and the invalidation messages
// sent when those keys change — RESP3 pushes, or messages on __redis__:invalidate to a redirect client.
// BCAST clients follow key prefixes instead; their invalidations go out once per loop round, batched.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/command/table.h"
#include "common/util/string_map.h"
#include "datanode/server/context.h"

namespace datanode {

class Server;
struct Client;

struct TrackingOptions {
  uint64_t redirect = 0;
  bool bcast = false, optin = false, optout = false, noloop = false;
  std::vector<std::string> prefixes;
};

class Tracking {
 public:
  explicit Tracking(Server& server);
  Tracking(const Tracking&) = delete;
  Tracking& operator=(const Tracking&) = delete;

  // CLIENT TRACKING ON (options already checked for consistency) and OFF.
  void enable(Client& c, const TrackingOptions& options);
  void disable(Client& c);
  // The first prefix collision, as Redis' error text, or "" (a BCAST client's prefixes must not overlap).
  std::string prefix_collision(const Client& c, const std::vector<std::string>& prefixes) const;

  // Around every command's handler: keys changed by the running client for itself are sent after its
  // reply; keys a read-only command fetched are remembered.
  void enter(Client& c);
  void leave(Client& c, const command::Command<Context>& cmd, const Args& args);

  size_t tracking_clients() const { return clients_; }
  size_t total_keys() const { return table_.size(); }
  size_t total_items() const { return items_; }
  size_t total_prefixes() const { return prefixes_.size(); }

 private:
  struct Broadcast {
    std::vector<uint64_t> clients;
    std::map<std::string, uint64_t> keys;  // changed this round -> id of the client that changed it
  };
  void remember_keys(Client& c, const Args& args);
  void invalidate_key(std::string_view key);
  void invalidate_all();
  // `keys` is an encoded RESP array of keys; none: everything is invalid (a flush).
  void send(Client& c, const std::optional<std::string>& keys);
  void broadcast();

  Server& server_;
  util::StringMap<std::vector<uint64_t>> table_;  // key -> ids of the clients that read it
  std::map<std::string, Broadcast> prefixes_;
  size_t clients_ = 0;
  size_t items_ = 0;
  Client* current_ = nullptr;                        // the client whose command is running
  int depth_ = 0;                                    // EXEC runs commands inside a command
  std::vector<std::optional<std::string>> pending_;  // the current client's own invalidations
};

}  // namespace datanode
