// Automatic failover of a 3x2 datanode cluster (node-timeout 2000 ms): a SIGKILLed master is flagged
// FAIL by the other masters, its replica wins the election and serves the slots (acknowledged writes
// kept), the cluster is ok again, and the restarted old master rejoins as a replica of the new one. Also
// FAIL seen through CLUSTER COUNT-FAILURE-REPORTS, and a master cut off from the majority (the others
// SIGSTOPped) refusing writes with -CLUSTERDOWN.
#include <gtest/gtest.h>

#include <cstdio>

#include "cluster_failover_lab.h"

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

// Slot 12182 ("foo") is served by masters[2]; key "{a}x" (slot 15495) as well; "{b}" 3300 by masters[0].
constexpr const char* kKey = "foo";

}  // namespace

TEST(ClusterFailoverKill, KilledMasterIsReplacedByItsReplicaAndRejoinsAsReplica) {
  OurCluster oc;
  ASSERT_EQ(oc.c.build(), "");
  clusterlab::Node& master = *oc.c.masters[2];
  clusterlab::Node& replica = *oc.c.replicas[2];
  std::string old_id = failoverlab::myid(master), new_id = failoverlab::myid(replica);
  {
    auto m = master.client();
    ASSERT_EQ(m->command({"SET", kKey, "before"}).str, "OK");
    ASSERT_EQ(m->command({"WAIT", "1", "2000"}).integer, 1);
  }

  auto killed = std::chrono::steady_clock::now();
  master.process.kill(SIGKILL);
  master.process.wait(5s);
  // Writes to the slot succeed again once the replica took over (measured, not asserted).
  std::vector<clusterlab::Node*> alive = {oc.c.masters[0], oc.c.masters[1], &replica};
  ASSERT_TRUE(harness::eventually(
      [&] { return failoverlab::set_following(alive, kKey, "after", oc.c.masters[0]).str == "OK"; }, 30s));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  std::printf("[ measure ] kill -> write accepted: %.2f s (node-timeout 2 s)\n", secs);
  EXPECT_EQ(failoverlab::role(replica), "master");
  EXPECT_EQ(replica.client()->command({"GET", kKey}).str, "after");
  EXPECT_TRUE(harness::eventually(
      [&] {
        for (clusterlab::Node* n : alive)
          if (failoverlab::cluster_state(*n) != "ok") return false;
        return true;
      },
      10s));
  // Every live node sees the old master failed and the replica as master.
  EXPECT_TRUE(harness::eventually(
      [&] {
        for (clusterlab::Node* n : alive)
          for (const NodeView& v : failoverlab::nodes_of(*n)) {
            if (v.id == old_id && !v.has("fail")) return false;
            if (v.id == new_id && !v.has("master")) return false;
          }
        return true;
      },
      10s));

  static_cast<OurNode&>(master).start();
  EXPECT_TRUE(harness::eventually(
      [&] {
        for (const NodeView& v : failoverlab::nodes_of(master))
          if (v.id == old_id) return v.has("slave") && v.master == new_id;
        return false;
      },
      20s));
  EXPECT_TRUE(harness::eventually(
      [&] {
        harness::Client c(master.port);
        return harness::info_field(c, "replication", "master_link_status") == "up" &&
               c.command({"READONLY"}).str == "OK" && c.command({"GET", kKey}).str == "after";
      },
      20s));
  // Its FAIL flag clears everywhere once it answers as a replica.
  EXPECT_TRUE(harness::eventually(
      [&] {
        for (clusterlab::Node* n : alive)
          for (const NodeView& v : failoverlab::nodes_of(*n))
            if (v.id == old_id && (v.has("fail") || !v.has("slave"))) return false;
        return true;
      },
      20s));
  std::string log = replica.process.log();
  EXPECT_NE(log.find("Start of election delayed for"), std::string::npos);
  EXPECT_NE(log.find("Failover election won: I'm the new master."), std::string::npos);
}

