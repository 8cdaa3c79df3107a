// Our replica behind a real redis-server 7 master: a diskless sync with Redis' keepalive newlines
// (repl-diskless-sync-delay > 0) ends with matching offsets and WAIT counting us; a command we lack
// (XADD) is not acknowledged, so WAIT does not count us for it; a snapshot holding a type we cannot
// load keeps our data set and backs off. Skipped when redis-server is not installed.
#include <gtest/gtest.h>

#include <thread>

#include "harness.h"

using harness::Client;
using harness::Datanode;
using harness::eventually;
using harness::Process;
using harness::TempDir;
using namespace std::chrono_literals;

namespace {

struct RedisMaster {
  explicit RedisMaster(std::vector<std::string> extra) : port(harness::free_port()) {
    std::string bin = harness::run("command -v redis-server");
    while (!bin.empty() && (bin.back() == '\n' || bin.back() == '\r')) bin.pop_back();
    std::vector<std::string> args = {"--port", std::to_string(port), "--bind", "127.0.0.1", "--save",
                                     "",       "--appendonly",       "no",     "--dir",     dir.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    process = Process(bin, args, dir.file("redis.log"));
    harness::wait_for_port(port, 10s);
  }
  TempDir dir;
  int port;
  Process process;
};

std::string repl_field(Client& c, const std::string& f) { return harness::info_field(c, "replication", f); }

std::string replicaof(int port) { return "replicaof = \"127.0.0.1 " + std::to_string(port) + "\"\n"; }

TEST(ReplicationRealMaster, DisklessSyncWithKeepalivesKeepsOffsetsEqual) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server not installed";
  RedisMaster redis({"--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "1"});
  Client m(redis.port);
  m.command({"SET", "before", "1"});
  Datanode replica(replicaof(redis.port));
  Client r(replica.port);
  ASSERT_TRUE(eventually([&] { return repl_field(r, "master_link_status") == "up"; }, 10s))
      << replica.process.log();
  for (int i = 0; i < 20; ++i) m.command({"SET", "k" + std::to_string(i), std::to_string(i)});
  EXPECT_EQ(m.command({"WAIT", "1", "2000"}).integer, 1);
  EXPECT_TRUE(eventually(
      [&] { return repl_field(m, "master_repl_offset") == repl_field(r, "slave_repl_offset"); }, 5s))
      << repl_field(m, "master_repl_offset") << " vs " << repl_field(r, "slave_repl_offset");
  EXPECT_EQ(r.command({"GET", "before"}).str, "1");
  EXPECT_EQ(r.command({"GET", "k19"}).str, "19");
  std::string log = replica.process.log();
  EXPECT_EQ(log.find("Unexpected reply to PSYNC"), std::string::npos) << log;
  EXPECT_EQ(log.find("Retrying with SYNC"), std::string::npos) << log;
}

// Every command a real master sends is one this replica applies (streams included): acknowledged by
// WAIT, and the data reads back the same. (A command it could not apply is covered by the scripted
// master of replication_divergence_test.)
TEST(ReplicationRealMaster, StreamCommandsReachTheReplica) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server not installed";
  RedisMaster redis({"--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"});
  Client m(redis.port);
  Datanode replica(replicaof(redis.port));
  Client r(replica.port);
  ASSERT_TRUE(eventually([&] { return repl_field(r, "master_link_status") == "up"; }, 10s))
      << replica.process.log();
  m.command({"XADD", "s", "1-1", "f", "v"});
  m.command({"XGROUP", "CREATE", "s", "g", "0"});
  m.command({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"});
  m.command({"SETBIT", "bits", "7", "1"});
  m.command({"PFADD", "hll", "a", "b"});
  EXPECT_EQ(m.command({"WAIT", "1", "2000"}).integer, 1);
  EXPECT_EQ(repl_field(r, "master_stream_unapplied_commands"), "0");
  for (const std::vector<std::string>& q :
       std::vector<std::vector<std::string>>{{"XRANGE", "s", "-", "+"}, {"GET", "bits"}, {"PFCOUNT", "hll"}})
    EXPECT_EQ(r.command(q).str + std::to_string(r.command(q).elements.size()),
              m.command(q).str + std::to_string(m.command(q).elements.size()));
  EXPECT_EQ(r.command({"XPENDING", "s", "g"}).elements.size(), 4u);
}

// A full-sync snapshot holding a stream loads (it used to be refused with a back-off).
TEST(ReplicationRealMaster, SnapshotWithAStreamLoads) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server not installed";
  RedisMaster redis({"--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"});
  Client m(redis.port);
  m.command({"SET", "theirs", "1"});
  m.command({"XADD", "events", "1-1", "f", "v"});
  Datanode replica;
  Client r(replica.port);
  r.command({"SET", "ours", "1"});
  ASSERT_EQ(r.command({"REPLICAOF", "127.0.0.1", std::to_string(redis.port)}).str, "OK");
  ASSERT_TRUE(eventually([&] { return repl_field(r, "master_link_status") == "up"; }, 10s))
      << replica.process.log();
  EXPECT_EQ(r.command({"XLEN", "events"}).integer, 1);
  EXPECT_EQ(r.command({"GET", "theirs"}).str, "1");
  EXPECT_EQ(r.command({"EXISTS", "ours"}).integer, 0);  // a full sync replaces the data set
}

}  // namespace
