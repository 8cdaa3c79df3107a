// SHUTDOWN and SIGTERM/SIGINT waiting for replicas, as Redis 7.0 (prepareForShutdown /
// isReadyToShutdown / finishShutdown): every scenario runs on a master + replica pair of datanodes and on
// a pair of real redis-server 7.0 beside it, and both must behave the same. A lagging (SIGSTOPped)
// replica holds the shutdown until shutdown-timeout; a caught-up one lets it exit at once; SHUTDOWN ABORT
// from another client cancels it and resumes writes; writes acknowledged before SHUTDOWN all reach the
// replica before the master exits; NOW and shutdown-on-sigterm skip the wait.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <future>
#include <memory>
#include <thread>

#include "harness.h"
#include "reference_redis.h"

using harness::Client;
using harness::Datanode;
using harness::eventually;
using harness::info_field;
using harness::Process;
using harness::Reply;
using namespace std::chrono_literals;

namespace {

// A master and one replica attached to it, of one flavour: datanodes or real redis-servers.
struct Pair {
  bool ours = true;
  std::unique_ptr<Datanode> dn_master, dn_replica;
  std::unique_ptr<reference::RealRedis> rr_master, rr_replica;

  explicit Pair(bool ours_flavour) : ours(ours_flavour) {
    if (ours) {
      dn_master = std::make_unique<Datanode>("save = \"\"\n");
      dn_replica = std::make_unique<Datanode>("save = \"\"\nreplicaof = \"127.0.0.1 " +
                                              std::to_string(dn_master->port) + "\"\n");
    } else {
      rr_master = std::make_unique<reference::RealRedis>(std::vector<std::string>{"--repl-diskless-sync-delay", "0"});
      rr_replica = std::make_unique<reference::RealRedis>(std::vector<std::string>{
          "--repl-diskless-sync-delay", "0", "--replicaof", "127.0.0.1", std::to_string(rr_master->port)});
    }
  }
  bool available() const { return ours || (rr_master->available && rr_replica->available); }
  int master_port() const { return ours ? dn_master->port : rr_master->port; }
  int replica_port() const { return ours ? dn_replica->port : rr_replica->port; }
  Process& master() { return ours ? dn_master->process : rr_master->process; }
  Process& replica() { return ours ? dn_replica->process : rr_replica->process; }
  // Link up and the replica acknowledged the master's whole stream.
  bool synced() {
    Client m(master_port()), r(replica_port());
    if (info_field(r, "replication", "master_link_status") != "up") return false;
    return m.command({"WAIT", "1", "200"}).integer == 1;
  }
};

class ShutdownWait : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    pair_ = std::make_unique<Pair>(GetParam());
    if (!pair_->available()) GTEST_SKIP() << "redis-server not available";
    ASSERT_TRUE(eventually([&] { return pair_->synced(); }, 20s)) << "replica never synced";
  }
  void TearDown() override {
    if (pair_) pair_->replica().kill(SIGCONT);
  }
  std::unique_ptr<Pair> pair_;
};

std::string flavour_name(const ::testing::TestParamInfo<bool>& info) { return info.param ? "Ours" : "Redis"; }

int64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count();
}

TEST_P(ShutdownWait, LaggingReplicaHoldsShutdownUntilTimeout) {
  Client m(pair_->master_port());
  ASSERT_EQ(m.command({"CONFIG", "SET", "shutdown-timeout", "3"}).str, "OK");
  pair_->replica().kill(SIGSTOP);
  ASSERT_EQ(m.command({"SET", "k", "v"}).str, "OK");
  auto start = std::chrono::steady_clock::now();
  auto shut = std::async(std::launch::async, [port = pair_->master_port()] {
    Client c(port);
    c.set_timeout(20s);
    return c.command({"SHUTDOWN"});
  });
  // Still serving reads, writes paused, and INFO says how long is left.
  Client other(pair_->master_port());
  ASSERT_TRUE(eventually([&] { return !info_field(other, "server", "shutdown_in_milliseconds").empty(); }, 2s));
  EXPECT_EQ(other.command({"GET", "k"}).str, "v");
  EXPECT_TRUE(pair_->master().running());
  // The master exits after the timeout, not before.
  EXPECT_EQ(pair_->master().wait(15s), 0);
  int64_t took = elapsed_ms(start);
  EXPECT_GE(took, 2500);
  EXPECT_LT(took, 9000);
  Reply r = shut.get();
  // No reply: the connection closes with the process.
  EXPECT_EQ(r.str.rfind("IO", 0), 0u) << "SHUTDOWN replied " << r.str;
  std::string log = pair_->master().log();
  EXPECT_NE(log.find("Waiting for replicas before shutting down."), std::string::npos) << log;
  EXPECT_NE(log.find("0 of 1 replicas are in sync when shutting down."), std::string::npos) << log;
  EXPECT_NE(log.find("Lagging replica"), std::string::npos) << log;
}

TEST_P(ShutdownWait, CaughtUpReplicaLetsItExitAtOnce) {
  Client m(pair_->master_port());
  ASSERT_EQ(m.command({"CONFIG", "SET", "shutdown-timeout", "20"}).str, "OK");
  ASSERT_EQ(m.command({"SET", "k", "v"}).str, "OK");
  ASSERT_EQ(m.command({"WAIT", "1", "2000"}).integer, 1);
  auto start = std::chrono::steady_clock::now();
  m.command({"SHUTDOWN"});
  EXPECT_EQ(pair_->master().wait(10s), 0) << pair_->master().log();
  EXPECT_LT(elapsed_ms(start), 3000);
  EXPECT_NE(pair_->master().log().find("1 of 1 replicas are in sync when shutting down."), std::string::npos)
      << pair_->master().log();
}

