// Client pauses have purposes (Redis 7.0's pause_purpose): a cluster manual failover that ends lifts only
// its own write pause, never an operator's CLIENT PAUSE. The failover is made to end by its 5 s timeout:
// the other two masters are stopped, so the replica gets no votes. Same run against redis-server 7.0.15.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "cluster_failover_lab.h"

using namespace std::chrono_literals;

namespace {

struct PauseCase {
  const char* name;
  bool redis;
};

class ClusterFailoverPause : public ::testing::TestWithParam<PauseCase> {};

std::string log_of(clusterlab::Node& n, bool redis) {
  std::ifstream in(n.dir.file(redis ? "redis.log" : "datanode.log"));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_P(ClusterFailoverPause, EndedManualFailoverKeepsClientPause) {
  const bool redis = GetParam().redis;
  if (redis && !harness::have_program("redis-server")) GTEST_SKIP() << "no redis-server";
  std::vector<std::unique_ptr<clusterlab::Node>> nodes;
  failoverlab::Cluster c;
  for (int i = 0; i < 6; ++i) {
    if (redis)
      nodes.push_back(std::make_unique<clusterlab::RedisNode>());
    else
      nodes.push_back(std::make_unique<clusterlab::OurNode>());
    (i < 3 ? c.masters : c.replicas).push_back(nodes.back().get());
  }
  ASSERT_EQ(c.build(), "");
  clusterlab::Node& master = *c.masters[0];
  clusterlab::Node& replica = *c.replicas[0];
  // A key master 0 serves (slots 0-5460).
  std::string key;
  for (int i = 0; key.empty() && i < 1000; ++i) {
    std::string k = "k" + std::to_string(i);
    if (master.client()->command({"CLUSTER", "KEYSLOT", k}).integer <= 5460) key = k;
  }
  ASSERT_FALSE(key.empty());

  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(master.client()->command({"CLIENT", "PAUSE", "10000", "WRITE"}).str, "OK");
  for (int i = 1; i < 3; ++i) c.masters[i]->process.kill(SIGSTOP);
  harness::Reply fo = replica.client()->command({"CLUSTER", "FAILOVER"});
  EXPECT_EQ(fo.str, "OK");
  ASSERT_TRUE(harness::eventually(
      [&] { return log_of(master, redis).find("Manual failover requested by replica") != std::string::npos; },
      5s));

  // A write sent now waits; the manual failover times out at about 5 s, the client pause ends at 10 s.
  auto write = std::async(std::launch::async, [&] {
    harness::Client w(master.port);
    w.set_timeout(30s);
    harness::Reply r = w.command({"SET", key, "v"});
    return std::make_pair(r, std::chrono::steady_clock::now() - t0);
  });
  bool timed_out = harness::eventually(
      [&] {
        std::string log = log_of(master, redis);
        return log.find("Manual failover timed out") != std::string::npos;
      },
      9s);
  auto [reply, elapsed] = write.get();
  for (int i = 1; i < 3; ++i) c.masters[i]->process.kill(SIGCONT);
  EXPECT_TRUE(timed_out) << "the master's manual failover did not time out";
  // Master 0 sees two of three masters unreachable after node-timeout, so by the time the held write
  // runs it answers -CLUSTERDOWN (Redis does too); what matters is when it ran.
  EXPECT_TRUE(reply.str == "OK" || reply.str.rfind("CLUSTERDOWN", 0) == 0) << reply.str;
  EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 9500)
      << "the write ran when the failover's pause ended, before the client pause did";
  EXPECT_EQ(failoverlab::role(master), "master");
}

INSTANTIATE_TEST_SUITE_P(Flavours, ClusterFailoverPause,
                         ::testing::Values(PauseCase{"ours", false}, PauseCase{"redis", true}),
                         [](const auto& info) { return std::string(info.param.name); });

// The same outside cluster mode: FAILOVER's write pause ends with FAILOVER ABORT, the operator's CLIENT
// PAUSE does not. The replica is stopped so the failover waits for its offset until aborted.
TEST(FailoverPause, AbortedFailoverKeepsClientPause) {
  // Fencing off: a master whose only replica stops acknowledging would refuse writes (fence.h).
  harness::Datanode master("master-fence-timeout = 0\n");
  harness::Datanode replica("replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n");
  auto m = master.client();
  auto r = replica.client();
  ASSERT_TRUE(harness::eventually(
      [&] { return harness::info_field(*r, "replication", "master_link_status") == "up"; }, 20s));
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(m->command({"CLIENT", "PAUSE", "4000", "WRITE"}).str, "OK");
  replica.process.kill(SIGSTOP);
  ASSERT_EQ(m->command({"FAILOVER"}).str, "OK");
  auto write = std::async(std::launch::async, [&] {
    harness::Client w(master.port);
    w.set_timeout(20s);
    harness::Reply rep = w.command({"SET", "k", "v"});
    return std::make_pair(rep, std::chrono::steady_clock::now() - t0);
  });
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(m->command({"FAILOVER", "ABORT"}).str, "OK");
  auto [reply, elapsed] = write.get();
  replica.process.kill(SIGCONT);
  EXPECT_EQ(reply.str, "OK");
  EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 3700)
      << "the write ran when FAILOVER ABORT ended the failover's pause";
  EXPECT_EQ(m->command({"SET", "k2", "v"}).str, "OK");
}
