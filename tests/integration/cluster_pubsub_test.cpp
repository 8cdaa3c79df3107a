// Pub/Sub in cluster mode, on a datanode-only cluster and on a mixed one with redis-server 7.0.15:
// shard channels are routed by their slot (MOVED elsewhere, CROSSSLOT across slots), served by the
// master and its replicas, an SPUBLISH reaches the subscribers of every node of the shard over the bus
// (PUBLISHSHARD), a shard that loses the slot unsubscribes its clients, and a classic PUBLISH reaches
// every node.
#include <gtest/gtest.h>

#include <sstream>

#include "cluster_lab.h"

using clusterlab::Node;
using clusterlab::OurNode;
using clusterlab::RedisNode;
using harness::Reply;
using namespace std::chrono_literals;

namespace {

struct NodeLine {
  std::string id, addr, master_id;
  bool master = false;
  std::vector<std::pair<int, int>> ranges;
};

std::vector<NodeLine> parse_nodes(const std::string& text) {
  std::vector<NodeLine> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::vector<std::string> w;
    for (std::string x; f >> x;) w.push_back(x);
    if (w.size() < 8) continue;
    NodeLine n;
    n.id = w[0];
    n.addr = w[1].substr(0, w[1].find('@'));
    n.master = w[2].find("master") != std::string::npos;
    n.master_id = w[3];
    for (size_t i = 8; i < w.size(); ++i) {
      if (w[i].starts_with("[")) continue;
      size_t dash = w[i].find('-');
      int lo = std::stoi(w[i].substr(0, dash));
      int hi = dash == std::string::npos ? lo : std::stoi(w[i].substr(dash + 1));
      n.ranges.emplace_back(lo, hi);
    }
    out.push_back(n);
  }
  return out;
}

struct Shard {
  Node* master = nullptr;
  Node* replica = nullptr;
  Node* other = nullptr;  // a node outside the shard
};

Shard shard_of(const std::vector<Node*>& nodes, int slot) {
  std::vector<NodeLine> lines = parse_nodes(nodes[0]->client()->command({"CLUSTER", "NODES"}).str);
  auto by_addr = [&](const std::string& addr) -> Node* {
    for (Node* n : nodes)
      if (n->addr() == addr) return n;
    return nullptr;
  };
  Shard s;
  std::string master_id;
  for (const NodeLine& l : lines)
    for (auto [lo, hi] : l.ranges)
      if (slot >= lo && slot <= hi) {
        s.master = by_addr(l.addr);
        master_id = l.id;
      }
  for (const NodeLine& l : lines) {
    if (!l.master && l.master_id == master_id) s.replica = by_addr(l.addr);
    if (l.id != master_id && l.master_id != master_id) s.other = by_addr(l.addr);
  }
  return s;
}

void expect_smessage(harness::Client& sub, const std::string& channel, const std::string& payload,
                     const std::string& who) {
  Reply m = sub.read();
  ASSERT_EQ(m.elements.size(), 3u) << who << ": " << m.str;
  EXPECT_EQ(m.elements[0].str, "smessage") << who;
  EXPECT_EQ(m.elements[1].str, channel) << who;
  EXPECT_EQ(m.elements[2].str, payload) << who;
}

