#include "datanode/commands/cluster_replies.h"

#include "common/util/clock.h"
#include "datanode/cluster/link.h"
#include "datanode/cluster/nodes_conf.h"
#include "datanode/replication/replication.h"

namespace datanode {

using namespace cluster;

namespace {

void reply_node_endpoint(Context& ctx, Cluster& cl, const Node& n) {
  const std::string& type = ctx.server.settings().cluster_preferred_endpoint_type;
  ctx.out.array_header(4);
  if (type == "unknown-endpoint")
    ctx.out.null();
  else
    ctx.out.bulk(cl.endpoint(n));
  ctx.out.integer(n.port);
  ctx.out.bulk(n.id);
  size_t extra = (type != "ip" ? 1 : 0) + (type != "hostname" && !n.hostname.empty() ? 1 : 0);
  ctx.out.map_header(extra);
  if (type != "ip") {
    ctx.out.bulk("ip");
    ctx.out.bulk(n.ip);
  }
  if (type != "hostname" && !n.hostname.empty()) {
    ctx.out.bulk("hostname");
    ctx.out.bulk(n.hostname);
  }
}

int64_t node_offset(Context& ctx, const Node& n) {
  return n.has(kMyself) ? ctx.server.replication().master_repl_offset() : n.repl_offset;
}

bool replica_available(Context& ctx, const Node& n) { return !n.has(kFail) && node_offset(ctx, n) != 0; }

void shard_node(Context& ctx, Cluster& cl, const Node& n) {
  int64_t offset = node_offset(ctx, n);
  size_t fields = 7 + (n.hostname.empty() ? 0 : 1) - (n.port ? 0 : 1);
  ctx.out.map_header(fields);
  ctx.out.bulk("id");
  ctx.out.bulk(n.id);
  if (n.port) {
    ctx.out.bulk("port");
    ctx.out.integer(n.port);
  }
  ctx.out.bulk("ip");
  ctx.out.bulk(n.ip);
  ctx.out.bulk("endpoint");
  ctx.out.bulk(cl.endpoint(n));
  if (!n.hostname.empty()) {
    ctx.out.bulk("hostname");
    ctx.out.bulk(n.hostname);
  }
  ctx.out.bulk("role");
  ctx.out.bulk(n.is_replica() ? "replica" : "master");
  ctx.out.bulk("replication-offset");
  ctx.out.integer(offset);
  ctx.out.bulk("health");
  ctx.out.bulk(n.has(kFail) ? "fail" : (n.is_replica() && offset == 0) ? "loading" : "online");
}

}  // namespace

std::string cluster_nodes_text(Cluster& cl) {
  State& st = cl.state();
  std::string out;
  int64_t now = util::unix_ms();
  for (const auto& [id, n] : st.nodes) {
    bool connected = n->has(kMyself) || (n->link != nullptr && n->link->connected());
    out += node_line(st, *n, connected, now);
  }
  return out;
}

void cluster_slots(Context& ctx, Cluster& cl) {
  State& st = cl.state();
  std::vector<std::tuple<int, int, Node*>> ranges;
  for (int s = 0; s < kSlots;) {
    Node* n = st.owner[static_cast<size_t>(s)];
    int start = s;
    while (s < kSlots && st.owner[static_cast<size_t>(s)] == n) ++s;
    if (n) ranges.emplace_back(start, s - 1, n);
  }
  ctx.out.array_header(ranges.size());
  for (auto& [a, z, n] : ranges) {
    std::vector<Node*> replicas;
    for (Node* r : st.replicas_of(*n))
      if (replica_available(ctx, *r)) replicas.push_back(r);
    ctx.out.array_header(3 + replicas.size());
    ctx.out.integer(a);
    ctx.out.integer(z);
    reply_node_endpoint(ctx, cl, *n);
    for (Node* r : replicas) reply_node_endpoint(ctx, cl, *r);
  }
}

void cluster_shards(Context& ctx, Cluster& cl) {
  State& st = cl.state();
  std::vector<Node*> masters;
  for (auto& [id, n] : st.nodes)
    if (n->is_master()) masters.push_back(n.get());
  ctx.out.array_header(masters.size());
  for (Node* m : masters) {
    ctx.out.map_header(2);
    ctx.out.bulk("slots");
    auto runs = slot_runs(m->slots);
    ctx.out.array_header(runs.size() * 2);
    for (auto [a, z] : runs) {
      ctx.out.integer(a);
      ctx.out.integer(z);
    }
    ctx.out.bulk("nodes");
    std::vector<Node*> nodes = {m};
    for (Node* r : st.replicas_of(*m)) nodes.push_back(r);
    ctx.out.array_header(nodes.size());
    for (Node* n : nodes) shard_node(ctx, cl, *n);
  }
}

void cluster_info(Context& ctx, Cluster& cl) {
  State& st = cl.state();
  int assigned = 0, ok = 0, pfail = 0, fail = 0;
  for (Node* n : st.owner) {
    if (n == nullptr) continue;
    assigned++;
    if (n->has(kFail))
      fail++;
    else if (n->has(kPFail))
      pfail++;
    else
      ok++;
  }
  Node* me = st.myself;
  Node* master = st.master_of(*me);
  uint64_t my_epoch = me->is_replica() && master ? master->config_epoch : me->config_epoch;
  std::string s;
  auto line = [&](const char* k, auto v) {
    s += k;
    s += ':';
    if constexpr (std::is_convertible_v<decltype(v), std::string_view>)
      s += v;
    else
      s += std::to_string(v);
    s += "\r\n";
  };
  line("cluster_state", st.ok ? "ok" : "fail");
  line("cluster_slots_assigned", assigned);
  line("cluster_slots_ok", ok);
  line("cluster_slots_pfail", pfail);
  line("cluster_slots_fail", fail);
  line("cluster_known_nodes", st.nodes.size());
  line("cluster_size", st.size);
  line("cluster_current_epoch", st.current_epoch);
  line("cluster_my_epoch", my_epoch);
  uint64_t sent = 0, received = 0;
  for (int t = 0; t < cluster::Stats::kTypes; ++t) {
    if (st.stats.sent[static_cast<size_t>(t)] == 0) continue;
    std::string k =
        std::string("cluster_stats_messages_") + msg_type_name(static_cast<uint16_t>(t)) + "_sent";
    line(k.c_str(), st.stats.sent[static_cast<size_t>(t)]);
    sent += st.stats.sent[static_cast<size_t>(t)];
  }
  line("cluster_stats_messages_sent", sent);
  for (int t = 0; t < cluster::Stats::kTypes; ++t) {
    if (st.stats.received[static_cast<size_t>(t)] == 0) continue;
    std::string k =
        std::string("cluster_stats_messages_") + msg_type_name(static_cast<uint16_t>(t)) + "_received";
    line(k.c_str(), st.stats.received[static_cast<size_t>(t)]);
    received += st.stats.received[static_cast<size_t>(t)];
  }
  line("cluster_stats_messages_received", received);
  line("total_cluster_links_buffer_limit_exceeded", 0);
  ctx.out.verbatim(s);
}

void cluster_links(Context& ctx, Cluster& cl) {
  State& st = cl.state();
  std::vector<Link*> links;
  for (auto& [id, n] : st.nodes) {
    if (n->link && n->link->connected()) links.push_back(n->link);
    if (n->inbound_link && n->inbound_link->connected()) links.push_back(n->inbound_link);
  }
  ctx.out.array_header(links.size());
  for (Link* l : links) {
    ctx.out.map_header(6);
    ctx.out.bulk("direction");
    ctx.out.bulk(l->inbound() ? "from" : "to");
    ctx.out.bulk("node");
    ctx.out.bulk(l->node->id);
    ctx.out.bulk("create-time");
    ctx.out.integer(l->ctime_ms);
    ctx.out.bulk("events");
    ctx.out.bulk("r");
    ctx.out.bulk("send-buffer-allocated");
    ctx.out.integer(static_cast<int64_t>(l->pending_bytes()));
    ctx.out.bulk("send-buffer-used");
    ctx.out.integer(static_cast<int64_t>(l->pending_bytes()));
  }
}

}  // namespace datanode
