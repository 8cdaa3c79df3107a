// `deploy/lab.sh cluster start|status|stop` (six datanodes joined by redis-cli --cluster create) and the
// cluster's Prometheus series on a node's metrics endpoint.
#include "cluster_lab.h"

#include <gtest/gtest.h>

#include <random>

namespace {

using namespace std::chrono_literals;

// A base port with `count` consecutive free ports after it, and free bus ports 10000 above them.
int free_cluster_ports(int count) {
  std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; attempt < 200; ++attempt) {
    // Bus ports too stay below Linux' ephemeral range (32768+), where an outgoing connection of a
    // parallel test could hold the port without listening on it.
    int base = 20000 + static_cast<int>(rng() % 2700);
    bool ok = true;
    for (int i = 0; i < count && ok; ++i)
      ok = !harness::wait_for_port(base + i, 1ms) && !harness::wait_for_port(base + 10000 + i, 1ms);
    if (ok) return base;
  }
  return 0;
}

std::string dirname(const std::string& p) { return p.substr(0, p.rfind('/')); }

}  // namespace

TEST(ClusterLab, StartStatusStop) {
  if (!harness::have_program("redis-cli")) GTEST_SKIP() << "redis-cli not installed";
  harness::TempDir dir;
  int base = free_cluster_ports(6);
  ASSERT_NE(base, 0);
  std::string lab =
      "LAB_CLUSTER_DIR=" + dir.path() + "/lab LAB_SKIP_BUILD=1 BUILD_DIR=" + dirname(dirname(DATANODE_BIN)) +
      " LAB_CLUSTER_PORT=" + std::to_string(base) + " " + std::string(SOURCE_DIR) + "/deploy/lab.sh cluster ";
  int status = -1;
  std::string out = harness::run(lab + "start 2>&1", &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("--cluster check"), std::string::npos) << out;
  std::string cli = "redis-cli -a mypass --no-auth-warning ";
  EXPECT_TRUE(harness::eventually(
      [&] {
        int st = -1;
        harness::run(cli + "--cluster check 127.0.0.1:" + std::to_string(base + 3) + " >/dev/null 2>&1", &st);
        return st == 0;
      },
      30s));
  EXPECT_EQ(clusterlab::trim(harness::run(cli + "-c -p " + std::to_string(base) + " SET foo bar")), "OK");
  EXPECT_EQ(clusterlab::trim(harness::run(cli + "-c -p " + std::to_string(base + 1) + " GET foo")), "bar");
  std::string st = harness::run(lab + "status 2>&1");
  EXPECT_NE(st.find("node5: running"), std::string::npos) << st;
  EXPECT_NE(st.find("cluster_state:ok"), std::string::npos) << st;
  out = harness::run(lab + "stop 2>&1", &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_FALSE(harness::wait_for_port(base, 100ms));
  EXPECT_FALSE(harness::wait_for_port(base + 5, 100ms));
}

TEST(ClusterLab, PrometheusSeries) {
  if (!harness::have_program("curl")) GTEST_SKIP() << "curl not installed";
  int metrics_port = harness::free_port();
  clusterlab::OurNode node("metrics-port = " + std::to_string(metrics_port));
  auto c = node.client();
  ASSERT_EQ(c->command({"CLUSTER", "ADDSLOTSRANGE", "0", "16383"}).str, "OK");
  std::string body;
  EXPECT_TRUE(harness::eventually(
      [&] {
        body = harness::run("curl -s http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics");
        return body.find("\ndatanode_cluster_state_ok 1\n") != std::string::npos;
      },
      10s))
      << body;
  EXPECT_NE(body.find("datanode_cluster_known_nodes 1"), std::string::npos);
  EXPECT_NE(body.find("datanode_cluster_slots{state=\"assigned\"} 16384"), std::string::npos) << body;
  EXPECT_NE(body.find("datanode_cluster_messages_sent_total{type=\"ping\"} 0"), std::string::npos) << body;
}
