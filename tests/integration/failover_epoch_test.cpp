// The failover epoch a datanode learns from sentinel hellos (__sentinel__:hello, published on the
// sentinel's command connection by ours and by Redis Sentinel alike) survives a restart in
// dir/replication-role.state, and a REPLICAOF NO ONE from a sentinel whose current epoch is older than it
// is refused: a stale instruction cannot turn the node back into a master. Connections without a hello
// (operators) are not judged, and a real redis-sentinel both teaches the epoch and still promotes a
// datanode replica with SENTINEL FAILOVER.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>

#include "harness.h"

using harness::Client;
using harness::Datanode;
using harness::eventually;
using harness::info_field;
using harness::Reply;
using namespace std::chrono_literals;

namespace {

std::string repl(Client& c, const std::string& field) { return info_field(c, "replication", field); }
// A fresh connection each time: a sentinel's reconfiguration kills normal clients (CLIENT KILL TYPE normal).
std::string repl_at(int port, const std::string& field) {
  Client c(port);
  return info_field(c, "replication", field);
}

std::string hello(int64_t current_epoch, int master_port, int64_t config_epoch) {
  return "127.0.0.1,26379,0123456789012345678901234567890123456789," + std::to_string(current_epoch) +
         ",mymaster,127.0.0.1," + std::to_string(master_port) + "," + std::to_string(config_epoch);
}

TEST(FailoverEpoch, StaleSentinelCannotPromoteAfterRestart) {
  Datanode master;
  Datanode node("replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n");
  {
    Client sentinel(node.port);
    ASSERT_FALSE(sentinel.command({"PUBLISH", "__sentinel__:hello", hello(7, master.port, 7)}).is_error());
    Client c(node.port);
    ASSERT_EQ(repl(c, "master_failover_epoch"), "7");
  }
  node.restart();
  Client c(node.port);
  // Persisted: the restarted node still knows epoch 7.
  EXPECT_EQ(repl(c, "master_failover_epoch"), "7");
  EXPECT_EQ(repl(c, "role"), "slave");

  Client stale(node.port);
  ASSERT_FALSE(stale.command({"PUBLISH", "__sentinel__:hello", hello(5, node.port, 5)}).is_error());
  Reply r = stale.command({"REPLICAOF", "NO", "ONE"});
  EXPECT_TRUE(r.is_error());
  EXPECT_EQ(r.str.rfind("ERR REPLICAOF NO ONE refused", 0), 0u) << r.str;
  EXPECT_EQ(repl(c, "role"), "slave");
  EXPECT_EQ(repl(c, "master_stale_promotions_refused"), "1");
  // Its hello did not lower what the node knows.
  EXPECT_EQ(repl(c, "master_failover_epoch"), "7");

  // A sentinel that knows the latest failover may promote it.
  Client fresh(node.port);
  ASSERT_FALSE(fresh.command({"PUBLISH", "__sentinel__:hello", hello(8, master.port, 7)}).is_error());
  EXPECT_EQ(fresh.command({"REPLICAOF", "NO", "ONE"}).str, "OK");
  EXPECT_EQ(repl(c, "role"), "master");
}

TEST(FailoverEpoch, OperatorsWithoutHelloAreNotJudged) {
  Datanode master;
  Datanode node("replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n");
  Client sentinel(node.port);
  ASSERT_FALSE(sentinel.command({"PUBLISH", "__sentinel__:hello", hello(9, master.port, 9)}).is_error());
  Client op(node.port);
  EXPECT_EQ(op.command({"REPLICAOF", "NO", "ONE"}).str, "OK");
  EXPECT_EQ(repl(op, "role"), "master");
  EXPECT_EQ(repl(op, "master_stale_promotions_refused"), "0");
}

// A real Redis Sentinel (which knows no new command) teaches the epoch through its hellos, and its own
// promotion of a datanode replica (REPLICAOF NO ONE at a newer epoch) goes through.
TEST(FailoverEpoch, RealRedisSentinelTeachesEpochAndStillFailsOver) {
  if (!harness::have_program("redis-sentinel")) GTEST_SKIP() << "redis-sentinel not installed";
  Datanode master;
  Datanode replica("replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n");
  ASSERT_TRUE(eventually([&] { return repl_at(replica.port, "master_link_status") == "up"; }, 20s));
  harness::TempDir dir;
  int sport = harness::free_port();
  dir.write("sentinel.conf", "port " + std::to_string(sport) + "\nbind 127.0.0.1\ndir " + dir.path() +
                                 "\nsentinel monitor mymaster 127.0.0.1 " + std::to_string(master.port) +
                                 " 1\nsentinel down-after-milliseconds mymaster 2000\n"
                                 "sentinel failover-timeout mymaster 20000\n"
                                 "sentinel config-epoch mymaster 3\nsentinel current-epoch 3\n");
  std::string bin = harness::run("command -v redis-sentinel");
  while (!bin.empty() && (bin.back() == '\n' || bin.back() == ' ')) bin.pop_back();
  harness::Process sentinel(bin, {dir.file("sentinel.conf")}, dir.file("sentinel.log"));
  ASSERT_TRUE(harness::wait_for_port(sport, 10s));
  EXPECT_TRUE(eventually([&] { return repl_at(master.port, "master_failover_epoch") == "3"; }, 10s)) << sentinel.log();
  EXPECT_TRUE(eventually([&] { return repl_at(replica.port, "master_failover_epoch") == "3"; }, 10s));
  // The sentinel must know the replica before it can fail over to it.
  Client s(sport);
  ASSERT_TRUE(eventually(
      [&] {
        Reply reps = s.command({"SENTINEL", "REPLICAS", "mymaster"});
        return reps.type == Reply::Type::kArray && !reps.elements.empty();
      },
      20s));
  Reply fo;
  ASSERT_TRUE(eventually(
      [&] {
        fo = s.command({"SENTINEL", "FAILOVER", "mymaster"});
        return !fo.is_error();
      },
      20s))
      << fo.str;
  EXPECT_TRUE(eventually([&] { return repl_at(replica.port, "role") == "master"; }, 30s)) << sentinel.log();
  EXPECT_EQ(repl_at(replica.port, "master_stale_promotions_refused"), "0");
  // The failover's new config epoch (4) reaches the promoted node through the sentinel's hellos.
  EXPECT_TRUE(eventually([&] { return repl_at(replica.port, "master_failover_epoch") == "4"; }, 15s));
  sentinel.kill(SIGTERM);
  sentinel.wait(10s);
}

}  // namespace
