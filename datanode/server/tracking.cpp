#include "datanode/server/tracking.h"

#include <algorithm>

#include "common/resp/writer.h"
#include "common/util/strings.h"
#include "datanode/server/client.h"
#include "datanode/server/server.h"

namespace datanode {
namespace {

constexpr uint32_t kTrackingModes = kClientTracking | kClientTrackingBcast | kClientTrackingOptin |
                                    kClientTrackingOptout | kClientTrackingCaching | kClientTrackingNoloop |
                                    kClientTrackingBrokenRedir;

std::string key_array(const std::vector<std::string_view>& keys) {
  std::string out;
  resp::Writer w(&out);
  w.array_header(keys.size());
  for (std::string_view k : keys) w.bulk(k);
  return out;
}

bool overlaps(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

}  // namespace

Tracking::Tracking(Server& server) : server_(server) {
  server_.add_key_listener([this](int, std::string_view key) { invalidate_key(key); });
  server_.add_flush_listener([this](int) { invalidate_all(); });
  server_.add_client_close_listener([this](Client& c) { disable(c); });
  server_.add_before_flush([this] { broadcast(); });
}

std::string Tracking::prefix_collision(const Client& c, const std::vector<std::string>& prefixes) const {
  for (size_t i = 0; i < prefixes.size(); ++i) {
    for (const std::string& mine : c.tracking_prefixes) {
      if (overlaps(mine, prefixes[i]))
        return "ERR Prefix '" + prefixes[i] + "' overlaps with an existing prefix '" + mine +
               "'. Prefixes for a single client must not overlap.";
    }
    for (size_t j = i + 1; j < prefixes.size(); ++j) {
      if (overlaps(prefixes[i], prefixes[j]))
        return "ERR Prefix '" + prefixes[i] + "' overlaps with another provided prefix '" + prefixes[j] +
               "'. Prefixes for a single client must not overlap.";
    }
  }
  return "";
}

void Tracking::enable(Client& c, const TrackingOptions& options) {
  if (!c.has(kClientTracking)) ++clients_;
  c.flags |= kClientTracking;
  c.flags &= ~(kClientTrackingBrokenRedir | kClientTrackingBcast | kClientTrackingOptin |
               kClientTrackingOptout | kClientTrackingNoloop);
  c.tracking_redirect = options.redirect;
  if (options.bcast) {
    c.flags |= kClientTrackingBcast;
    std::vector<std::string> wanted = options.prefixes;
    if (wanted.empty()) wanted.emplace_back();  // the empty prefix: every key
    for (const std::string& p : wanted) {
      if (std::find(c.tracking_prefixes.begin(), c.tracking_prefixes.end(), p) != c.tracking_prefixes.end())
        continue;
      prefixes_[p].clients.push_back(c.id);
      c.tracking_prefixes.push_back(p);
    }
    std::sort(c.tracking_prefixes.begin(), c.tracking_prefixes.end());
  }
  if (options.optin) c.flags |= kClientTrackingOptin;
  if (options.optout) c.flags |= kClientTrackingOptout;
  if (options.noloop) c.flags |= kClientTrackingNoloop;
}

void Tracking::disable(Client& c) {
  for (const std::string& p : c.tracking_prefixes) {
    auto it = prefixes_.find(p);
    if (it == prefixes_.end()) continue;
    std::erase(it->second.clients, c.id);
    if (it->second.clients.empty()) prefixes_.erase(it);
  }
  c.tracking_prefixes.clear();
  if (c.has(kClientTracking)) --clients_;
  c.flags &= ~kTrackingModes;
  if (current_ == &c) pending_.clear();
}

void Tracking::enter(Client& c) {
  if (depth_++ == 0) current_ = &c;
}

void Tracking::leave(Client& c, const command::Command<Context>& cmd, const Args& args) {
  if (cmd.has(command::kReadOnly) && c.has(kClientTracking) && !c.has(kClientTrackingBcast))
    remember_keys(c, args);
  if (--depth_ > 0) return;
  // CLIENT CACHING applies to the next command only (queued ones count at EXEC).
  if (cmd.name != "client" && !c.has(kClientMulti)) c.flags &= ~kClientTrackingCaching;
  current_ = nullptr;
  std::vector<std::optional<std::string>> mine;
  mine.swap(pending_);
  for (const auto& key : mine) {
    if (key)
      send(c, key_array({*key}));
    else
      send(c, std::nullopt);
  }
}

void Tracking::remember_keys(Client& c, const Args& args) {
  bool caching_given = c.has(kClientTrackingCaching);
  if ((c.has(kClientTrackingOptin) && !caching_given) || (c.has(kClientTrackingOptout) && caching_given))
    return;
  const command::Command<Context>* cmd = server_.commands().find(args[0]);
  if (cmd == nullptr) return;
  std::vector<std::string_view> keys;
  if (cmd->first_key > 0) {
    auto argc = static_cast<int64_t>(args.size());
    int64_t last = cmd->last_key < 0 ? argc + cmd->last_key : cmd->last_key;
    int64_t step = std::max(1, cmd->key_step);
    for (int64_t i = cmd->first_key; i <= last && i < argc; i += step)
      keys.push_back(args[static_cast<size_t>(i)]);
  } else if (args.size() > 2) {
    // Commands with movable keys (ZUNION, SINTERCARD ...) name numkeys first.
    auto numkeys = util::parse_int(args[1]);
    if (numkeys && *numkeys > 0 && static_cast<uint64_t>(*numkeys) <= args.size() - 2)
      keys.assign(args.begin() + 2, args.begin() + 2 + *numkeys);
  }
  for (std::string_view k : keys) {
    std::vector<uint64_t>& ids = table_[k];
    if (std::find(ids.begin(), ids.end(), c.id) != ids.end()) continue;
    ids.push_back(c.id);
    ++items_;
  }
}

void Tracking::invalidate_key(std::string_view key) {
  for (auto& [prefix, b] : prefixes_) {
    if (key.starts_with(prefix)) b.keys[std::string(key)] = current_ ? current_->id : 0;
  }
  auto it = table_.find(key);
  if (it == table_.end()) return;
  std::vector<uint64_t> ids = std::move(it->second);
  table_.erase(it);
  items_ -= ids.size();
  for (uint64_t id : ids) {
    Client* target = server_.find_client(id);
    if (target == nullptr || !target->has(kClientTracking) || target->has(kClientTrackingBcast)) continue;
    if (target == current_ && target->has(kClientTrackingNoloop)) continue;
    // The running client hears about its own change after its reply.
    if (target == current_)
      pending_.emplace_back(std::string(key));
    else
      send(*target, key_array({key}));
  }
}

void Tracking::invalidate_all() {
  if (clients_ > 0) {
    for (const auto& [id, c] : server_.clients()) {
      if (!c->has(kClientTracking)) continue;
      if (c == current_)
        pending_.emplace_back(std::nullopt);
      else
        send(*c, std::nullopt);
    }
  }
  // Every client was told that everything is invalid: what they read is forgotten (Redis too).
  table_.clear();
  items_ = 0;
}

void Tracking::send(Client& c, const std::optional<std::string>& keys) {
  Client* target = &c;
  bool redirected = false;
  if (c.tracking_redirect != 0) {
    target = server_.find_client(c.tracking_redirect);
    if (target == nullptr) {
      c.flags |= kClientTrackingBrokenRedir;
      if (c.resp > 2 && c.conn != nullptr) {
        resp::Writer w(&c.conn->output());
        w.set_protocol(c.resp);
        w.push_header(2);
        w.bulk("tracking-redir-broken");
        w.integer(static_cast<int64_t>(c.tracking_redirect));
        server_.flush_later(c);
      }
      return;
    }
    redirected = true;
  }
  if (target->conn == nullptr || target->has(kClientCloseAsap)) return;
  resp::Writer w(&target->conn->output());
  w.set_protocol(target->resp);
  if (target->resp > 2) {
    w.push_header(2);
    w.bulk("invalidate");
  } else if (redirected && target->has(kClientPubSub)) {
    w.array_header(3);
    w.bulk("message");
    w.bulk("__redis__:invalidate");
  } else {
    return;  // RESP2 without a subscribed redirect: no way to tell it
  }
  // Everything is invalid: a null, spelled in the tracking client's protocol as Redis does.
  if (keys)
    w.raw(*keys);
  else
    w.raw(c.resp > 2 ? "_\r\n" : "$-1\r\n");
  if (server_.check_output_limits(*target)) server_.flush_later(*target);
}

void Tracking::broadcast() {
  for (auto& [prefix, b] : prefixes_) {
    if (b.keys.empty()) continue;
    for (uint64_t id : b.clients) {
      Client* c = server_.find_client(id);
      if (c == nullptr) continue;
      std::vector<std::string_view> keys;
      for (const auto& [key, changed_by] : b.keys) {
        if (c->has(kClientTrackingNoloop) && changed_by == id) continue;
        keys.push_back(key);
      }
      if (!keys.empty()) send(*c, key_array(keys));
    }
    b.keys.clear();
  }
}

}  // namespace datanode
