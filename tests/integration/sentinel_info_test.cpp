// The sentinel's INFO has every section and field redis-sentinel 7.0.15 has in its default INFO (Server,
// Clients, Stats, CPU, Sentinel), so prometheus-redis-exporter and dashboards see the same series; the
// counters that mean something here (connections, commands, errors, bytes) count.
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "harness.h"

namespace {

// "section/field" for every field of an INFO text.
std::set<std::string> field_names(const std::string& info) {
  std::set<std::string> out;
  std::istringstream in(info);
  std::string line, section;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("# ", 0) == 0)
      section = line.substr(2);
    else if (auto colon = line.find(':'); colon != std::string::npos)
      out.insert(section + "/" + line.substr(0, colon));
  }
  return out;
}

TEST(SentinelInfo, HasEveryFieldRedisSentinelHas) {
  if (!harness::have_program("redis-sentinel")) GTEST_SKIP() << "redis-sentinel not installed";
  harness::TempDir dir;
  int theirs = harness::free_port(), ours = harness::free_port();
  dir.write("real.conf", "port " + std::to_string(theirs) + "\nbind 127.0.0.1\n");
  dir.write("ours.toml", "port = " + std::to_string(ours) + "\nbind = [\"127.0.0.1\"]\n");
  harness::Process real("/usr/bin/redis-sentinel", {dir.file("real.conf")}, dir.file("real.log"));
  harness::Process mine(SENTINEL_BIN, {"--config", dir.file("ours.toml")}, dir.file("ours.log"));
  ASSERT_TRUE(harness::wait_for_port(theirs, std::chrono::seconds(10))) << real.log();
  ASSERT_TRUE(harness::wait_for_port(ours, std::chrono::seconds(10))) << mine.log();

  harness::Client a(theirs), b(ours);
  std::set<std::string> want = field_names(a.command({"INFO"}).str);
  std::set<std::string> have = field_names(b.command({"INFO"}).str);
  ASSERT_GT(want.size(), 90u);
  for (const std::string& f : want) EXPECT_TRUE(have.count(f)) << "missing " << f;

  // The counters count: one more connection, the commands and the error just sent.
  b.command({"NOSUCHCOMMAND"});
  harness::Client c(ours);
  std::string info = c.command({"INFO", "stats"}).str;
  EXPECT_GE(std::stoll(harness::info_field(info, "total_connections_received")), 2);
  EXPECT_GE(std::stoll(harness::info_field(info, "total_commands_processed")), 1);
  EXPECT_GE(std::stoll(harness::info_field(info, "total_error_replies")), 1);
  EXPECT_GT(std::stoll(harness::info_field(info, "total_net_input_bytes")), 0);
  EXPECT_NE(harness::info_field(c.command({"INFO", "cpu"}).str, "used_cpu_user"), "");
}

}  // namespace
