// Shard channels of PubSub (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH). In cluster mode the router sends each
// channel to the shard serving its slot, and the cluster drops the channels of slots the shard loses. Kept apart from the classic channels: a PUBLISH never reaches a shard subscriber and
// patterns never match shard channels, as in Redis 7.
#include <algorithm>

#include "common/resp/writer.h"
#include "common/util/strings.h"
#include "datanode/server/client.h"
#include "datanode/server/pubsub.h"
#include "datanode/server/server.h"

namespace datanode {

bool PubSub::ssubscribe(Client& c, std::string_view channel) {
  if (!shard_by_client_[&c].emplace(channel).second) return false;
  shard_channels_[channel].push_back(&c);
  update_pubsub_flag(c);
  return true;
}

bool PubSub::sunsubscribe(Client& c, std::string_view channel) {
  auto own = shard_by_client_.find(&c);
  if (own == shard_by_client_.end()) return false;
  auto mine = own->second.find(channel);
  if (mine == own->second.end()) return false;
  if (auto it = shard_channels_.find(channel); it != shard_channels_.end()) {
    std::erase(it->second, &c);
    if (it->second.empty()) shard_channels_.erase(it);
  }
  own->second.erase(mine);
  if (own->second.empty()) shard_by_client_.erase(own);
  update_pubsub_flag(c);
  return true;
}

void PubSub::remove_shard_client(Client& c) {
  auto own = shard_by_client_.find(&c);
  if (own == shard_by_client_.end()) return;
  for (const std::string& ch : own->second) {
    auto it = shard_channels_.find(ch);
    if (it == shard_channels_.end()) continue;
    std::erase(it->second, &c);
    if (it->second.empty()) shard_channels_.erase(it);
  }
  shard_by_client_.erase(own);
}

int64_t PubSub::spublish(std::string_view channel, std::string_view message) {
  auto it = shard_channels_.find(channel);
  if (it == shard_channels_.end()) return 0;
  int64_t receivers = 0;
  for (Client* c : it->second) {
    if (c->conn == nullptr || c->has(kClientCloseAsap)) continue;
    resp::Writer w(&c->conn->output());
    w.set_protocol(c->resp);
    w.push_header(3);
    w.bulk("smessage");
    w.bulk(channel);
    w.bulk(message);
    ++receivers;
    server_.stats().pubsub_messages++;
    if (server_.check_output_limits(*c)) server_.flush_later(*c);
  }
  return receivers;
}

void PubSub::drop_shard_channels(const std::function<bool(std::string_view channel)>& lost) {
  std::vector<std::string> doomed;
  for (const auto& [channel, clients] : shard_channels_)
    if (lost(channel)) doomed.push_back(channel);
  for (const std::string& channel : doomed) {
    auto it = shard_channels_.find(channel);
    std::vector<Client*> clients = std::move(it->second);
    shard_channels_.erase(it);
    for (Client* c : clients) {
      auto own = shard_by_client_.find(c);
      if (own != shard_by_client_.end()) {
        own->second.erase(channel);
        if (own->second.empty()) shard_by_client_.erase(own);
      }
      update_pubsub_flag(*c);
      if (c->conn == nullptr || c->has(kClientCloseAsap)) continue;
      resp::Writer w(&c->conn->output());
      w.set_protocol(c->resp);
      w.push_header(3);
      w.bulk("sunsubscribe");
      w.bulk(channel);
      w.integer(static_cast<int64_t>(shard_subscription_count(*c)));
      if (server_.check_output_limits(*c)) server_.flush_later(*c);
    }
  }
}

size_t PubSub::shard_subscription_count(const Client& c) const {
  auto own = shard_by_client_.find(&c);
  return own == shard_by_client_.end() ? 0 : own->second.size();
}

std::vector<std::string> PubSub::shard_channels_of(const Client& c) const {
  auto own = shard_by_client_.find(&c);
  if (own == shard_by_client_.end()) return {};
  return {own->second.begin(), own->second.end()};
}

size_t PubSub::shard_subscriber_count(std::string_view channel) const {
  auto it = shard_channels_.find(channel);
  return it == shard_channels_.end() ? 0 : it->second.size();
}

std::vector<std::string> PubSub::shard_channels(std::string_view pattern) const {
  std::vector<std::string> out;
  for (const auto& [name, clients] : shard_channels_) {
    if (pattern.empty() || util::glob_match(pattern, name)) out.push_back(name);
  }
  return out;
}

}  // namespace datanode