TEST(ClusterFailoverKill, FailureReportsAndFailFlag) {
  OurCluster oc;
  ASSERT_EQ(oc.c.build(), "");
  // No replica for masters[0]: nobody takes its slots, so FAIL stays and the cluster goes down.
  oc.c.replicas[0]->process.kill(SIGKILL);
  std::string id = failoverlab::myid(*oc.c.masters[0]);
  oc.c.masters[0]->process.kill(SIGKILL);
  clusterlab::Node& observer = *oc.c.masters[1];
  EXPECT_TRUE(harness::eventually(
      [&] {
        return observer.client()->command({"CLUSTER", "COUNT-FAILURE-REPORTS", id}).integer >= 1;
      },
      15s));
  EXPECT_TRUE(harness::eventually(
      [&] {
        for (const NodeView& v : failoverlab::nodes_of(observer))
          if (v.id == id) return v.has("fail");
        return false;
      },
      15s));
  EXPECT_TRUE(harness::eventually([&] { return failoverlab::cluster_state(observer) == "fail"; }, 10s));
  EXPECT_EQ(observer.client()->command({"SET", "{b}", "1"}).str, "CLUSTERDOWN The cluster is down");
  EXPECT_EQ(observer.client()->command({"CLUSTER", "COUNT-FAILURE-REPORTS", "nope"}).str,
            "ERR Unknown node nope");
  // Whichever master reached the quorum first marked it and told the other with a FAIL message.
  std::string logs = observer.process.log() + oc.c.masters[2]->process.log() +
                     oc.c.replicas[1]->process.log() + oc.c.replicas[2]->process.log();
  EXPECT_NE(logs.find("Marking node " + id + " as failing (quorum reached)."), std::string::npos);
  EXPECT_NE(logs.find("FAIL message received from"), std::string::npos);
}

TEST(ClusterFailoverKill, MinorityMasterRefusesWritesAfterNodeTimeout) {
  OurCluster oc;
  ASSERT_EQ(oc.c.build(), "");
  clusterlab::Node& lonely = *oc.c.masters[2];
  ASSERT_EQ(lonely.client()->command({"SET", kKey, "1"}).str, "OK");
  for (clusterlab::Node* n : oc.c.all())
    if (n != &lonely) n->process.kill(SIGSTOP);
  auto stopped = std::chrono::steady_clock::now();
  EXPECT_TRUE(harness::eventually(
      [&] {
        return lonely.client()->command({"SET", kKey, "2"}).str == "CLUSTERDOWN The cluster is down";
      },
      15s));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped).count();
  std::printf("[ measure ] minority master accepted writes for %.2f s (node-timeout 2 s)\n", secs);
  for (clusterlab::Node* n : oc.c.all())
    if (n != &lonely) n->process.kill(SIGCONT);
  EXPECT_TRUE(harness::eventually(
      [&] {
        return lonely.client()->command({"SET", kKey, "3"}).str == "OK";
      },
      20s));
}

// masters[0] gets a second replica; when masters[1] loses its only one, the spare moves over after the
// orphaned delay (5 s), leaving masters[0] at the migration barrier (1).
TEST(ClusterFailoverKill, SpareReplicaMigratesToOrphanedMaster) {
  OurCluster oc;
  ASSERT_EQ(oc.c.build(), "");
  OurNode spare;
  std::string m0 = failoverlab::myid(*oc.c.masters[0]), m1 = failoverlab::myid(*oc.c.masters[1]);
  ASSERT_EQ(oc.c.masters[0]
                ->client()
                ->command({"CLUSTER", "MEET", "127.0.0.1", std::to_string(spare.port),
                           std::to_string(spare.bus_port)})
                .str,
            "OK");
  ASSERT_TRUE(harness::eventually(
      [&] {
        return spare.client()->command({"CLUSTER", "REPLICATE", m0}).str == "OK";
      },
      20s));
  // Everyone must see the spare as masters[0]'s replica before the orphan appears.
  ASSERT_TRUE(harness::eventually(
      [&] {
        for (clusterlab::Node* n : oc.c.all()) {
          int of_m0 = 0;
          for (const NodeView& v : failoverlab::nodes_of(*n))
            if (v.has("slave") && v.master == m0) of_m0++;
          if (of_m0 != 2) return false;
        }
        return true;
      },
      20s));
  std::string dead = failoverlab::myid(*oc.c.replicas[1]);
  oc.c.replicas[1]->process.kill(SIGKILL);
  // The spare or masters[0]'s first replica (the smaller id) moves; either way masters[1] has one again.
  EXPECT_TRUE(harness::eventually(
      [&] {
        int of_m1 = 0;
        for (const NodeView& v : failoverlab::nodes_of(*oc.c.masters[0]))
          if (v.has("slave") && v.id != dead && v.master == m1) of_m1++;
        return of_m1 == 1;
      },
      30s));
  std::string logs = spare.process.log() + oc.c.replicas[0]->process.log();
  EXPECT_NE(logs.find("Migrating to orphaned master " + m1), std::string::npos);
}
