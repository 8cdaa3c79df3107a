// A real redis-sentinel failing over datanodes: it discovers the replicas from our INFO, promotes the
// best one (replica-priority) with SLAVEOF NO ONE, reconfigures the other one (MULTI / SLAVEOF /
// CONFIG REWRITE / CLIENT KILL / EXEC), which then partially resyncs to the new master.
#include <gtest/gtest.h>

#include <csignal>

#include "harness.h"

using harness::Client;
using harness::Datanode;
using harness::eventually;
using harness::Process;
using harness::Reply;
using harness::TempDir;
using namespace std::chrono_literals;

namespace {

std::string repl(Client& c, const std::string& field) { return harness::info_field(c, "replication", field); }

std::string which(const std::string& prog) {
  std::string p = harness::run("command -v " + prog);
  while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();
  return p;
}

}  // namespace

TEST(ReplicationSentinel, RealSentinelFailsOverDatanodes) {
  if (!harness::have_program("redis-sentinel")) GTEST_SKIP() << "redis-sentinel is not installed";
  Datanode master;
  std::string follow = "replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n";
  Datanode r1(follow + "replica-priority = 100\n");
  Datanode r2(follow + "replica-priority = 90\n");
  Client m(master.port), c1(r1.port), c2(r2.port);
  ASSERT_TRUE(eventually([&] { return repl(c1, "master_link_status") == "up" && repl(c2, "master_link_status") == "up"; }, 10s));
  ASSERT_EQ(m.command({"SET", "before", "1"}).str, "OK");
  ASSERT_EQ(m.command({"WAIT", "2", "5000"}).integer, 2);

  TempDir dir;
  int sport = harness::free_port();
  dir.write("sentinel.conf", "port " + std::to_string(sport) + "\nbind 127.0.0.1\ndir " + dir.path() +
                                 "\nsentinel monitor mymaster 127.0.0.1 " + std::to_string(master.port) +
                                 " 1\nsentinel down-after-milliseconds mymaster 1000\n"
                                 "sentinel failover-timeout mymaster 10000\n");
  Process sentinel(which("redis-sentinel"), {dir.file("sentinel.conf")}, dir.file("sentinel.log"));
  ASSERT_TRUE(harness::wait_for_port(sport, 10s));
  Client s(sport);
  ASSERT_TRUE(eventually([&] {
    Reply r = s.command({"SENTINEL", "REPLICAS", "mymaster"});
    return !r.is_error() && r.elements.size() == 2;
  }, 15s)) << sentinel.log();

  master.process.kill(SIGKILL);
  master.process.wait(5s);
  ASSERT_TRUE(eventually([&] {
    Reply r = s.command({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"});
    return r.elements.size() == 2 && r.elements[1].str == std::to_string(r2.port);
  }, 30s)) << sentinel.log();
  // Sentinel kills normal clients (CLIENT KILL TYPE normal) while reconfiguring: talk on new connections.
  auto fresh = [](const Datanode& n) { return std::make_unique<Client>(n.port); };
  EXPECT_TRUE(eventually([&] { return repl(*fresh(r2), "role") == "master"; }, 10s));
  ASSERT_TRUE(eventually([&] {
    auto c = fresh(r1);
    return repl(*c, "master_port") == std::to_string(r2.port) && repl(*c, "master_link_status") == "up";
  }, 20s)) << sentinel.log();
  EXPECT_EQ(repl(*fresh(r2), "sync_partial_ok"), "1");
  EXPECT_EQ(fresh(r1)->command({"GET", "before"}).str, "1");
  ASSERT_EQ(fresh(r2)->command({"SET", "after", "2"}).str, "OK");
  EXPECT_TRUE(eventually([&] { return fresh(r1)->command({"GET", "after"}).str == "2"; }, 5s));
  // Sentinel's CONFIG REWRITE persisted the new master in r1's config.
  EXPECT_NE(r1.dir.read("datanode.toml").find(std::to_string(r2.port)), std::string::npos);
}
