// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms], the coordinated failover of Redis 7.0: error
// texts compared with redis-server byte for byte; a datanode master hands over to a datanode replica
// (and to a real redis-server replica, and a real redis-server master hands over to a datanode) with
// every write kept and the old master following the new one; INFO master_failover_state; writes
// paused while waiting; TIMEOUT without FORCE aborts, FAILOVER ABORT restores the master.
#include <gtest/gtest.h>

#include <thread>

#include "harness.h"
#include "reference_redis.h"

using harness::Client;
using harness::Datanode;
using harness::eventually;
using namespace std::chrono_literals;

namespace {

std::string repl(Client& c, const std::string& field) { return harness::info_field(c, "replication", field); }

std::string replica_of(int port) { return "replicaof = \"127.0.0.1 " + std::to_string(port) + "\"\n"; }

bool linked(Client& replica) { return repl(replica, "master_link_status") == "up"; }

bool caught_up(Client& master, int replicas) {
  std::string off = repl(master, "master_repl_offset");
  int n = 0;
  for (int i = 0; i < replicas; i++) {
    std::string line = repl(master, "slave" + std::to_string(i));
    if (line.find("state=online") != std::string::npos &&
        line.find("offset=" + off + ",") != std::string::npos)
      n++;
  }
  return n == replicas;
}

TEST(FailoverCommand, ErrorsMatchRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  auto d = reference::differences(redis.port, node.port,
                                  {{"FAILOVER"},
                                   {"FAILOVER", "ABORT"},
                                   {"FAILOVER", "TIMEOUT", "0"},
                                   {"FAILOVER", "TIMEOUT", "-5"},
                                   {"FAILOVER", "TIMEOUT", "abc"},
                                   {"FAILOVER", "TO", "127.0.0.1", "x"},
                                   {"FAILOVER", "TO", "127.0.0.1"},
                                   {"FAILOVER", "FORCE", "FORCE"},
                                   {"FAILOVER", "BOGUS"},
                                   {"FAILOVER", "TIMEOUT", "10", "TIMEOUT", "20"},
                                   {"FAILOVER", "FORCE"},
                                   {"FAILOVER", "TO", "127.0.0.1", "1", "FORCE"},
                                   {"FAILOVER", "ABORT", "x"}});
  EXPECT_TRUE(d.empty()) << ::testing::PrintToString(d);
}

TEST(FailoverCommand, ReplicaAndTargetErrorsMatchRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  // Each server with one replica of its own kind.
  reference::RealRedis redis_replica({"--replicaof", "127.0.0.1", std::to_string(redis.port)});
  Datanode node;
  Datanode replica(replica_of(node.port));
  Client rc(redis.port), nc(node.port), rr(redis_replica.port), nr(replica.port);
  ASSERT_TRUE(eventually([&] { return linked(rr) && linked(nr); }, 15s));
  auto d = reference::differences(redis.port, node.port,
                                  {{"FAILOVER", "TO", "127.0.0.1", "1"},
                                   {"FAILOVER", "TO", "10.9.9.9", "6379", "TIMEOUT", "100"},
                                   {"FAILOVER", "TO", "127.0.0.1", "1", "FORCE"},
                                   {"FAILOVER", "TIMEOUT", "100", "FORCE"}});
  EXPECT_TRUE(d.empty()) << ::testing::PrintToString(d);
  d = reference::differences(redis_replica.port, replica.port,
                             {{"FAILOVER"},
                              {"FAILOVER", "ABORT"},
                              {"PSYNC", "0000000000000000000000000000000000000000", "1", "FAILOVER"}});
  EXPECT_TRUE(d.empty()) << ::testing::PrintToString(d);
  d = reference::differences(redis.port, node.port, {{"PSYNC", "?", "-1", "FAILOVER"}});
  EXPECT_TRUE(d.empty()) << ::testing::PrintToString(d);
}

TEST(FailoverCommand, HandsOverToTheNamedReplicaWithoutLosingWrites) {
  Datanode master;
  Datanode r1(replica_of(master.port)), r2(replica_of(master.port));
  Client m(master.port), c1(r1.port), c2(r2.port);
  ASSERT_TRUE(eventually([&] { return linked(c1) && linked(c2); }, 15s));
  for (int i = 0; i < 500; i++) m.command({"SET", "k" + std::to_string(i), std::to_string(i)});
  EXPECT_EQ(repl(m, "master_failover_state"), "no-failover");
  ASSERT_EQ(m.command({"FAILOVER", "TO", "127.0.0.1", std::to_string(r1.port), "TIMEOUT", "5000"}).str, "OK");
  ASSERT_TRUE(eventually([&] { return repl(c1, "role") == "master"; }, 10s));
  ASSERT_TRUE(eventually(
      [&] {
        return repl(m, "role") == "slave" && repl(m, "master_port") == std::to_string(r1.port) && linked(m);
      },
      10s));
  EXPECT_EQ(repl(m, "master_failover_state"), "no-failover");
  EXPECT_EQ(c1.command({"DBSIZE"}).integer, 500);
  EXPECT_EQ(c1.command({"GET", "k499"}).str, "499");
  // The old master kept its history: a partial resync, not a full one.
  EXPECT_EQ(repl(c1, "sync_full"), "0");
  EXPECT_EQ(repl(c1, "sync_partial_ok"), "1");
  // The new master takes writes, the old one refuses them and follows.
  EXPECT_EQ(c1.command({"SET", "after", "1"}).str, "OK");
  EXPECT_EQ(m.command({"SET", "x", "1"}).str, "READONLY You can't write against a read only replica.");
  EXPECT_TRUE(eventually([&] { return m.command({"GET", "after"}).str == "1"; }, 10s));
}

TEST(FailoverCommand, AnyReplicaWritesWaitAndTimeoutAborts) {
  Datanode master;
  Datanode r1(replica_of(master.port));
  Client m(master.port), c1(r1.port);
  ASSERT_TRUE(eventually([&] { return linked(c1); }, 15s));
  m.command({"SET", "a", "1"});
  ASSERT_TRUE(eventually([&] { return caught_up(m, 1); }, 10s));

  // Stop the replica: it cannot acknowledge, so the failover waits with writes paused, then times out.
  r1.process.kill(SIGSTOP);
  ASSERT_EQ(m.command({"FAILOVER", "TIMEOUT", "600"}).str, "OK");
  EXPECT_EQ(repl(m, "master_failover_state"), "waiting-for-sync");
  EXPECT_EQ(m.command({"FAILOVER"}).str, "ERR FAILOVER already in progress.");
  EXPECT_EQ(m.command({"REPLICAOF", "127.0.0.1", "1"}).str, "ERR REPLICAOF not allowed while failing over.");
  Client writer(master.port);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(writer.command({"SET", "b", "2"}).str, "OK");  // held until the abort
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  EXPECT_EQ(repl(m, "master_failover_state"), "no-failover");
  EXPECT_EQ(repl(m, "role"), "master");
  r1.process.kill(SIGCONT);

  // FAILOVER ABORT lifts the pause at once.
  r1.process.kill(SIGSTOP);
  ASSERT_EQ(m.command({"FAILOVER"}).str, "OK");
  EXPECT_EQ(m.command({"FAILOVER", "ABORT"}).str, "OK");
  EXPECT_EQ(m.command({"SET", "c", "3"}).str, "OK");
  EXPECT_EQ(repl(m, "role"), "master");
  r1.process.kill(SIGCONT);

  // With no target named, the first replica caught up is chosen.
  ASSERT_TRUE(eventually([&] { return caught_up(m, 1); }, 10s));
  ASSERT_EQ(m.command({"FAILOVER"}).str, "OK");
  ASSERT_TRUE(eventually([&] { return repl(c1, "role") == "master"; }, 10s));
  EXPECT_EQ(c1.command({"GET", "c"}).str, "3");
  EXPECT_TRUE(eventually([&] { return repl(m, "role") == "slave" && linked(m); }, 10s));
}

// Interop: our master hands over to a real redis-server replica, and a real master to our replica.
TEST(FailoverCommand, InteropWithRedisServer) {
  reference::RealRedis probe;
  if (!probe.available) GTEST_SKIP() << "redis-server not installed";
  {
    Datanode master;
    reference::RealRedis replica({"--replicaof", "127.0.0.1", std::to_string(master.port)});
    Client m(master.port), rc(replica.port);
    ASSERT_TRUE(eventually([&] { return linked(rc); }, 15s));
    for (int i = 0; i < 100; i++) m.command({"RPUSH", "l", std::to_string(i)});
    ASSERT_EQ(m.command({"FAILOVER", "TO", "127.0.0.1", std::to_string(replica.port), "TIMEOUT", "5000"}).str,
              "OK");
    ASSERT_TRUE(eventually([&] { return repl(rc, "role") == "master"; }, 10s))
        << replica.dir.read("redis.log");
    EXPECT_EQ(rc.command({"LLEN", "l"}).integer, 100);
    EXPECT_TRUE(eventually([&] { return repl(m, "role") == "slave" && linked(m); }, 10s));
    EXPECT_EQ(rc.command({"SET", "from-redis", "1"}).str, "OK");
    EXPECT_TRUE(eventually([&] { return m.command({"GET", "from-redis"}).str == "1"; }, 10s));
  }
  {
    reference::RealRedis master;
    Datanode replica(replica_of(master.port));
    Client m(master.port), c(replica.port);
    ASSERT_TRUE(eventually([&] { return linked(c); }, 15s));
    for (int i = 0; i < 100; i++) m.command({"SADD", "s", std::to_string(i)});
    ASSERT_TRUE(eventually([&] { return caught_up(m, 1); }, 10s)) << repl(m, "slave0");
    ASSERT_EQ(m.command({"FAILOVER", "TO", "127.0.0.1", std::to_string(replica.port), "TIMEOUT", "5000"}).str,
              "OK");
    ASSERT_TRUE(eventually([&] { return repl(c, "role") == "master"; }, 10s)) << master.dir.read("redis.log");
    EXPECT_EQ(c.command({"SCARD", "s"}).integer, 100);
    EXPECT_TRUE(eventually([&] { return repl(m, "role") == "slave" && linked(m); }, 10s));
    EXPECT_EQ(c.command({"SET", "from-ours", "1"}).str, "OK");
    EXPECT_TRUE(eventually([&] { return m.command({"GET", "from-ours"}).str == "1"; }, 10s));
  }
}

}  // namespace
