// CONFIG against a real redis-server 7.0.15: CONFIG GET * lists Redis' parameters with Redis' defaults,
// CONFIG SET validates, refuses immutable and duplicate parameters and rolls a failed multi-parameter
// change back with Redis' texts, remembered parameters survive CONFIG REWRITE, and port/bind move the
// listeners at runtime (keeping the old ones when the new address cannot be listened on).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

using harness::Datanode;

namespace {

std::set<std::string> names(harness::Client& c) {
  std::set<std::string> out;
  auto r = c.command({"CONFIG", "GET", "*"});
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) out.insert(r.elements[i].str);
  return out;
}

// Owned by other parts of the project (protected configs, client eviction): not checked here.
const std::set<std::string> kElsewhere = {"enable-debug-command", "enable-module-command",
                                          "enable-protected-configs", "maxmemory-clients"};

TEST(ConfigParity, GetStarListsEveryRedisParameter) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  harness::Client theirs(redis.port), ours(dn.port);
  std::set<std::string> want = names(theirs), have = names(ours);
  std::vector<std::string> missing;
  for (const auto& n : want)
    if (!have.count(n) && !kElsewhere.count(n)) missing.push_back(n);
  EXPECT_TRUE(missing.empty()) << ::testing::PrintToString(missing);
}

// Defaults as Redis prints them, for parameters that do not depend on how the test started the server.
TEST(ConfigParity, DefaultsMatchRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  std::vector<std::vector<std::string>> cmds;
  for (const char* name : {"acl-pubsub-default",
                           "aclfile",
                           "acllog-max-len",
                           "active-defrag-cycle-max",
                           "active-defrag-ignore-bytes",
                           "active-defrag-max-scan-fields",
                           "active-defrag-threshold-lower",
                           "active-defrag-threshold-upper",
                           "always-show-logo",
                           "aof-disable-auto-gc",
                           "aof-rewrite-incremental-fsync",
                           "aof_rewrite_cpulist",
                           "appenddirname",
                           "bgsave_cpulist",
                           "bind-source-addr",
                           "bio_cpulist",
                           "crash-memcheck-enabled",
                           "daemonize",
                           "disable-thp",
                           "ignore-warnings",
                           "io-threads-do-reads",
                           "jemalloc-bg-thread",
                           "latency-tracking-info-percentiles",
                           "notify-keyspace-events",
                           "oom-score-adj",
                           "oom-score-adj-values",
                           "proc-title-template",
                           "propagation-error-behavior",
                           "rdb-del-sync-files",
                           "rdb-save-incremental-fsync",
                           "repl-disable-tcp-nodelay",
                           "repl-diskless-load",
                           "replica-ignore-disk-write-errors",
                           "replica-ignore-maxmemory",
                           "slave-ignore-maxmemory",
                           "sanitize-dump-payload",
                           "server_cpulist",
                           "set-proc-title",
                           "shutdown-on-sigint",
                           "shutdown-on-sigterm",
                           "shutdown-timeout",
                           "socket-mark-id",
                           "supervised",
                           "syslog-enabled",
                           "syslog-facility",
                           "syslog-ident",
                           "tls-auth-clients",
                           "tls-ca-cert-dir",
                           "tls-cert-file",
                           "tls-ciphers",
                           "tls-cluster",
                           "tls-port",
                           "tls-prefer-server-ciphers",
                           "tls-protocols",
                           "tls-replication",
                           "tls-session-cache-size",
                           "tls-session-cache-timeout",
                           "tls-session-caching",
                           "unixsocket",
                           "unixsocketperm",
                           "hz",
                           "maxmemory-samples",
                           "list-max-listpack-size",
                           "list-max-ziplist-size",
                           "hash-max-ziplist-entries",
                           "zset-max-listpack-value",
                           "set-max-intset-entries",
                           "slowlog-max-len"})
    cmds.push_back({"CONFIG", "GET", name});
  auto diff = reference::differences(redis.port, dn.port, cmds);
  EXPECT_TRUE(diff.empty()) << ::testing::PrintToString(diff);
}

