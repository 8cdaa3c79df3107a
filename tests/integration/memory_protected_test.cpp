// Protected configs and commands (enable-protected-configs, enable-debug-command), next to redis-server
// 7.0.15 started with the same settings, and CONFIG SET dir taking effect at once or being refused.
#include <gtest/gtest.h>

#include <fstream>

#include "harness.h"
#include "reference_redis.h"

namespace {

using harness::Client;
using harness::Datanode;
using harness::Reply;

TEST(MemoryProtected, DefaultsRefuseDebugAndPathsAsRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node("enable-debug-command = \"no\"\nenable-protected-configs = \"no\"\n");
  auto diffs = reference::differences(redis.port, node.port,
                                      {{"DEBUG", "SLEEP", "0"},
                                       {"debug", "help"},
                                       {"DEBUG"},
                                       {"CONFIG", "SET", "dir", "/tmp"},
                                       {"CONFIG", "SET", "DIR", "/tmp"},
                                       {"CONFIG", "SET", "dbfilename", "other.rdb"},
                                       {"CONFIG", "SET", "maxmemory", "10mb", "dir", "/tmp"},
                                       {"CONFIG", "SET", "no-such-option", "1", "dir", "/tmp"},
                                       {"CONFIG", "SET", "dir", "/tmp", "no-such-option", "1"},
                                       {"CONFIG", "SET", "dir", "/tmp", "maxmemory", "nonsense"},
                                       {"CONFIG", "SET", "enable-debug-command", "yes"},
                                       {"CONFIG", "SET", "enable-protected-configs", "yes"},
                                       {"CONFIG", "SET", "enable-module-command", "yes"},
                                       {"CONFIG", "GET", "enable-debug-command"},
                                       {"CONFIG", "GET", "enable-protected-configs"},
                                       {"CONFIG", "GET", "enable-module-command"},
                                       {"CONFIG", "GET", "maxmemory"},
                                       {"CONFIG", "SET", "maxmemory", "0"}});
  for (const auto& d : diffs) ADD_FAILURE() << d;
}

TEST(MemoryProtected, LocalAllowsLoopbackAsRedis) {
  reference::RealRedis redis({"--enable-debug-command", "local", "--enable-protected-configs", "local"});
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node("enable-debug-command = \"local\"\nenable-protected-configs = \"local\"\n");
  std::string our_dir = node.dir.path();
  auto diffs = reference::differences(redis.port, node.port,
                                      {{"DEBUG", "SLEEP", "0"},
                                       {"CONFIG", "GET", "enable-debug-command"},
                                       {"CONFIG", "SET", "dbfilename", "other.rdb"},
                                       {"CONFIG", "GET", "dbfilename"},
                                       {"CONFIG", "SET", "dir", "/nonexistent/redis-ha-test"},
                                       {"CONFIG", "SET", "dir", "/etc/hostname"}});
  for (const auto& d : diffs) ADD_FAILURE() << d;
}

TEST(MemoryProtected, DirChangeTakesEffectOrIsRefused) {
  Datanode node("save = \"\"\n");
  auto c = node.client();
  harness::TempDir other;
  // Without an AOF the next snapshot goes to the new directory, and CONFIG GET shows it.
  ASSERT_EQ(c->command({"SET", "k", "v"}).str, "OK");
  ASSERT_EQ(c->command({"CONFIG", "SET", "dir", other.path()}).str, "OK");
  EXPECT_EQ(c->command({"CONFIG", "GET", "dir"}).elements.at(1).str, other.path());
  ASSERT_EQ(c->command({"SAVE"}).str, "OK");
  EXPECT_TRUE(std::ifstream(other.file("dump.rdb")).good());
  // A missing directory is refused with the system's reason and the old one stays.
  Reply r = c->command({"CONFIG", "SET", "dir", other.path() + "/missing"});
  EXPECT_EQ(r.str, "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory");
  EXPECT_EQ(c->command({"CONFIG", "GET", "dir"}).elements.at(1).str, other.path());
  // With the AOF on, the open file would stay behind: refused, nothing changes.
  ASSERT_EQ(c->command({"CONFIG", "SET", "appendonly", "yes"}).str, "OK");
  r = c->command({"CONFIG", "SET", "dir", node.dir.path()});
  EXPECT_TRUE(r.is_error());
  EXPECT_NE(r.str.find("appendonly"), std::string::npos) << r.str;
  EXPECT_EQ(c->command({"CONFIG", "GET", "dir"}).elements.at(1).str, other.path());
}

}  // namespace