void run_scenario(const std::vector<Node*>& nodes) {
  int st = -1;
  std::string out = clusterlab::create(nodes, 1, &st);
  ASSERT_EQ(st, 0) << out;
  clusterlab::expect_converged(nodes);
  // Replicas take shard subscribers once their link to the master is up.
  ASSERT_TRUE(harness::eventually(
      [&] {
        for (Node* n : nodes) {
          auto c = n->client();
          if (harness::info_field(*c, "replication", "role") == "slave" &&
              harness::info_field(*c, "replication", "master_link_status") != "up")
            return false;
        }
        return true;
      },
      20s));

  const std::string channel = "news";
  int slot = static_cast<int>(nodes[0]->client()->command({"CLUSTER", "KEYSLOT", channel}).integer);
  Shard shard;
  ASSERT_TRUE(harness::eventually(
      [&] {
        shard = shard_of(nodes, slot);
        return shard.master && shard.replica && shard.other;
      },
      10s));
  SCOPED_TRACE("master " + shard.master->name() + ", replica " + shard.replica->name());

  // Outside the shard: MOVED to the master, as for a key of that slot; several slots: CROSSSLOT.
  auto outside = shard.other->client();
  Reply moved = outside->command({"SSUBSCRIBE", channel});
  EXPECT_EQ(moved.str, "MOVED " + std::to_string(slot) + " " + shard.master->addr());
  EXPECT_EQ(outside->command({"SPUBLISH", channel, "x"}).str, moved.str);
  EXPECT_EQ(outside->command({"SSUBSCRIBE", "a", "b"}).str,
            "CROSSSLOT Keys in request don't hash to the same slot");

  // The master and its replica both take subscribers (the replica without READONLY).
  harness::Client on_master(shard.master->port), on_replica(shard.replica->port);
  on_master.set_timeout(5s);
  on_replica.set_timeout(5s);
  for (harness::Client* sub : {&on_master, &on_replica}) {
    Reply r = sub->command({"SSUBSCRIBE", channel});
    ASSERT_EQ(r.elements.size(), 3u) << r.str;
    EXPECT_EQ(r.elements[0].str, "ssubscribe");
    EXPECT_EQ(r.elements[2].integer, 1);
  }
  // SPUBLISH on either node of the shard reaches both subscribers: locally and over the bus.
  EXPECT_EQ(shard.master->client()->command({"SPUBLISH", channel, "from-master"}).integer, 1);
  expect_smessage(on_master, channel, "from-master", "master's subscriber");
  expect_smessage(on_replica, channel, "from-master", "replica's subscriber");
  EXPECT_EQ(shard.replica->client()->command({"SPUBLISH", channel, "from-replica"}).integer, 1);
  expect_smessage(on_master, channel, "from-replica", "master's subscriber");
  expect_smessage(on_replica, channel, "from-replica", "replica's subscriber");

  // A classic PUBLISH on any node reaches a subscriber on any other node.
  harness::Client classic(shard.other->port);
  classic.set_timeout(5s);
  classic.command({"SUBSCRIBE", "broadcast"});
  shard.replica->client()->command({"PUBLISH", "broadcast", "hello"});
  Reply msg = classic.read();
  ASSERT_EQ(msg.elements.size(), 3u) << msg.str;
  EXPECT_EQ(msg.elements[0].str, "message");
  EXPECT_EQ(msg.elements[2].str, "hello");

  // The master gives the slot up: its subscribers are unsubscribed with a sunsubscribe message.
  EXPECT_EQ(shard.master->client()->command({"CLUSTER", "DELSLOTS", std::to_string(slot)}).str, "OK");
  Reply gone = on_master.read();
  ASSERT_EQ(gone.elements.size(), 3u) << gone.str;
  EXPECT_EQ(gone.elements[0].str, "sunsubscribe");
  EXPECT_EQ(gone.elements[1].str, channel);
  EXPECT_EQ(gone.elements[2].integer, 0);
  EXPECT_EQ(on_master.command({"PING"}).str, "PONG");  // out of subscribed state again
}

bool have_tools() {
  return !clusterlab::redis_server_bin().empty() &&
         !clusterlab::trim(harness::run("command -v redis-cli")).empty();
}

TEST(ClusterPubSub, DatanodeCluster) {
  if (!have_tools()) GTEST_SKIP() << "redis-server/redis-cli not installed";
  std::vector<std::unique_ptr<Node>> owned;
  for (int i = 0; i < 6; ++i) owned.push_back(std::make_unique<OurNode>());
  std::vector<Node*> nodes;
  for (auto& n : owned) nodes.push_back(n.get());
  run_scenario(nodes);
}

TEST(ClusterPubSub, MixedCluster) {
  if (!have_tools()) GTEST_SKIP() << "redis-server/redis-cli not installed";
  std::vector<std::unique_ptr<Node>> owned;
  for (int i = 0; i < 6; ++i) {
    if (i % 2 == 0)
      owned.push_back(std::make_unique<OurNode>());
    else
      owned.push_back(std::make_unique<RedisNode>());
  }
  std::vector<Node*> nodes;
  for (auto& n : owned) nodes.push_back(n.get());
  run_scenario(nodes);
}

}  // namespace
