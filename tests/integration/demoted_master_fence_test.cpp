// Demoted-master fencing (datanode/replication/fence.h): a master that had replicas comes back from a
// crash, a SIGSTOP or an isolation refusing writes (-READONLY, counted in INFO and the metrics) and
// serving reads, until a sentinel confirms it (REPLICAOF NO ONE), repoints it (REPLICAOF host port), a
// replica acknowledges again (isolation only), or master-fence-timeout passes. A standalone master is
// never fenced. With our sentinels a restarted master is confirmed within seconds, and a returning
// old master is converted without the 8 s wait Redis Sentinel applies.
#include <gtest/gtest.h>

#include <thread>

#include "harness.h"
#include "sentinel_lab.h"

using harness::Client;
using harness::Datanode;
using harness::eventually;
using namespace std::chrono_literals;

namespace {

std::string repl(Client& c, const std::string& field) { return harness::info_field(c, "replication", field); }

bool linked(Client& c) { return repl(c, "master_link_status") == "up"; }

bool fenced_error(const harness::Reply& r) {
  return r.is_error() && r.str.rfind("READONLY You can't write against a fenced master", 0) == 0;
}

TEST(DemotedMasterFence, RestartedMasterWithReplicasIsFencedUntilTimeout) {
  Datanode master("master-fence-timeout = 3000\nappendonly = true\n");
  Datanode replica("replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n");
  auto m = master.client();
  Client r(replica.port);
  ASSERT_TRUE(eventually([&] { return linked(r); }, 15s));
  EXPECT_EQ(m->command({"SET", "k", "v"}).str, "OK");
  ASSERT_TRUE(eventually([&] { return repl(*m, "connected_slaves") == "1"; }, 5s));
  std::this_thread::sleep_for(300ms);  // one tick records that it has replicas
  EXPECT_TRUE(master.dir.read("replication-role.state").find("had-replicas yes") != std::string::npos)
      << master.dir.read("replication-role.state");

  master.process.kill(SIGKILL);
  master.process.wait(10s);
  master.start();
  m = master.client();
  EXPECT_EQ(repl(*m, "master_fenced"), "1");
  EXPECT_EQ(m->command({"GET", "k"}).str, "v");  // reads served
  harness::Reply w = m->command({"SET", "k", "v2"});
  EXPECT_TRUE(fenced_error(w)) << w.str;
  EXPECT_TRUE(fenced_error(m->command({"DEL", "k"})));
  EXPECT_EQ(repl(*m, "master_fenced_write_refusals"), "2");
  // A transaction with a write is refused as a whole.
  EXPECT_EQ(m->command({"MULTI"}).str, "OK");
  EXPECT_TRUE(m->command({"SET", "k", "v3"}).is_error());
  EXPECT_TRUE(m->command({"EXEC"}).is_error());
  // No sentinel: the fence lifts by itself.
  EXPECT_TRUE(eventually([&] { return m->command({"SET", "k", "v4"}).str == "OK"; }, 10s));
  EXPECT_EQ(repl(*m, "master_fenced"), "0");
  EXPECT_EQ(m->command({"GET", "k"}).str, "v4");
}

TEST(DemotedMasterFence, ReplicaofNoOneConfirmsAndReplicaofRepoints) {
  Datanode master("master-fence-timeout = 600000\n");
  Datanode replica("replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n");
  auto m = master.client();
  Client r(replica.port);
  ASSERT_TRUE(eventually([&] { return linked(r); }, 15s));
  std::this_thread::sleep_for(300ms);
  master.restart();
  m = master.client();
  ASSERT_EQ(repl(*m, "master_fenced"), "1");
  EXPECT_TRUE(fenced_error(m->command({"SET", "a", "1"})));
  EXPECT_EQ(m->command({"REPLICAOF", "NO", "ONE"}).str, "OK");
  EXPECT_EQ(repl(*m, "master_fenced"), "0");
  EXPECT_EQ(m->command({"SET", "a", "1"}).str, "OK");

  // Fenced again after another restart; this time repointed: it becomes a replica (READONLY as usual).
  ASSERT_TRUE(eventually([&] { return repl(*m, "connected_slaves") == "1"; }, 10s));
  std::this_thread::sleep_for(300ms);
  master.restart();
  m = master.client();
  ASSERT_EQ(repl(*m, "master_fenced"), "1");
  EXPECT_EQ(r.command({"REPLICAOF", "NO", "ONE"}).str, "OK");
  EXPECT_EQ(m->command({"REPLICAOF", "127.0.0.1", std::to_string(replica.port)}).str, "OK");
  EXPECT_EQ(repl(*m, "master_fenced"), "0");
  EXPECT_EQ(repl(*m, "role"), "slave");
  EXPECT_TRUE(master.dir.read("replication-role.state").find("role slave") != std::string::npos);
}

TEST(DemotedMasterFence, StandaloneMasterIsNeverFenced) {
  Datanode node("appendonly = true\n");
  auto c = node.client();
  c->command({"SET", "k", "v"});
  node.restart();
  c = node.client();
  EXPECT_EQ(repl(*c, "master_fenced"), "0");
  EXPECT_EQ(c->command({"SET", "k", "v2"}).str, "OK");
  node.process.kill(SIGSTOP);
  std::this_thread::sleep_for(2s);
  node.process.kill(SIGCONT);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(c->command({"SET", "k", "v3"}).str, "OK");
}

TEST(DemotedMasterFence, ResumedMasterIsFencedAndItsMetricCounts) {
  Datanode master("master-fence-timeout = 600000\nmetrics-port = " + std::to_string(harness::free_port()) +
                  "\n");
  Datanode replica("replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n");
  auto m = master.client();
  Client r(replica.port);
  ASSERT_TRUE(eventually([&] { return linked(r); }, 15s));
  std::this_thread::sleep_for(300ms);
  master.process.kill(SIGSTOP);
  std::this_thread::sleep_for(2500ms);
  master.process.kill(SIGCONT);
  EXPECT_TRUE(eventually([&] { return repl(*m, "master_fenced") == "1"; }, 3s));
  EXPECT_TRUE(fenced_error(m->command({"INCR", "n"})));
  EXPECT_EQ(repl(*m, "master_fenced_write_refusals"), "1");
  // A replica acknowledging does not lift a fence after a stall: only a confirmation does.
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(repl(*m, "master_fenced"), "1");
  EXPECT_EQ(m->command({"REPLICAOF", "NO", "ONE"}).str, "OK");
  EXPECT_EQ(m->command({"INCR", "n"}).integer, 1);
}

TEST(DemotedMasterFence, SilentReplicasFenceAndTheirReturnLiftsIt) {
  Datanode master("master-fence-timeout = 600000\n");
  Datanode replica("replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n");
  auto m = master.client();
  Client r(replica.port);
  ASSERT_TRUE(eventually([&] { return linked(r); }, 15s));
  std::this_thread::sleep_for(300ms);
  replica.process.kill(SIGSTOP);
  EXPECT_TRUE(eventually([&] { return repl(*m, "master_fenced") == "1"; }, 8s));
  EXPECT_TRUE(fenced_error(m->command({"SET", "x", "1"})));
  replica.process.kill(SIGCONT);
  EXPECT_TRUE(eventually([&] { return m->command({"SET", "x", "1"}).str == "OK"; }, 8s));
}

// Our sentinels: a master restarted faster than down-after is confirmed at once (no failover), and an
// old master that returns after a failover is converted into a replica of the new one quickly.
TEST(DemotedMasterFence, OurSentinelsConfirmOrConvertQuickly) {
  sentinel_lab::Options o;
  o.kind = sentinel_lab::DataKind::kDatanode;
  o.priorities = {100, 90};
  sentinel_lab::Lab lab(o);
  ASSERT_TRUE(lab.discovered());
  auto c = lab.master->client();
  ASSERT_EQ(c->command({"WAIT", "2", "10000"}).integer, 2);
  std::this_thread::sleep_for(300ms);

  lab.master->kill();
  lab.master->start();
  c = lab.master->client();
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually(
      [&] {
        return c->command({"SET", "after-restart", "1"}).str == "OK";
      },
      10s))
      << lab.master->dir.read("datanode.log");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 8s);  // well before the 30 s timeout
  EXPECT_NE(lab.master->dir.read("datanode.log").find("master role confirmed"), std::string::npos);

  // A failover, then the old master returns: converted, never taking a write.
  const int old_port = lab.master->port;
  std::this_thread::sleep_for(300ms);
  lab.master->kill();
  const sentinel_lab::DataNode& r90 = *lab.replicas[1];
  ASSERT_TRUE(lab.all_agree(r90.port, 30s));
  lab.master->start();
  c = lab.master->client();
  int64_t writes_ok = 0;
  auto back = std::chrono::steady_clock::now();
  bool converted = eventually(
      [&] {
        if (c->command({"SET", "split", "1"}).str == "OK") ++writes_ok;
        return lab.master->info_field("role") == "slave" &&
               lab.master->info_field("master_port") == std::to_string(r90.port);
      },
      30s);
  EXPECT_TRUE(converted) << lab.sentinels[0]->dir.read("sentinel.log");
  EXPECT_EQ(writes_ok, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - back, 6s);
  (void)old_port;
}

}  // namespace
