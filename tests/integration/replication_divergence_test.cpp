// A replica never claims an offset whose data it lacks: a command of the master's stream it cannot
// apply (unknown here, wrong arity) stops the ACKs before it, is counted and logged, and the link is
// dropped for a full resync (PSYNC ? -1). A scripted master (fake_master.h) checks the exact ACK
// offsets and the reconnection; a real redis-server master checks that WAIT does not count us for a
// command we lack (XADD).
#include <gtest/gtest.h>

#include <thread>

#include "fake_master.h"
#include "harness.h"

using fake_master::FakeMaster;
using harness::Client;
using harness::Datanode;
using harness::eventually;
using harness::Process;
using harness::TempDir;
using rawresp::encode;
using namespace std::chrono_literals;

namespace {

const std::string kReplid = "0123456789abcdef0123456789abcdef01234567";

std::string getack() { return encode({"REPLCONF", "GETACK", "*"}); }

std::string repl_field(Client& c, const std::string& f) { return harness::info_field(c, "replication", f); }

// Full sync of an empty data set at `offset`, then the first ACK (sent right after the load).
void full_sync(FakeMaster& m, long long offset) {
  std::string rdb = fake_master::empty_rdb();
  m.send("+FULLRESYNC " + kReplid + " " + std::to_string(offset) + "\r\n$" + std::to_string(rdb.size()) +
         "\r\n" + rdb);
}

TEST(ReplicationDivergence, UnappliedCommandStopsAcksAndForcesFullResync) {
  FakeMaster master;
  int metrics_port = harness::free_port();
  Datanode replica("metrics-port = " + std::to_string(metrics_port) + "\n");
  auto c = replica.client();
  ASSERT_EQ(c->command({"REPLICAOF", "127.0.0.1", std::to_string(master.port())}).str, "OK");

  ASSERT_TRUE(master.accept(5s));
  ASSERT_EQ(master.handshake().size(), 3u);  // a former master offers its own history first
  full_sync(master, 100);
  EXPECT_EQ(master.next_ack(5s), 100);

  std::string good = encode({"SELECT", "0"}) + encode({"SET", "a", "1"});
  master.send(good + getack());
  long long before_bad = 100 + static_cast<long long>(good.size());
  EXPECT_EQ(master.next_ack(5s), before_bad);
  long long after_getack = before_bad + static_cast<long long>(getack().size());

  // An unknown command, then a write that must not be applied on top of the gap either.
  master.send(encode({"NOSUCHCMD", "x"}) + encode({"SET", "b", "2"}) + getack());
  std::vector<long long> acks;
  ASSERT_TRUE(master.wait_closed(5s, &acks))
      << "the replica kept the link up after a command it could not apply";
  for (long long a : acks) EXPECT_LE(a, after_getack);

  EXPECT_EQ(repl_field(*c, "master_stream_unapplied_commands"), "1");
  EXPECT_EQ(repl_field(*c, "slave_repl_offset"), std::to_string(after_getack));
  EXPECT_EQ(c->command({"GET", "a"}).str, "1");
  EXPECT_EQ(c->command({"EXISTS", "b"}).integer, 0);
  EXPECT_NE(replica.process.log().find("'nosuchcmd'"), std::string::npos);
  if (harness::have_program("curl")) {
    std::string url = "curl -sf http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics";
    EXPECT_TRUE(eventually(
        [&] {
          return harness::run(url).find("datanode_replica_unapplied_commands_total 1") != std::string::npos;
        },
        5s))
        << harness::run(url);
  }

  // The replica comes back at once, without a resumable position.
  ASSERT_TRUE(master.accept(5s));
  EXPECT_EQ(master.handshake(), (std::vector<std::string>{"PSYNC", "?", "-1"}));
  full_sync(master, 500);
  EXPECT_EQ(master.next_ack(5s), 500);
  EXPECT_TRUE(eventually([&] { return repl_field(*c, "master_link_status") == "up"; }, 5s));
  EXPECT_EQ(c->command({"EXISTS", "a"}).integer, 0);  // the new snapshot replaced the data set

  // Wrong arity inside a transaction: nothing of the block is acknowledged.
  std::string multi = encode({"MULTI"}) + encode({"SET", "c", "1"});
  master.send(multi + encode({"SET", "onlykey"}) + encode({"EXEC"}) + getack());
  acks.clear();
  ASSERT_TRUE(master.wait_closed(5s, &acks));
  for (long long a : acks) EXPECT_EQ(a, 500);
  EXPECT_EQ(repl_field(*c, "master_stream_unapplied_commands"), "2");
  EXPECT_EQ(repl_field(*c, "slave_repl_offset"), "500");
  // A second failure in a row backs off instead of asking for a snapshot again at once.
  EXPECT_TRUE(eventually(
      [&] {
        return replica.process.log().find("Next attempt to synchronize with the MASTER in 5 seconds") !=
               std::string::npos;
      },
      2s));
  EXPECT_FALSE(master.accept(1s));
}

TEST(ReplicationDivergence, KeepalivesAndEofMarkedTransferFromScriptedMaster) {
  FakeMaster master;
  Datanode replica;
  auto c = replica.client();
  ASSERT_EQ(c->command({"REPLICAOF", "127.0.0.1", std::to_string(master.port())}).str, "OK");
  ASSERT_TRUE(master.accept(5s));
  ASSERT_EQ(master.handshake().size(), 3u);
  // As a diskless master waiting for repl-diskless-sync-delay: newlines before the reply and before the
  // payload header, then the payload closed by the 40-byte mark.
  master.send("\n");
  std::this_thread::sleep_for(50ms);
  master.send("\n\n+FULLRESYNC " + kReplid + " 42\r\n\n");
  std::this_thread::sleep_for(50ms);
  std::string mark(40, 'm');
  master.send("\n$EOF:" + mark + "\r\n" + fake_master::empty_rdb() + mark);
  EXPECT_EQ(master.next_ack(5s), 42);
  std::string set = encode({"SET", "k", "v"});
  master.send(set + getack());
  EXPECT_EQ(master.next_ack(5s), 42 + static_cast<long long>(set.size()));
  EXPECT_EQ(c->command({"GET", "k"}).str, "v");
  EXPECT_EQ(repl_field(*c, "master_stream_unapplied_commands"), "0");
  EXPECT_EQ(replica.process.log().find("Unexpected reply to PSYNC"), std::string::npos);
}

}  // namespace
