// Sentinels (ours) failing over a real redis-server master with two replicas, on loopback.
#include <gtest/gtest.h>

#include "sentinel_lab.h"

using namespace sentinel_lab;

TEST(SentinelFailover, KillMasterPromotesBestReplicaAndOldMasterRejoins) {
  Lab lab;
  ASSERT_TRUE(lab.discovered());
  DataNode& r100 = *lab.replicas[0];
  DataNode& r90 = *lab.replicas[1];
  lab.master->kill();
  ASSERT_TRUE(lab.all_agree(r90.port, 30s)) << lab.sentinels[0]->dir.read("sentinel.log");
  // The other replica follows the new master.
  EXPECT_TRUE(harness::eventually(
      [&] { return r100.info_field("master_port") == std::to_string(r90.port) && r100.info_field("master_link_status") == "up"; },
      30s));
  EXPECT_EQ(r90.info_field("role"), "master");
  // Every sentinel rewrote its file with the new master and the new epoch.
  EXPECT_TRUE(harness::eventually(
      [&] {
        for (auto& s : lab.sentinels) {
          std::string f = s->dir.read("sentinel.toml");
          if (f.find("port = " + std::to_string(r90.port)) == std::string::npos) return false;
          if (f.find("config-epoch = 1") == std::string::npos) return false;
          if (f.find("# the master under test") == std::string::npos) return false;
        }
        return true;
      },
      10s));
  // The old master comes back and is turned into a replica of the new one.
  lab.master->start();
  EXPECT_TRUE(harness::eventually(
      [&] {
        return lab.master->info_field("role") == "slave" &&
               lab.master->info_field("master_port") == std::to_string(r90.port);
      },
      40s));
}

TEST(SentinelFailover, ManualFailoverWithoutKill) {
  Lab lab;
  ASSERT_TRUE(lab.discovered());
  DataNode& r90 = *lab.replicas[1];
  harness::Reply r = lab.sentinels[1]->cmd({"SENTINEL", "failover", "mymaster"});
  ASSERT_EQ(r.str, "OK");
  harness::Reply again = lab.sentinels[1]->cmd({"SENTINEL", "failover", "mymaster"});
  EXPECT_TRUE(again.is_error());
  ASSERT_TRUE(lab.all_agree(r90.port, 30s));
  EXPECT_TRUE(harness::eventually([&] { return r90.info_field("role") == "master"; }, 10s));
  // The old master is alive: it is converted to a replica of the new one.
  EXPECT_TRUE(harness::eventually(
      [&] {
        return lab.master->info_field("role") == "slave" &&
               lab.master->info_field("master_port") == std::to_string(r90.port);
      },
      40s));
}

TEST(SentinelFailover, PriorityZeroReplicaIsNeverPromoted) {
  Options o;
  o.priorities = {0, 100};
  Lab lab(o);
  ASSERT_TRUE(lab.discovered());
  lab.master->kill();
  ASSERT_TRUE(lab.all_agree(lab.replicas[1]->port, 30s));
  EXPECT_EQ(lab.replicas[0]->info_field("role"), "slave");
}

TEST(SentinelFailover, OnlyPriorityZeroReplicaMeansNoGoodSlave) {
  Options o;
  o.priorities = {0};
  Lab lab(o);
  ASSERT_TRUE(lab.discovered());
  // Wait until the sentinel has the replica's INFO (its priority), so the refusal is about priority 0.
  ASSERT_TRUE(harness::eventually(
      [&] {
        harness::Reply reps = lab.sentinels[0]->cmd({"SENTINEL", "replicas", "mymaster"});
        if (reps.elements.size() != 1) return false;
        const auto& f = reps.elements[0].elements;
        for (size_t i = 0; i + 1 < f.size(); i += 2)
          if (f[i].str == "slave-priority") return f[i + 1].str == "0";
        return false;
      },
      10s));
  harness::Reply r = lab.sentinels[0]->cmd({"SENTINEL", "failover", "mymaster"});
  EXPECT_EQ(r.str, "NOGOODSLAVE No suitable replica to promote");
}

TEST(SentinelFailover, OneOfThreeSentinelsDownStillFailsOver) {
  Lab lab;
  ASSERT_TRUE(lab.discovered());
  lab.sentinels[2]->kill();
  lab.master->kill();
  ASSERT_TRUE(lab.all_agree(lab.replicas[1]->port, 40s));
}

TEST(SentinelFailover, TwoOfThreeSentinelsDownNoFailover) {
  Lab lab;
  ASSERT_TRUE(lab.discovered());
  int old = lab.master->port;
  lab.sentinels[1]->kill();
  lab.sentinels[2]->kill();
  lab.master->kill();
  SentinelNode& s = *lab.sentinels[0];
  ASSERT_TRUE(harness::eventually([&] { return s.master_field("flags").find("s_down") != std::string::npos; }, 10s));
  // Quorum 2 cannot be reached alone: never ODOWN, never a failover.
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(s.master_field("flags").find("o_down"), std::string::npos);
  EXPECT_EQ(s.master_port(), old);
  EXPECT_EQ(lab.replicas[1]->info_field("role"), "slave");
}

TEST(SentinelFailover, MasterWithPasswordUsesAuthPass) {
  Options o;
  o.password = "s3cret";
  Lab lab(o);
  ASSERT_TRUE(lab.discovered()) << lab.sentinels[0]->dir.read("sentinel.log");
  EXPECT_NE(lab.sentinels[0]->master_field("runid"), "");
  lab.master->kill();
  ASSERT_TRUE(lab.all_agree(lab.replicas[1]->port, 30s));
  EXPECT_TRUE(harness::eventually([&] { return lab.replicas[1]->info_field("role") == "master"; }, 10s));
}
