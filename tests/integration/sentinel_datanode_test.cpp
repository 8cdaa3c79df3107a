// The main failover scenario with our own datanode binaries as master and replicas.
#include <gtest/gtest.h>

#include "sentinel_lab.h"

using namespace sentinel_lab;

TEST(SentinelDatanode, KillMasterPromotesBestReplicaAndOldMasterRejoins) {
  Options o;
  o.kind = DataKind::kDatanode;
  Lab lab(o);
  ASSERT_TRUE(lab.discovered()) << lab.sentinels[0]->dir.read("sentinel.log");
  DataNode& r100 = *lab.replicas[0];
  DataNode& r90 = *lab.replicas[1];
  {
    auto c = lab.master->client();
    c->command({"SET", "before", "failover"});
    // The replicas may still be in their first full sync (a forked snapshot): wait until both have it.
    EXPECT_EQ(c->command({"WAIT", "2", "10000"}).integer, 2);
  }
  lab.master->kill();
  ASSERT_TRUE(lab.all_agree(r90.port, 30s)) << lab.sentinels[0]->dir.read("sentinel.log");
  EXPECT_TRUE(harness::eventually([&] { return r90.info_field("role") == "master"; }, 10s));
  EXPECT_TRUE(harness::eventually(
      [&] { return r100.info_field("master_port") == std::to_string(r90.port) && r100.info_field("master_link_status") == "up"; },
      30s));
  EXPECT_EQ(r90.client()->command({"GET", "before"}).str, "failover");
  lab.master->start();
  EXPECT_TRUE(harness::eventually(
      [&] {
        return lab.master->info_field("role") == "slave" &&
               lab.master->info_field("master_port") == std::to_string(r90.port);
      },
      40s))
      << lab.sentinels[0]->dir.read("sentinel.log");
}