// CONFIG SET: values accepted and refused alike, with the same texts, and read back the same.
TEST(ConfigParity, SetValidationMatchesRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  std::vector<std::vector<std::string>> cmds = {
      {"CONFIG", "SET", "daemonize", "yes"},
      {"CONFIG", "SET", "aclfile", "/tmp/x"},
      {"CONFIG", "SET", "syslog-facility", "local1"},
      {"CONFIG", "SET", "hz", "5", "hz", "6"},
      {"CONFIG", "SET", "hz", "5", "HZ", "6"},
      {"CONFIG", "SET", "maxmemory-samples", "7", "hz", "abc"},
      {"CONFIG", "GET", "maxmemory-samples"},
      {"CONFIG", "GET", "hz"},
      {"CONFIG", "SET", "maxmemory-samples", "7", "daemonize", "yes"},
      {"CONFIG", "GET", "maxmemory-samples"},
      {"CONFIG", "SET", "maxmemory-samples", "7", "nosuchparam", "1"},
      {"CONFIG", "GET", "maxmemory-samples"},
      {"CONFIG", "SET", "acl-pubsub-default", "allchannels"},
      {"CONFIG", "GET", "acl-pubsub-default"},
      {"CONFIG", "SET", "acl-pubsub-default", "some"},
      {"CONFIG", "SET", "active-defrag-ignore-bytes", "200mb"},
      {"CONFIG", "GET", "active-defrag-ignore-bytes"},
      {"CONFIG", "SET", "active-defrag-cycle-max", "100"},
      {"CONFIG", "SET", "tls-port", "70000"},
      {"CONFIG", "SET", "shutdown-timeout", "-1"},
      {"CONFIG", "SET", "jemalloc-bg-thread", "maybe"},
      {"CONFIG", "SET", "jemalloc-bg-thread", "no"},
      {"CONFIG", "GET", "jemalloc-bg-thread"},
      {"CONFIG", "SET", "oom-score-adj", "relative"},
      {"CONFIG", "GET", "oom-score-adj"},
      {"CONFIG", "SET", "shutdown-on-sigterm", "nosave now"},
      {"CONFIG", "GET", "shutdown-on-sigterm"},
      {"CONFIG", "SET", "shutdown-on-sigint", "save"},
      {"CONFIG", "GET", "shutdown-on-sigint"},
      {"CONFIG", "SET", "shutdown-on-sigint", "default"},
      {"CONFIG", "GET", "shutdown-on-sigint"},
      {"CONFIG", "SET", "latency-tracking-info-percentiles", "50 99.5"},
      {"CONFIG", "GET", "latency-tracking-info-percentiles"},
      {"CONFIG", "SET", "ignore-warnings", "ARM64-COW-BUG"},
      {"CONFIG", "GET", "ignore-warnings"},
      {"CONFIG", "SET", "replica-ignore-maxmemory", "no"},
      {"CONFIG", "GET", "slave-ignore-maxmemory"},
      {"CONFIG", "SET", "notify-keyspace-events", "KEA", "hz", "x"},
      {"CONFIG", "GET", "notify-keyspace-events"},
      {"CONFIG", "RESETSTAT"},
      {"CONFIG", "RESETSTAT", "extra"},
  };
  auto diff = reference::differences(redis.port, dn.port, cmds);
  EXPECT_TRUE(diff.empty()) << ::testing::PrintToString(diff);
}

// Remembered parameters round-trip through CONFIG REWRITE and a restart.
TEST(ConfigParity, RememberedParametersSurviveRewrite) {
  Datanode dn;
  {
    auto c = dn.client();
    EXPECT_EQ(c->command({"CONFIG", "SET", "acllog-max-len", "64", "tls-session-caching", "no",
                          "oom-score-adj-values", "1 2 3", "shutdown-on-sigterm", "force nosave",
                          "notify-keyspace-events", "Elg"})
                  .str,
              "OK");
    EXPECT_EQ(c->command({"CONFIG", "REWRITE"}).str, "OK");
  }
  dn.restart();
  auto c = dn.client();
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"acllog-max-len", "64"},
                                                        {"tls-session-caching", "no"},
                                                        {"oom-score-adj-values", "1 2 3"},
                                                        {"shutdown-on-sigterm", "nosave force"},
                                                        {"notify-keyspace-events", "glE"}}) {
    auto r = c->command({"CONFIG", "GET", name});
    ASSERT_EQ(r.elements.size(), 2u) << name;
    EXPECT_EQ(r.elements[1].str, value) << name;
  }
}

TEST(ConfigParity, PortChangesAtRuntime) {
  Datanode dn;
  int old_port = dn.port, new_port = harness::free_port();
  auto c = dn.client();
  EXPECT_EQ(c->command({"CONFIG", "SET", "port", std::to_string(new_port)}).str, "OK");
  // The connection that asked stays; new ones go to the new port only.
  EXPECT_EQ(c->command({"PING"}).str, "PONG");
  harness::Client moved(new_port);
  EXPECT_EQ(moved.command({"CONFIG", "GET", "port"}).elements.at(1).str, std::to_string(new_port));
  EXPECT_FALSE(rawresp::Conn(old_port).ok());

  // A port somebody else listens on: Redis' error, and the listener stays where it was.
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  auto r = moved.command({"CONFIG", "SET", "port", std::to_string(redis.port)});
  EXPECT_EQ(r.str,
            "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. "
            "Check server "
            "logs.");
  harness::Client still(new_port);
  EXPECT_EQ(still.command({"PING"}).str, "PONG");
  EXPECT_EQ(still.command({"CONFIG", "GET", "port"}).elements.at(1).str, std::to_string(new_port));
}

TEST(ConfigParity, BindChangesAtRuntime) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  // An address that is not this host's fails the same way on both, and both keep listening.
  std::vector<std::vector<std::string>> cmds = {{"CONFIG", "SET", "bind", "192.0.2.1"},
                                                {"CONFIG", "GET", "bind"},
                                                {"CONFIG", "SET", "bind", "127.0.0.1 127.0.0.2"},
                                                {"CONFIG", "GET", "bind"}};
  auto diff = reference::differences(redis.port, dn.port, cmds);
  EXPECT_TRUE(diff.empty()) << ::testing::PrintToString(diff);
  harness::Client fresh(dn.port);
  EXPECT_EQ(fresh.command({"PING"}).str, "PONG");
  harness::Client second(dn.port, "127.0.0.2");
  EXPECT_EQ(second.command({"PING"}).str, "PONG");
}

}  // namespace
