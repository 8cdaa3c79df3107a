// One sentinel with quorum 1 over a datanode master and one datanode replica: after kill -9 of the
// master the replica is promoted within seconds, even when the replica's last INFO (polled every 10 s
// while the master is healthy) is older than the 5 s a master in SDOWN allows at selection time.
#include <gtest/gtest.h>

#include "sentinel_lab.h"

using namespace sentinel_lab;

namespace {

// SENTINEL REPLICAS' info-refresh of the only replica (ms since its last INFO), -1 when unknown.
long long replica_info_age(const SentinelNode& s) {
  harness::Reply r = s.cmd({"SENTINEL", "replicas", "mymaster"});
  if (r.type != harness::Reply::Type::kArray || r.elements.size() != 1) return -1;
  const harness::Reply& fields = r.elements[0];
  for (size_t i = 0; i + 1 < fields.elements.size(); i += 2)
    if (fields.elements[i].str == "info-refresh") return std::atoll(fields.elements[i + 1].str.c_str());
  return -1;
}

}  // namespace

TEST(SentinelLoneFailover, QuorumOneSentinelPromotesReplicaWithOldInfo) {
  Options o;
  o.kind = DataKind::kDatanode;
  o.priorities = {100};
  o.sentinels = 1;
  o.quorum = 1;
  o.down_after = 1000;
  o.failover_timeout = 60000;
  Lab lab(o);
  ASSERT_TRUE(lab.discovered());
  SentinelNode& s = *lab.sentinels[0];
  DataNode& replica = *lab.replicas[0];
  ASSERT_TRUE(harness::eventually([&] { return replica.info_field("master_link_status") == "up"; }, 10s));
  // Kill the master when the replica's INFO is about 5.5 s old: by the time the master is in SDOWN
  // (down-after 1 s later) it is past the 5 s selection limit.
  ASSERT_TRUE(harness::eventually([&] { return replica_info_age(s) >= 5500; }, 15s)) << replica_info_age(s);
  lab.master->kill();
  EXPECT_TRUE(harness::eventually([&] { return replica.info_field("role") == "master"; }, 8s))
      << s.dir.read("sentinel.log");
  EXPECT_TRUE(lab.all_agree(replica.port, 5s));
  std::string log = s.dir.read("sentinel.log");
  EXPECT_EQ(log.find("-failover-abort-no-good-slave"), std::string::npos) << log;
  EXPECT_NE(log.find("+selected-slave"), std::string::npos) << log;
}

// A master that restarts on the same port gets the sentinel's links back (a refused connect is noticed
// at the next tick and retried, instead of waiting for the connect timeout and the back-off).
TEST(SentinelLoneFailover, LinksComeBackToARestartedMaster) {
  Options o;
  o.kind = DataKind::kDatanode;
  o.priorities = {};
  o.sentinels = 1;
  o.quorum = 2;  // one sentinel never reaches ODOWN: no failover
  o.down_after = 1000;
  Lab lab(o);
  SentinelNode& s = *lab.sentinels[0];
  auto sentinel_clients = [&] {
    auto c = lab.master->client();
    harness::Reply r = c->command({"CLIENT", "LIST"});
    size_t n = 0;
    for (size_t pos = r.str.find("name=sentinel-"); pos != std::string::npos;
         pos = r.str.find("name=sentinel-", pos + 1))
      ++n;
    return n;
  };
  ASSERT_TRUE(harness::eventually([&] { return sentinel_clients() == 2; }, 10s));  // cmd and pubsub
  lab.master->kill();
  ASSERT_TRUE(
      harness::eventually([&] { return s.master_field("flags").find("s_down") != std::string::npos; }, 5s));
  lab.master->start();
  EXPECT_TRUE(harness::eventually([&] { return sentinel_clients() == 2; }, 5s)) << s.dir.read("sentinel.log");
  EXPECT_TRUE(
      harness::eventually([&] { return s.master_field("flags").find("s_down") == std::string::npos; }, 5s));
}
