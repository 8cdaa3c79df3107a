// The replication link with an ACL user that has only what Redis documents for replicas
// (+psync +replconf +ping): our replica (masteruser + masterauth) syncs from our master and from a real
// redis-server, and a real redis-server replica syncs from ours. The same user cannot read data.
#include <gtest/gtest.h>

#include "harness.h"
#include "reference_redis.h"

using harness::Client;
using harness::Datanode;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kReplUser = {"ACL",     "SETUSER", "repl",      "on",
                                            ">replpw", "+psync",  "+replconf", "+ping"};

std::string replica_toml(int master_port) {
  return "replicaof = \"127.0.0.1 " + std::to_string(master_port) +
         "\"\nmasteruser = \"repl\"\nmasterauth = \"replpw\"\n";
}

void prepare_master(int port) {
  Client m(port);
  ASSERT_EQ("OK", m.command({"AUTH", "default", "mpw"}).str);
  ASSERT_EQ("OK", m.command(kReplUser).str);
  ASSERT_EQ("OK", m.command({"SET", "before", "1"}).str);
}

void expect_replicates(int master_port, int replica_port) {
  Client r(replica_port);
  ASSERT_TRUE(harness::eventually([&] { return r.command({"GET", "before"}).str == "1"; }, 20s));
  Client m(master_port);
  m.command({"AUTH", "default", "mpw"});
  m.command({"SET", "after", "2"});
  EXPECT_TRUE(harness::eventually([&] { return r.command({"GET", "after"}).str == "2"; }, 10s));
}

TEST(AclReplication, OurReplicaWithReplicationUserToOurMaster) {
  Datanode master("requirepass = \"mpw\"\n");
  prepare_master(master.port);
  Datanode replica(replica_toml(master.port));
  expect_replicates(master.port, replica.port);
  // The replication user may not touch data.
  Client as_repl(master.port);
  ASSERT_EQ("OK", as_repl.command({"AUTH", "repl", "replpw"}).str);
  EXPECT_EQ("NOPERM this user has no permissions to run the 'get' command",
            as_repl.command({"GET", "before"}).str);
  EXPECT_EQ("PONG", as_repl.command({"PING"}).str);
}

TEST(AclReplication, OurReplicaWithReplicationUserToRedisMaster) {
  reference::RealRedis master({"--requirepass", "mpw"});
  if (!master.available) GTEST_SKIP() << "redis-server not installed";
  prepare_master(master.port);
  Datanode replica(replica_toml(master.port));
  expect_replicates(master.port, replica.port);
}

TEST(AclReplication, RedisReplicaWithReplicationUserToOurMaster) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server not installed";
  Datanode master("requirepass = \"mpw\"\n");
  prepare_master(master.port);
  reference::RealRedis replica({"--replicaof", "127.0.0.1", std::to_string(master.port), "--masteruser",
                                "repl", "--masterauth", "replpw"});
  ASSERT_TRUE(replica.available);
  expect_replicates(master.port, replica.port);
}

}  // namespace
