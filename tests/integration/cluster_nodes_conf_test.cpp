// nodes.conf across implementations and crashes: a file written by redis-server 7.0.15 brings a datanode
// up as the same node of the same cluster and the reverse, and SIGKILL of every node at any point of a
// `redis-cli --cluster create` leaves files that restart each node as itself, in one coherent cluster.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <sstream>
#include <thread>

#include "cluster_lab.h"

using clusterlab::Node;
using clusterlab::OurNode;
using clusterlab::RedisNode;
using namespace std::chrono_literals;

namespace {

bool have_tools() {
  return !clusterlab::redis_server_bin().empty() &&
         !clusterlab::trim(harness::run("command -v redis-cli")).empty();
}

std::string myid(Node* n) { return n->client()->command({"CLUSTER", "MYID"}).str; }

// Slot -> owner id as one node sees it (slots it knows no owner for are left out).
std::map<int, std::string> owners(Node* n) {
  std::map<int, std::string> out;
  std::istringstream in(n->client()->command({"CLUSTER", "NODES"}).str);
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::vector<std::string> w;
    for (std::string x; f >> x;) w.push_back(x);
    for (size_t i = 8; i < w.size(); ++i) {
      if (w[i].starts_with("[")) continue;
      size_t dash = w[i].find('-');
      int lo = std::stoi(w[i].substr(0, dash));
      int hi = dash == std::string::npos ? lo : std::stoi(w[i].substr(dash + 1));
      for (int s = lo; s <= hi; ++s) out[s] = w[0];
    }
  }
  return out;
}

void kill_now(Node* n) {
  n->process.kill(SIGKILL);
  n->process.wait(5s);
}

TEST(ClusterNodesConf, RedisFileLoadsInDatanodeAndBack) {
  if (!have_tools()) GTEST_SKIP() << "redis-server/redis-cli not installed";
  std::vector<std::unique_ptr<Node>> owned;
  for (int i = 0; i < 3; ++i) owned.push_back(std::make_unique<RedisNode>());
  std::vector<Node*> nodes = {owned[0].get(), owned[1].get(), owned[2].get()};
  int st = -1;
  std::string out = clusterlab::create(nodes, 0, &st);
  ASSERT_EQ(st, 0) << out;
  clusterlab::expect_converged(nodes);
  const std::string id = myid(nodes[1]);
  const std::map<int, std::string> before = owners(nodes[1]);
  ASSERT_EQ(before.size(), 16384u);

  // redis-server's file, a datanode on its ports: the same node, the same cluster.
  const int port = nodes[1]->port, bus_port = nodes[1]->bus_port;
  kill_now(nodes[1]);
  std::string redis_conf = nodes[1]->dir.read("nodes.conf");
  ASSERT_NE(redis_conf.find(id + " 127.0.0.1:" + std::to_string(port)), std::string::npos) << redis_conf;
  owned[1] = std::make_unique<OurNode>(port, bus_port, redis_conf);
  nodes[1] = owned[1].get();
  EXPECT_EQ(myid(nodes[1]), id);
  EXPECT_EQ(owners(nodes[1]), before);
  clusterlab::expect_converged(nodes);

  // And the datanode's file back into a redis-server.
  kill_now(nodes[1]);
  std::string our_conf = nodes[1]->dir.read("nodes.conf");
  owned[1] = std::make_unique<RedisNode>(port, bus_port, our_conf);
  nodes[1] = owned[1].get();
  EXPECT_EQ(myid(nodes[1]), id);
  EXPECT_EQ(owners(nodes[1]), before);
  clusterlab::expect_converged(nodes);
}

// SIGKILL of all six nodes at a point of the create (from its very start to after its end), then a
// restart of each: every node comes back as itself (same id) from its nodes.conf, and the cluster is
// coherent — no two nodes name different owners for a slot once gossip has settled; a create that had
// finished gives a cluster that passes --cluster check.
TEST(ClusterNodesConf, KillDuringCreateRestartsIntoTheSameCluster) {
  if (!have_tools()) GTEST_SKIP() << "redis-server/redis-cli not installed";
  const std::string cli_bin = clusterlab::trim(harness::run("command -v redis-cli"));
  for (int delay_ms : {0, 150, 400, 900, 1600, -1}) {
    SCOPED_TRACE(delay_ms < 0 ? std::string("after the create")
                              : "kill at " + std::to_string(delay_ms) + " ms");
    std::vector<std::unique_ptr<OurNode>> owned;
    std::vector<Node*> nodes;
    std::vector<std::string> ids;
    for (int i = 0; i < 6; ++i) {
      owned.push_back(std::make_unique<OurNode>());
      nodes.push_back(owned.back().get());
      ids.push_back(myid(nodes.back()));
    }
    harness::TempDir cli_dir;
    std::vector<std::string> args = {"--cluster", "create"};
    for (Node* n : nodes) args.push_back(n->addr());
    for (const char* a : {"--cluster-replicas", "1", "--cluster-yes"}) args.push_back(a);
    harness::Process tool(cli_bin, args, cli_dir.file("cli.log"));
    if (delay_ms < 0) {
      EXPECT_EQ(tool.wait(60s), 0) << tool.log();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    }
    for (Node* n : nodes) kill_now(n);
    tool.kill(SIGKILL);
    tool.wait(5s);

    for (size_t i = 0; i < owned.size(); ++i) {
      owned[i]->start();
      ASSERT_TRUE(owned[i]->process.running()) << owned[i]->process.log();
      EXPECT_EQ(myid(nodes[i]), ids[i]);
    }
    if (delay_ms < 0) {
      clusterlab::expect_converged(nodes);
      continue;
    }
    std::string conflict;
    EXPECT_TRUE(harness::eventually(
        [&] {
          std::map<int, std::string> seen;
          for (Node* n : nodes)
            for (auto& [slot, owner] : owners(n)) {
              auto [it, fresh] = seen.emplace(slot, owner);
              if (!fresh && it->second != owner) {
                conflict = "slot " + std::to_string(slot) + ": " + it->second + " vs " + owner;
                return false;
              }
            }
          return true;
        },
        15s))
        << conflict;
  }
}

}  // namespace
