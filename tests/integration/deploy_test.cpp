// deploy/: the systemd units pass systemd-analyze verify, the Prometheus config and alert rules pass
// promtool, and the datanode's /metrics endpoint passes promtool check metrics.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness.h"

namespace {

std::string read_source(const std::string& rel) {
  std::ifstream in(std::string(SOURCE_DIR) + "/" + rel);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}

}  // namespace

TEST(Deploy, SystemdUnitsVerify) {
  if (!harness::have_program("systemd-analyze")) GTEST_SKIP() << "systemd-analyze not installed";
  harness::TempDir dir;
  for (const std::string unit : {"datanode.service", "sentinel.service"}) {
    // Point ExecStart at the binaries just built; everything else is verified as shipped.
    std::string text = read_source("deploy/systemd/" + unit);
    ASSERT_FALSE(text.empty()) << unit;
    text = replace_all(text, "/usr/bin/datanode", DATANODE_BIN);
    text = replace_all(text, "/usr/bin/sentinel", SENTINEL_BIN);
    dir.write(unit, text);
    int status = 0;
    std::string out = harness::run("systemd-analyze verify " + dir.file(unit) + " 2>&1", &status);
    EXPECT_EQ(status, 0) << unit << ": " << out;
    EXPECT_EQ(out.find(unit + ":"), std::string::npos) << out;
  }
}

TEST(Deploy, PrometheusConfigAndRulesPassPromtool) {
  if (!harness::have_program("promtool")) GTEST_SKIP() << "promtool not installed (apt-get install prometheus)";
  int status = 0;
  std::string out = harness::run("promtool check config " + std::string(SOURCE_DIR) + "/deploy/prometheus/prometheus.yml 2>&1", &status);
  EXPECT_EQ(status, 0) << out;
  out = harness::run("promtool check rules " + std::string(SOURCE_DIR) + "/deploy/prometheus/alerts.yml 2>&1", &status);
  EXPECT_EQ(status, 0) << out;
}

TEST(Deploy, DatanodeMetricsPassPromtool) {
  if (!harness::have_program("promtool") || !harness::have_program("curl")) GTEST_SKIP() << "promtool/curl missing";
  int metrics_port = harness::free_port();
  harness::Datanode node("metrics-port = " + std::to_string(metrics_port));
  harness::Client c(node.port);
  ASSERT_EQ(c.command({"SET", "k", "v"}).str, "OK");
  std::string url = "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics";
  std::string body;
  ASSERT_TRUE(harness::eventually(
      [&] {
        body = harness::run("curl -sf " + url);
        return body.find("datanode_keys{db=\"0\"} 1") != std::string::npos;
      },
      std::chrono::seconds(10)))
      << body;
  EXPECT_NE(body.find("# HELP datanode_connected_clients"), std::string::npos);
  EXPECT_NE(body.find("datanode_command_calls_total{cmd=\"set\"} 1"), std::string::npos) << body;
  int status = 0;
  std::string out = harness::run("curl -sf " + url + " | promtool check metrics 2>&1", &status);
  EXPECT_EQ(status, 0) << out;
}
