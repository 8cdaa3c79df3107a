// Failover in mixed clusters of datanodes and redis-server 7.0.15 nodes (node-timeout 2000 ms): the
// FAIL flag, the votes (FAILOVER_AUTH_REQUEST/ACK, lastVoteEpoch, slot epochs) and the slot takeover
// must agree across implementations. Each scenario kills two masters one after the other, so each
// promoted replica needs the votes of both surviving masters, of either kind.
#include <gtest/gtest.h>

#include "cluster_failover_lab.h"

using clusterlab::Node;
using clusterlab::OurNode;
using clusterlab::RedisNode;
using failoverlab::NodeView;
using namespace std::chrono_literals;

namespace {

// Kills masters[i]; replicas[i] must become master, seen so by every survivor, and serve `key`.
void kill_and_expect_promotion(failoverlab::Cluster& c, size_t i, std::vector<Node*>& alive,
                               const std::string& key) {
  std::string new_id = failoverlab::myid(*c.replicas[i]);
  c.masters[i]->process.kill(SIGKILL);
  c.masters[i]->process.wait(5s);
  std::erase(alive, c.masters[i]);
  EXPECT_TRUE(harness::eventually([&] { return failoverlab::role(*c.replicas[i]) == "master"; }, 30s))
      << c.replicas[i]->name() << " not promoted";
  EXPECT_TRUE(harness::eventually(
      [&] {
        for (Node* n : alive) {
          if (failoverlab::cluster_state(*n) != "ok") return false;
          bool seen = false;
          for (const NodeView& v : failoverlab::nodes_of(*n))
            if (v.id == new_id) seen = v.has("master");
          if (!seen) return false;
        }
        return true;
      },
      20s));
  EXPECT_EQ(failoverlab::set_following(alive, key, "v", alive[0]).str, "OK") << key;
  EXPECT_EQ(c.replicas[i]->client()->command({"GET", key}).str, "v");
}

}  // namespace

// Redis masters vote for a datanode replica; then a Redis replica of a datanode master wins the votes
// of a Redis master and the promoted datanode.
TEST(ClusterFailoverMixed, DatanodeReplicaOfRedisMasterThenRedisReplicaOfDatanodeMaster) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "no redis-server";
  RedisNode r0, r1, r2r;
  OurNode d2, d0r, d1r;
  failoverlab::Cluster c;
  c.masters = {&r0, &r1, &d2};
  c.replicas = {&d0r, &d1r, &r2r};
  ASSERT_EQ(c.build(), "");
  std::vector<Node*> alive = c.all();
  // "{b}" -> slot 3300 (masters[0]); "foo" -> slot 12182 (masters[2]).
  kill_and_expect_promotion(c, 0, alive, "{b}");
  kill_and_expect_promotion(c, 2, alive, "foo");
}

// Datanode masters vote for a Redis replica; then a datanode replica of a Redis master wins the votes
// of a datanode master and the promoted Redis replica.
TEST(ClusterFailoverMixed, RedisReplicaOfDatanodeMasterThenDatanodeReplicaOfRedisMaster) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "no redis-server";
  OurNode d0, d1;
  RedisNode r2, r0r;
  OurNode d1r, d2r;
  failoverlab::Cluster c;
  c.masters = {&d0, &d1, &r2};
  c.replicas = {&r0r, &d1r, &d2r};
  ASSERT_EQ(c.build(), "");
  std::vector<Node*> alive = c.all();
  kill_and_expect_promotion(c, 0, alive, "{b}");
  kill_and_expect_promotion(c, 2, alive, "foo");
}
