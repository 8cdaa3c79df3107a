// The fault suite's Cluster: topology start-up, the health check, a failover after SIGKILL on loopback,
// and (as root) a failover after a network partition between namespaces, healed afterwards.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "cluster.h"
#include "harness.h"

using namespace std::chrono_literals;

namespace {

fault::ClusterOptions options(fault::Flavour flavour, fault::Net net) {
  fault::ClusterOptions o;
  o.flavour = flavour;
  o.net = net;
  o.datanode_bin = DATANODE_BIN;
  o.sentinel_bin = SENTINEL_BIN;
  return o;
}

std::string info_field(const fault::Endpoint& ep, const std::string& password, const std::string& key) {
  harness::Client c(ep.port, ep.host);
  c.set_timeout(2s);
  if (!password.empty()) c.command({"AUTH", password});
  return harness::info_field(c, "replication", key);
}

// The namespaces this process created and did not delete.
std::string leftover_namespaces() {
  std::string out, list = harness::run("ip netns list 2>/dev/null");
  const std::string mine = "fs" + std::to_string(getpid()) + "-";
  size_t at = 0;
  while ((at = list.find(mine, at)) != std::string::npos) {
    size_t end = list.find_first_of(" \n", at);
    out += list.substr(at, end - at) + " ";
    at = end;
  }
  return out;
}

}  // namespace

TEST(FaultCluster, LoopbackOursFailsOverAfterKillAndOldMasterRejoins) {
  fault::ClusterOptions o = options(fault::Flavour::kOurs, fault::Net::kLoopback);
  o.password = "s3cret";
  fault::Cluster c(o);
  ASSERT_EQ(c.start(), "");
  ASSERT_EQ(c.size(), 6);
  EXPECT_EQ(c.kind(0), fault::Kind::kData);
  EXPECT_EQ(c.kind(3), fault::Kind::kSentinel);
  EXPECT_EQ(c.agreed_master(), 0);
  EXPECT_EQ(c.describe(1).rfind("data#1 127.0.0.1:", 0), 0u) << c.describe(1);
  EXPECT_FALSE(c.partition({0}, {1, 2}));

  c.signal(0, SIGKILL);
  EXPECT_FALSE(c.running(0));
  std::optional<int> m;
  ASSERT_TRUE(harness::eventually(
      [&] {
        m = c.agreed_master();
        return m && *m != 0;
      },
      30s));
  c.restart(0);
  ASSERT_TRUE(c.wait_healthy(90s)) << c.why_unhealthy();
  EXPECT_EQ(c.agreed_master(), m);
  EXPECT_EQ(info_field(c.endpoint(0), o.password, "role"), "slave");
  EXPECT_EQ(info_field(c.endpoint(0), o.password, "master_port"), std::to_string(c.endpoint(*m).port));
}

TEST(FaultCluster, LoopbackRedisStartsHealthy) {
  if (access("/usr/bin/redis-server", X_OK) != 0 || access("/usr/bin/redis-sentinel", X_OK) != 0)
    GTEST_SKIP() << "no /usr/bin/redis-server or /usr/bin/redis-sentinel";
  fault::ClusterOptions o = options(fault::Flavour::kRedis, fault::Net::kLoopback);
  o.password = "s3cret";
  o.min_replicas_to_write = 1;
  fault::Cluster c(o);
  ASSERT_EQ(c.start(), "");
  EXPECT_EQ(c.agreed_master(), 0);
  // A restarted replica keeps its directory (and the config redis-server may have rewritten).
  c.restart(2);
  EXPECT_TRUE(c.wait_healthy(60s)) << c.why_unhealthy();
}

// Ours, real Redis, and ours with one real redis-sentinel among our sentinels.
enum class Setup { kOurs, kRedis, kMixed };

class FaultClusterNetns : public testing::TestWithParam<Setup> {};

// Node 0 (the master) is cut off from every other node: the sentinels fail over while the old master keeps
// running, still reachable from the suite; after the heal it becomes a replica of the new master.
TEST_P(FaultClusterNetns, PartitionedMasterIsReplacedAndRejoinsAfterHeal) {
  if (std::string why = fault::Cluster::netns_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  if (GetParam() != Setup::kOurs && access("/usr/bin/redis-sentinel", X_OK) != 0)
    GTEST_SKIP() << "no /usr/bin/redis-sentinel";
  {
    fault::ClusterOptions o = options(
        GetParam() == Setup::kRedis ? fault::Flavour::kRedis : fault::Flavour::kOurs, fault::Net::kNetns);
    if (GetParam() == Setup::kMixed) o.redis_sentinels = 1;
    fault::Cluster c(o);
    ASSERT_EQ(c.start(), "");
    for (int i = 0; i < c.size(); ++i) EXPECT_EQ(c.endpoint(i).host.rfind("10.", 0), 0u) << c.describe(i);
    EXPECT_EQ(c.endpoint(0).port, 6379);
    EXPECT_EQ(c.endpoint(3).port, 26379);

    // Every sentinel knows the replicas and the other sentinels (start() waited for that) by their
    // namespace addresses: each learnt the others' from hello messages, which carry the address of the
    // sender's link to the master.
    for (const fault::Endpoint& s : c.sentinel_endpoints()) {
      harness::Client sc(s.port, s.host);
      for (const char* what : {"replicas", "sentinels"})
        for (const harness::Reply& e : sc.command({"SENTINEL", what, "mymaster"}).elements)
          for (size_t k = 0; k + 1 < e.elements.size(); k += 2) {
            if (e.elements[k].str != "ip") continue;
            EXPECT_EQ(e.elements[k + 1].str.rfind("10.", 0), 0u) << s.str() << " " << what;
          }
    }

    std::vector<int> others;
    for (int i = 1; i < c.size(); ++i) others.push_back(i);
    ASSERT_TRUE(c.partition({0}, others));
    std::optional<int> m;
    EXPECT_TRUE(harness::eventually(
        [&] {
          m = c.agreed_master();
          return m && *m != 0;
        },
        30s));
    // The suite (in the router namespace) still reaches the isolated master, which still thinks it is one.
    EXPECT_EQ(info_field(c.endpoint(0), o.password, "role"), "master");
    c.heal();
    ASSERT_TRUE(c.wait_healthy(90s)) << c.why_unhealthy();
    ASSERT_TRUE(m && *m != 0);
    EXPECT_EQ(c.agreed_master(), m);
    EXPECT_EQ(info_field(c.endpoint(0), o.password, "role"), "slave");
  }
  EXPECT_EQ(leftover_namespaces(), "");
}

INSTANTIATE_TEST_SUITE_P(
    Setups, FaultClusterNetns, testing::Values(Setup::kOurs, Setup::kRedis, Setup::kMixed),
    [](const testing::TestParamInfo<Setup>& p) {
      return std::string(p.param == Setup::kOurs ? "Ours" : p.param == Setup::kRedis ? "Redis" : "Mixed");
    });

// A node that cannot start: start() says which and why, and the namespaces go away all the same.
TEST(FaultCluster, FailedNetnsStartLeavesNoNamespaces) {
  if (std::string why = fault::Cluster::netns_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  {
    fault::ClusterOptions o = options(fault::Flavour::kOurs, fault::Net::kNetns);
    o.sentinel_bin = "/nonexistent/sentinel";
    fault::Cluster c(o);
    std::string err = c.start();
    EXPECT_NE(err.find("sentinel#0"), std::string::npos) << err;
    EXPECT_NE(err.find("exited at start"), std::string::npos) << err;
    EXPECT_FALSE(leftover_namespaces().empty());
  }
  EXPECT_EQ(leftover_namespaces(), "");
}
