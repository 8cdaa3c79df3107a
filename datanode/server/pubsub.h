// Channels and patterns, their subscribers, and PUBLISH fan-out. Each subscriber keeps its own set of
// channels and patterns (Client::channels/patterns); here is the reverse index a PUBLISH walks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
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

  // notify-keyspace-events as NotifyClass bits (server/notify.h), kept here beside the channels the
  // notifications are published to.
  int notify_flags() const { return notify_flags_; }
  void set_notify_flags(int flags) { notify_flags_ = flags; }

  size_t channel_count() const { return channels_.size(); }
  size_t pattern_count() const { return patterns_.size(); }
  size_t subscriber_count(std::string_view channel) const;
  // Active channels matching a glob pattern (every one when the pattern is empty).
  std::vector<std::string> channels(std::string_view pattern) const;

  // Shard channels (SSUBSCRIBE, SPUBLISH; pubsub_shard.cpp): a namespace of their own, without
  // patterns. The client's own set lives here rather than on Client.
  bool ssubscribe(Client& c, std::string_view channel);
  bool sunsubscribe(Client& c, std::string_view channel);
  // Delivers "smessage" to the channel's subscribers; returns how many got it.
  int64_t spublish(std::string_view channel, std::string_view message);
  size_t shard_subscription_count(const Client& c) const;
  std::vector<std::string> shard_channels_of(const Client& c) const;
  size_t shard_channel_count() const { return shard_channels_.size(); }
  size_t shard_subscriber_count(std::string_view channel) const;
  std::vector<std::string> shard_channels(std::string_view pattern) const;
  // Unsubscribes every client from the shard channels `lost` selects (a cluster node whose shard no
  // longer serves the channel's slot), telling each with a "sunsubscribe" message as Redis 7 does.
  void drop_shard_channels(const std::function<bool(std::string_view channel)>& lost);

 private:
  void remove_client(Client& c);
  void remove_shard_client(Client& c);
  // The client is in subscribed state while it holds any subscription, shard ones included.
  void update_pubsub_flag(Client& c) const;

  Server& server_;
  int notify_flags_ = 0;
  // Subscribers in subscription order (messages go out in that order, as in Redis).
  util::StringMap<std::vector<Client*>> channels_;
  util::StringMap<std::vector<Client*>> patterns_;
  util::StringMap<std::vector<Client*>> shard_channels_;
  std::unordered_map<const Client*, util::StringSet> shard_by_client_;
};

}  // namespace datanode
