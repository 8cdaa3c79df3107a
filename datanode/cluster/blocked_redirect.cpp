#include "datanode/cluster/blocked_redirect.h"

#include "datanode/cluster/cluster.h"
#include "datanode/server/blocking.h"
#include "datanode/server/client.h"

namespace datanode {

using namespace cluster;

void Blocking::unblock_with_error_if(
    const std::function<std::string(const Client&, const std::string&)>& why) {
  std::vector<std::pair<uint64_t, std::string>> hits;
  for (const auto& [id, w] : waiters_) {
    if (w.keys.empty()) continue;
    std::string err = why(*w.client, w.keys.front());
    if (!err.empty()) hits.emplace_back(id, std::move(err));
  }
  for (auto& [id, err] : hits) {
    auto it = waiters_.find(id);
    if (it == waiters_.end()) continue;
    Client* c = it->second.client;
    resp::Writer out(&c->conn->output());
    out.set_protocol(c->resp);
    out.error(err);
    remove(id);
    to_resume_.push_back(id);
    server_.flush_later(*c);
  }
  if (!hits.empty()) update_timer();
}

void redirect_blocked_clients(Cluster& cl) {
  Blocking& blocking = cl.server().blocking();
  if (blocking.blocked_clients() == 0) return;
  State& st = cl.state();
  blocking.unblock_with_error_if([&](const Client&, const std::string& key) -> std::string {
    if (!st.ok) return "CLUSTERDOWN The cluster is down";
    // Every key of a blocked command is in one slot (the router saw to it): the first one decides.
    int slot = key_hash_slot(key);
    Node* owner = st.owner[static_cast<size_t>(slot)];
    if (owner == st.myself || st.importing_from[static_cast<size_t>(slot)] != nullptr) return "";
    if (owner == nullptr) return "CLUSTERDOWN Hash slot not served";
    return "MOVED " + std::to_string(slot) + " " + cl.endpoint(*owner) + ":" + std::to_string(owner->port);
  });
}

}  // namespace datanode