// Writes acknowledged to the client (no WAIT) right before SHUTDOWN all reach the replica.
TEST_P(ShutdownWait, NoAcknowledgedWriteLostOnTheReplica) {
  Client m(pair_->master_port());
  ASSERT_EQ(m.command({"CONFIG", "SET", "shutdown-timeout", "20"}).str, "OK");
  // More than the kernel's socket buffers hold (about 7 MB of stream): with SHUTDOWN NOW the replica
  // ends with none of it (checked with redis-server), so only the wait can make this pass.
  constexpr int kKeys = 60000;
  const std::string value(100, 'x');
  std::string batch;
  for (int i = 0; i < kKeys; ++i) {
    std::string k = "key:" + std::to_string(i);
    batch += "*3\r\n$3\r\nSET\r\n$" + std::to_string(k.size()) + "\r\n" + k + "\r\n$100\r\n" + value + "\r\n";
  }
  // Slow the replica down so it is behind when SHUTDOWN arrives.
  pair_->replica().kill(SIGSTOP);
  ASSERT_EQ(m.raw(batch).str, "OK");
  for (int i = 1; i < kKeys; ++i) ASSERT_EQ(m.read().str, "OK");
  std::thread resume([this] {
    std::this_thread::sleep_for(700ms);
    pair_->replica().kill(SIGCONT);
  });
  m.set_timeout(30s);
  m.command({"SHUTDOWN"});
  resume.join();
  EXPECT_EQ(pair_->master().wait(25s), 0);
  Client r(pair_->replica_port());
  EXPECT_EQ(r.command({"DBSIZE"}).integer, kKeys);
}

TEST_P(ShutdownWait, AbortFromAnotherClientResumesWrites) {
  Client m(pair_->master_port());
  ASSERT_EQ(m.command({"CONFIG", "SET", "shutdown-timeout", "30"}).str, "OK");
  pair_->replica().kill(SIGSTOP);
  ASSERT_EQ(m.command({"SET", "k", "v"}).str, "OK");
  auto shut = std::async(std::launch::async, [port = pair_->master_port()] {
    Client c(port);
    c.set_timeout(20s);
    return c.command({"SHUTDOWN"});
  });
  ASSERT_TRUE(eventually([&] { return !info_field(m, "server", "shutdown_in_milliseconds").empty(); }, 3s));
  // A write waits (paused) while the shutdown is pending.
  auto write = std::async(std::launch::async, [port = pair_->master_port()] {
    Client c(port);
    c.set_timeout(20s);
    return c.command({"SET", "during", "x"});
  });
  EXPECT_EQ(write.wait_for(500ms), std::future_status::timeout);
  EXPECT_EQ(m.command({"SHUTDOWN", "ABORT"}).str, "OK");
  Reply r = shut.get();
  EXPECT_TRUE(r.is_error());
  EXPECT_EQ(r.str, "ERR Errors trying to SHUTDOWN. Check logs.");
  EXPECT_EQ(write.get().str, "OK");
  EXPECT_TRUE(pair_->master().running());
  EXPECT_TRUE(info_field(m, "server", "shutdown_in_milliseconds").empty());
  EXPECT_EQ(m.command({"SHUTDOWN", "ABORT"}).str, "ERR No shutdown in progress.");
  EXPECT_NE(pair_->master().log().find("Shutdown manually aborted."), std::string::npos);
}

TEST_P(ShutdownWait, NowSkipsTheWait) {
  Client m(pair_->master_port());
  ASSERT_EQ(m.command({"CONFIG", "SET", "shutdown-timeout", "30"}).str, "OK");
  pair_->replica().kill(SIGSTOP);
  ASSERT_EQ(m.command({"SET", "k", "v"}).str, "OK");
  auto start = std::chrono::steady_clock::now();
  m.command({"SHUTDOWN", "NOW"});
  EXPECT_EQ(pair_->master().wait(10s), 0);
  EXPECT_LT(elapsed_ms(start), 3000);
}

TEST_P(ShutdownWait, SigtermWaitsUnlessConfiguredNow) {
  Client m(pair_->master_port());
  ASSERT_EQ(m.command({"CONFIG", "SET", "shutdown-timeout", "2"}).str, "OK");
  pair_->replica().kill(SIGSTOP);
  ASSERT_EQ(m.command({"SET", "k", "v"}).str, "OK");
  auto start = std::chrono::steady_clock::now();
  pair_->master().kill(SIGTERM);
  ASSERT_TRUE(eventually([&] { return !info_field(m, "server", "shutdown_in_milliseconds").empty(); }, 3s));
  EXPECT_EQ(pair_->master().wait(15s), 0);
  EXPECT_GE(elapsed_ms(start), 1500);
  EXPECT_NE(pair_->master().log().find("Received SIGTERM scheduling shutdown..."), std::string::npos);
}

TEST_P(ShutdownWait, SigtermWithShutdownOnSigtermNowExitsAtOnce) {
  Client m(pair_->master_port());
  ASSERT_EQ(m.command({"CONFIG", "SET", "shutdown-timeout", "30"}).str, "OK");
  ASSERT_EQ(m.command({"CONFIG", "SET", "shutdown-on-sigterm", "now"}).str, "OK");
  pair_->replica().kill(SIGSTOP);
  ASSERT_EQ(m.command({"SET", "k", "v"}).str, "OK");
  auto start = std::chrono::steady_clock::now();
  pair_->master().kill(SIGTERM);
  EXPECT_EQ(pair_->master().wait(10s), 0);
  EXPECT_LT(elapsed_ms(start), 3000);
}

INSTANTIATE_TEST_SUITE_P(Flavours, ShutdownWait, ::testing::Values(true, false), flavour_name);

}  // namespace
