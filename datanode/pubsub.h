// Channels and patterns, their subscribers, and PUBLISH fan-out. Each subscriber keeps its own set of
// channels and patterns (Client::channels/patterns); here is the reverse index a PUBLISH walks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/string_map.h"

namespace datanode {

class Server;
struct Client;

class PubSub {
 public:
  explicit PubSub(Server& server);
  PubSub(const PubSub&) = delete;
  PubSub& operator=(const PubSub&) = delete;

  // Each returns true when the subscription set of the client changed.
  bool subscribe(Client& c, std::string_view channel);
  bool unsubscribe(Client& c, std::string_view channel);
  bool psubscribe(Client& c, std::string_view pattern);
  bool punsubscribe(Client& c, std::string_view pattern);

  // Sends the message to every subscriber of the channel and of a matching pattern; returns how many
  // deliveries were made (what PUBLISH replies).
  int64_t publish(std::string_view channel, std::string_view message);

  size_t channel_count() const { return channels_.size(); }
  size_t pattern_count() const { return patterns_.size(); }
  size_t subscriber_count(std::string_view channel) const;
  // Active channels matching a glob pattern (every one when the pattern is empty).
  std::vector<std::string> channels(std::string_view pattern) const;

 private:
  void remove_client(Client& c);

  Server& server_;
  // Subscribers in subscription order (messages go out in that order, as in Redis).
  util::StringMap<std::vector<Client*>> channels_;
  util::StringMap<std::vector<Client*>> patterns_;
};

}  // namespace datanode
