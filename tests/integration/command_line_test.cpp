// The command line operators use: --version and --help on both binaries, --test-config, and the start-up
// checks that refuse to run a node with nowhere to write (a missing data dir, an unwritable log file, a
// sentinel without its config file), each with a message that says what is wrong.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "harness.h"
#include "raw_resp.h"

namespace {

// Bounded: a binary that wrongly starts serving instead of refusing must fail the test, not hang it.
std::string run(const std::string& command, int* status) {
  return harness::run("timeout 20 " + command + " 2>&1", status);
}

TEST(CommandLine, VersionAndHelp) {
  for (const std::string bin : {DATANODE_BIN, SENTINEL_BIN}) {
    int status = -1;
    for (const char* flag : {" -v", " --version"}) {
      std::string out = run(bin + flag, &status);
      EXPECT_EQ(status, 0) << out;
      EXPECT_NE(out.find(" v="), std::string::npos) << out;
      EXPECT_NE(out.find("redis=7.0.15"), std::string::npos) << out;
      EXPECT_NE(out.find("malloc="), std::string::npos) << out;
    }
    std::string help = run(bin + " --help", &status);
    EXPECT_EQ(status, 0) << help;
    EXPECT_NE(help.find("--test-config"), std::string::npos) << help;
    EXPECT_NE(help.find("--version"), std::string::npos) << help;
  }
  int status = -1;
  EXPECT_NE(run(std::string(DATANODE_BIN) + " -h", &status).find("--check-aof FILE [--fix [--yes]]"),
            std::string::npos);
}

TEST(CommandLine, TestConfigChecksWithoutStarting) {
  harness::TempDir dir;
  dir.write("good.toml", "port = 7777\ndir = \"" + dir.path() + "\"\n");
  dir.write("bad.toml", "port = \"abc\"\n");
  int status = -1;
  std::string out = run(std::string(DATANODE_BIN) + " --test-config " + dir.file("good.toml"), &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("Configuration test passed"), std::string::npos) << out;
  out = run(std::string(DATANODE_BIN) + " --test-config " + dir.file("bad.toml"), &status);
  EXPECT_NE(status, 0) << out;
  EXPECT_NE(out.find("key 'port'"), std::string::npos) << out;
  // Start-up conditions are part of the test.
  out = run(std::string(DATANODE_BIN) + " --test-config " + dir.file("good.toml") + " --dir " + dir.path() +
                "/missing",
            &status);
  EXPECT_NE(status, 0) << out;

  dir.write("sentinel.toml", "port = 26999\n");
  out = run(std::string(SENTINEL_BIN) + " --test-config " + dir.file("sentinel.toml"), &status);
  EXPECT_EQ(status, 0) << out;
}

TEST(CommandLine, DatanodeRefusesAMissingDataDir) {
  harness::TempDir dir;
  int status = -1;
  std::string out = run(std::string(DATANODE_BIN) + " --port " + std::to_string(harness::free_port()) +
                            " --dir " + dir.path() + "/nonexistent",
                        &status);
  EXPECT_NE(status, 0) << out;
  EXPECT_NE(out.find("Can't use dir '" + dir.path() + "/nonexistent'"), std::string::npos) << out;
  EXPECT_NE(out.find("No such file or directory"), std::string::npos) << out;
  dir.write("file", "x");
  out = run(std::string(DATANODE_BIN) + " --dir " + dir.file("file"), &status);
  EXPECT_NE(status, 0) << out;
  EXPECT_NE(out.find("not a directory"), std::string::npos) << out;
}

TEST(CommandLine, BothRefuseAnUnwritableLogFile) {
  harness::TempDir dir;
  dir.write("s.toml", "");
  const std::string logfile = dir.path() + "/no/such/dir/node.log";
  int status = -1;
  std::string out =
      run(std::string(DATANODE_BIN) + " --dir " + dir.path() + " --logfile " + logfile, &status);
  EXPECT_NE(status, 0) << out;
  EXPECT_NE(out.find("Can't open the log file '" + logfile + "'"), std::string::npos) << out;
  out = run(std::string(SENTINEL_BIN) + " --config " + dir.file("s.toml") + " --logfile " + logfile, &status);
  EXPECT_NE(status, 0) << out;
  EXPECT_NE(out.find("Can't open the log file"), std::string::npos) << out;
}

TEST(CommandLine, SentinelNeedsItsConfigFile) {
  harness::TempDir dir;
  int status = -1;
  std::string out =
      run(std::string(SENTINEL_BIN) + " --port " + std::to_string(harness::free_port()), &status);
  EXPECT_NE(status, 0) << out;
  EXPECT_NE(out.find("without a config file"), std::string::npos) << out;
  out = run(std::string(SENTINEL_BIN) + " " + dir.path() + "/missing.toml", &status);
  EXPECT_NE(status, 0) << out;
  EXPECT_NE(out.find("is not writable"), std::string::npos) << out;
}

}  // namespace

namespace {

// Under `ulimit -n 64` a node asked for 10000 clients says it lowered maxclients, and a client beyond the
// new limit gets Redis' error instead of a silently reset connection.
TEST(CommandLine, MaxclientsFitsTheFileDescriptorLimit) {
  harness::TempDir dir;
  int port = harness::free_port();
  harness::Process p("/usr/bin/prlimit",
                     {"--nofile=64:64", DATANODE_BIN, "--port", std::to_string(port), "--dir", dir.path(),
                      "--maxclients", "10000"},
                     dir.file("node.log"));
  ASSERT_TRUE(harness::wait_for_port(port, std::chrono::seconds(10))) << p.log();
  harness::Client admin(port);
  EXPECT_EQ(admin.command({"CONFIG", "GET", "maxclients"}).elements.at(1).str, "32");
  EXPECT_NE(p.log().find("maxclients has been reduced to 32"), std::string::npos) << p.log();
  std::vector<std::unique_ptr<rawresp::Conn>> conns;
  int refused = 0, served = 0;
  for (int i = 0; i < 40; ++i) {
    conns.push_back(std::make_unique<rawresp::Conn>(port, 2000));
    std::string reply = conns.back()->command({"PING"});
    if (reply == "+PONG\r\n")
      ++served;
    else if (reply == "-ERR max number of clients reached\r\n")
      ++refused;
  }
  EXPECT_EQ(served, 31);  // the admin connection is the 32nd
  EXPECT_EQ(refused, 9);
}

}  // namespace
