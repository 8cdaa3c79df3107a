// The README's main command: deploy/lab.sh brings up a master, two replicas and three sentinels with
// their metrics; a SENTINEL FAILOVER through it promotes the priority-90 replica, the failover shows up
// in Prometheus (counter 0 -> 1, one duration sample, promtool-clean), and `stop` leaves nothing running.
#include <gtest/gtest.h>
#include <signal.h>

#include <random>
#include <sstream>

#include "harness.h"

namespace {

using namespace std::chrono_literals;

// A base port with `count` consecutive free ports after it.
int free_port_range(int count) {
  std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; attempt < 200; ++attempt) {
    // Below Linux' ephemeral range (32768+), so no outgoing connection of a parallel test holds it.
    int base = 20000 + static_cast<int>(rng() % 12000);
    bool ok = true;
    for (int i = 0; i < count && ok; ++i) ok = !harness::wait_for_port(base + i, 1ms);
    if (ok) return base;
  }
  return 0;
}

std::string dirname(const std::string& p) { return p.substr(0, p.rfind('/')); }

std::string metric_line(const std::string& body, const std::string& prefix) {
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) return line;
  return "";
}

}  // namespace

TEST(Lab, StartFailoverMetricsStop) {
  for (const char* tool : {"redis-cli", "curl", "promtool"})
    if (!harness::have_program(tool)) GTEST_SKIP() << tool << " not installed";
  harness::TempDir dir;
  int base = free_port_range(3), sentinels = free_port_range(3), metrics = free_port_range(6);
  ASSERT_TRUE(base && sentinels && metrics);
  std::string env = "LAB_DIR=" + dir.path() + "/lab LAB_SKIP_BUILD=1 BUILD_DIR=" + dirname(dirname(DATANODE_BIN)) +
                    " LAB_BASE_PORT=" + std::to_string(base) + " LAB_SENTINEL_PORT=" + std::to_string(sentinels) +
                    " LAB_METRICS_PORT=" + std::to_string(metrics) + " ";
  std::string lab = env + std::string(SOURCE_DIR) + "/deploy/lab.sh ";
  int status = 0;
  std::string out = harness::run(lab + "start 2>&1", &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("SENTINEL failover mymaster"), std::string::npos) << out;

  auto cli = [&](int port, const std::string& args) {
    return harness::run("redis-cli -p " + std::to_string(port) + " -a mypass --no-auth-warning " + args + " 2>&1");
  };
  // Seed §9: both replicas online, a write on the master is readable on a replica.
  EXPECT_TRUE(harness::eventually([&] { return cli(base, "INFO replication").find("connected_slaves:2") != std::string::npos; }, 30s))
      << cli(base, "INFO replication");
  EXPECT_EQ(cli(base, "SET mykey 10"), "OK\n");
  EXPECT_TRUE(harness::eventually([&] { return cli(base + 1, "GET mykey") == "10\n"; }, 10s));

  // The sentinels must have discovered both replicas and each other before a failover can reconfigure.
  ASSERT_TRUE(harness::eventually(
      [&] {
        std::string m = harness::run("redis-cli -p " + std::to_string(sentinels) + " SENTINEL master mymaster");
        return m.find("num-slaves\n2\n") != std::string::npos && m.find("num-other-sentinels\n2\n") != std::string::npos;
      },
      60s))
      << harness::run("redis-cli -p " + std::to_string(sentinels) + " SENTINEL master mymaster");

  std::string sentinel_metrics = "curl -sf http://127.0.0.1:" + std::to_string(metrics + 3) + "/metrics";
  EXPECT_NE(harness::run(sentinel_metrics).find("sentinel_failovers_succeeded_total{master=\"mymaster\"} 0"),
            std::string::npos);

  // Seed §10 (5): SENTINEL failover -> replica2 (priority 90) becomes the master everywhere.
  // Right after discovery the replicas' first INFO may not be in yet (-NOGOODSLAVE): retry as an operator would.
  std::string failover;
  EXPECT_TRUE(harness::eventually(
      [&] {
        failover = harness::run("redis-cli -p " + std::to_string(sentinels) + " SENTINEL failover mymaster");
        return failover == "OK\n";
      },
      30s))
      << failover;
  std::string expected = "127.0.0.1\n" + std::to_string(base + 2) + "\n";
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(harness::eventually(
        [&] {
          return harness::run("redis-cli -p " + std::to_string(sentinels + i) +
                              " SENTINEL get-master-addr-by-name mymaster") == expected;
        },
        60s))
        << "sentinel " << i;
  }
  EXPECT_TRUE(harness::eventually([&] { return cli(base + 2, "INFO replication").find("role:master") != std::string::npos; }, 30s));

  std::string body;
  EXPECT_TRUE(harness::eventually(
      [&] {
        body = harness::run(sentinel_metrics);
        return body.find("sentinel_failovers_succeeded_total{master=\"mymaster\"} 1") != std::string::npos;
      },
      60s))
      << body;
  EXPECT_EQ(metric_line(body, "sentinel_failover_duration_seconds_count"), "sentinel_failover_duration_seconds_count 1")
      << body;
  for (int port : {metrics + 3, metrics}) {
    std::string check = harness::run("curl -sf http://127.0.0.1:" + std::to_string(port) + "/metrics | promtool check metrics 2>&1", &status);
    EXPECT_EQ(status, 0) << port << ": " << check;
  }

  // Stop leaves no process of the lab behind.
  std::vector<int> pids;
  for (const char* name : {"master", "replica1", "replica2", "sentinel1", "sentinel2", "sentinel3"}) {
    std::string pid = harness::run("cat " + dir.path() + "/lab/" + name + "/pid 2>/dev/null");
    if (!pid.empty()) pids.push_back(std::stoi(pid));
  }
  EXPECT_EQ(pids.size(), 6u);
  out = harness::run(lab + "stop 2>&1", &status);
  EXPECT_EQ(status, 0) << out;
  for (int pid : pids) EXPECT_NE(kill(pid, 0), 0) << "pid " << pid << " still running";
}
