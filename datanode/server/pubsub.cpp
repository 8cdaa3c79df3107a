#include "datanode/server/pubsub.h"

#include <algorithm>

#include "common/resp/writer.h"
#include "common/util/strings.h"
#include "datanode/server/client.h"
#include "datanode/server/server.h"

namespace datanode {
namespace {

bool add_subscriber(util::StringMap<std::vector<Client*>>& index, util::StringSet& own, Client& c,
                    std::string_view name) {
  if (!own.emplace(name).second) return false;
  index[name].push_back(&c);
  return true;
}

bool remove_subscriber(util::StringMap<std::vector<Client*>>& index, util::StringSet& own, Client& c,
                       std::string_view name) {
  auto mine = own.find(name);
  if (mine == own.end()) return false;
  auto it = index.find(name);
  if (it != index.end()) {
    std::erase(it->second, &c);
    if (it->second.empty()) index.erase(it);
  }
  own.erase(mine);
  return true;
}

}  // namespace

PubSub::PubSub(Server& server) : server_(server) {
  server_.add_client_close_listener([this](Client& c) {
    remove_client(c);
    remove_shard_client(c);
  });
}

void PubSub::update_pubsub_flag(Client& c) const {
  if (c.subscription_count() > 0 || shard_subscription_count(c) > 0) c.flags |= kClientPubSub;
  else c.flags &= ~kClientPubSub;
}

bool PubSub::subscribe(Client& c, std::string_view channel) {
  bool changed = add_subscriber(channels_, c.channels, c, channel);
  update_pubsub_flag(c);
  return changed;
}

bool PubSub::unsubscribe(Client& c, std::string_view channel) {
  bool changed = remove_subscriber(channels_, c.channels, c, channel);
  update_pubsub_flag(c);
  return changed;
}

bool PubSub::psubscribe(Client& c, std::string_view pattern) {
  bool changed = add_subscriber(patterns_, c.patterns, c, pattern);
  update_pubsub_flag(c);
  return changed;
}

bool PubSub::punsubscribe(Client& c, std::string_view pattern) {
  bool changed = remove_subscriber(patterns_, c.patterns, c, pattern);
  update_pubsub_flag(c);
  return changed;
}

void PubSub::remove_client(Client& c) {
  for (const std::string& ch : c.channels) {
    auto it = channels_.find(ch);
    if (it == channels_.end()) continue;
    std::erase(it->second, &c);
    if (it->second.empty()) channels_.erase(it);
  }
  for (const std::string& p : c.patterns) {
    auto it = patterns_.find(p);
    if (it == patterns_.end()) continue;
    std::erase(it->second, &c);
    if (it->second.empty()) patterns_.erase(it);
  }
  c.channels.clear();
  c.patterns.clear();
}

int64_t PubSub::publish(std::string_view channel, std::string_view message) {
  int64_t receivers = 0;
  auto deliver = [&](Client* c, const std::string* pattern) {
    if (c->conn == nullptr || c->has(kClientCloseAsap)) return;
    resp::Writer w(&c->conn->output());
    w.set_protocol(c->resp);  // RESP3 subscribers get out-of-band pushes
    if (pattern) {
      w.push_header(4);
      w.bulk("pmessage");
      w.bulk(*pattern);
    } else {
      w.push_header(3);
      w.bulk("message");
    }
    w.bulk(channel);
    w.bulk(message);
    ++receivers;
    server_.stats().pubsub_messages++;
    if (server_.check_output_limits(*c)) server_.flush_later(*c);
  };
  if (auto it = channels_.find(channel); it != channels_.end()) {
    for (Client* c : it->second) deliver(c, nullptr);
  }
  for (const auto& [pattern, clients] : patterns_) {
    if (!util::glob_match(pattern, channel)) continue;
    for (Client* c : clients) deliver(c, &pattern);
  }
  return receivers;
}

size_t PubSub::subscriber_count(std::string_view channel) const {
  auto it = channels_.find(channel);
  return it == channels_.end() ? 0 : it->second.size();
}

std::vector<std::string> PubSub::channels(std::string_view pattern) const {
  std::vector<std::string> out;
  for (const auto& [name, clients] : channels_) {
    if (pattern.empty() || util::glob_match(pattern, name)) out.push_back(name);
  }
  return out;
}

}  // namespace datanode
