// CLUSTER FAILOVER on a 3x2 datanode cluster: the coordinated form under a writer that confirms every
// write with WAIT 1 loses none of the confirmed writes; FORCE and TAKEOVER promote the replica while its
// master is down; the errors match Redis 7.0.15's.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "cluster_failover_lab.h"
#include "reference_redis.h"

using clusterlab::OurNode;
using failoverlab::NodeView;
using namespace std::chrono_literals;

namespace {

struct OurCluster {
  OurNode nodes[6];
  failoverlab::Cluster c;
  OurCluster() {
    for (int i = 0; i < 3; ++i) c.masters.push_back(&nodes[i]);
    for (int i = 3; i < 6; ++i) c.replicas.push_back(&nodes[i]);
  }
};

bool sees_as_master(clusterlab::Node& observer, const std::string& id) {
  for (const NodeView& v : failoverlab::nodes_of(observer))
    if (v.id == id) return v.has("master");
  return false;
}

}  // namespace

TEST(ClusterFailoverManual, CoordinatedFailoverUnderWaitWriterLosesNoAckedWrite) {
  OurCluster oc;
  ASSERT_EQ(oc.c.build(), "");
  clusterlab::Node& master = *oc.c.masters[2];
  clusterlab::Node& replica = *oc.c.replicas[2];
  std::string old_id = failoverlab::myid(master);

  // Keys {a}0, {a}1, ... all in slot 15495 (masters[2]); a key is "acked" once WAIT 1 confirmed it.
  std::atomic<bool> stop{false};
  std::vector<std::string> acked;
  std::atomic<int> moved{0};
  std::thread writer([&] {
    harness::Client c(master.port);
    c.set_timeout(15s);
    for (int i = 0; !stop; ++i) {
      std::string key = "{a}" + std::to_string(i);
      harness::Reply r = c.command({"SET", key, "v"});
      if (r.is_error()) {
        if (r.str.rfind("MOVED", 0) == 0) moved++;
        if (moved > 0) break;
        continue;
      }
      if (c.command({"WAIT", "1", "2000"}).integer == 1) acked.push_back(key);
    }
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(replica.client()->command({"CLUSTER", "FAILOVER"}).str, "OK");
  EXPECT_TRUE(harness::eventually([&] { return failoverlab::role(replica) == "master"; }, 10s));
  EXPECT_TRUE(harness::eventually([&] { return !writer.joinable() || moved > 0; }, 10s));
  stop = true;
  writer.join();
  EXPECT_GT(acked.size(), 0u);
  EXPECT_GT(moved, 0) << "the old master redirects the writer once it is a replica";
  auto r = replica.client();
  size_t lost = 0;
  for (const std::string& k : acked)
    if (r->command({"EXISTS", k}).integer != 1) lost++;
  EXPECT_EQ(lost, 0u) << "of " << acked.size() << " acked writes";
  EXPECT_TRUE(harness::eventually(
      [&] {
        for (const NodeView& v : failoverlab::nodes_of(master))
          if (v.id == old_id) return v.has("slave");
        return false;
      },
      10s));
  std::string log = replica.process.log();
  EXPECT_NE(log.find("Manual failover user request accepted."), std::string::npos);
  EXPECT_NE(log.find("Received replication offset for paused master manual failover:"), std::string::npos);
  EXPECT_NE(log.find("All master replication stream processed, manual failover can start."),
            std::string::npos);
  EXPECT_NE(master.process.log().find("Manual failover requested by replica"), std::string::npos);
  // The old master's writes are no longer paused: it answers at once (with a redirection).
  harness::Client c(master.port);
  c.set_timeout(1s);
  EXPECT_EQ(c.command({"SET", "{a}x", "1"}).str.rfind("MOVED 15495 ", 0), 0u);
}

TEST(ClusterFailoverManual, ForceAndTakeoverWithTheMasterDown) {
  OurCluster oc;
  ASSERT_EQ(oc.c.build(), "");
  // Errors first (as Redis 7.0.15 words them).
  EXPECT_EQ(oc.c.masters[0]->client()->command({"CLUSTER", "FAILOVER"}).str,
            "ERR You should send CLUSTER FAILOVER to a replica");
  EXPECT_EQ(oc.c.replicas[0]->client()->command({"CLUSTER", "FAILOVER", "soon"}).str, "ERR syntax error");

  // FORCE: masters[1] down, its replica asks for votes (FORCEACK) and gets them from the two others.
  std::string id1 = failoverlab::myid(*oc.c.replicas[1]);
  oc.c.masters[1]->process.kill(SIGKILL);
  EXPECT_TRUE(harness::eventually(
      [&] {
        std::string e = oc.c.replicas[1]->client()->command({"CLUSTER", "FAILOVER"}).str;
        return e == "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE";
      },
      10s));
  EXPECT_EQ(oc.c.replicas[1]->client()->command({"CLUSTER", "FAILOVER", "FORCE"}).str, "OK");
  EXPECT_TRUE(harness::eventually([&] { return failoverlab::role(*oc.c.replicas[1]) == "master"; }, 10s));
  EXPECT_TRUE(harness::eventually([&] { return sees_as_master(*oc.c.masters[0], id1); }, 10s));
  EXPECT_NE(oc.c.replicas[1]->process.log().find("Forced failover user request accepted."),
            std::string::npos);

  // TAKEOVER: masters[2] stopped (not even FAIL yet); no votes needed.
  std::string id2 = failoverlab::myid(*oc.c.replicas[2]);
  oc.c.masters[2]->process.kill(SIGKILL);
  EXPECT_EQ(oc.c.replicas[2]->client()->command({"CLUSTER", "FAILOVER", "TAKEOVER"}).str, "OK");
  EXPECT_EQ(failoverlab::role(*oc.c.replicas[2]), "master");
  EXPECT_TRUE(harness::eventually([&] { return sees_as_master(*oc.c.masters[0], id2); }, 10s));
  EXPECT_TRUE(harness::eventually([&] { return failoverlab::cluster_state(*oc.c.masters[0]) == "ok"; }, 15s));
  EXPECT_EQ(failoverlab::set_following(oc.c.all(), "foo", "1", oc.c.masters[0]).str, "OK");
  EXPECT_NE(oc.c.replicas[2]->process.log().find("Taking over the master (user request)."),
            std::string::npos);
}

// The replies of a lone master (no slots, no replicas) to the commands of this part, byte for byte
// against a redis-server 7.0.15 cluster node.
TEST(ClusterFailoverManual, RepliesMatchRedisOnAMaster) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "no redis-server";
  clusterlab::RedisNode theirs;
  OurNode ours;
  std::vector<std::vector<std::string>> cmds = {
      {"CLUSTER", "FAILOVER"},
      {"CLUSTER", "FAILOVER", "FORCE"},
      {"CLUSTER", "FAILOVER", "TAKEOVER"},
      {"CLUSTER", "FAILOVER", "soon"},
      {"CLUSTER", "FAILOVER", "FORCE", "now"},
      {"CLUSTER", "COUNT-FAILURE-REPORTS", "0123456789012345678901234567890123456789"},
      {"CLUSTER", "COUNT-FAILURE-REPORTS"},
      {"CLUSTER", "COUNT-FAILURE-REPORTS", "a", "b"},
  };
  EXPECT_EQ(reference::differences(theirs.port, ours.port, cmds), std::vector<std::string>{});
  // Its own id: no reports about itself.
  EXPECT_EQ(ours.client()->command({"CLUSTER", "COUNT-FAILURE-REPORTS", failoverlab::myid(ours)}).integer, 0);
}
