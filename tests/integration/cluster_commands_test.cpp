// Cluster mode on one node: CLUSTER subcommands, their errors and the keys-by-slot index, compared
// byte for byte with a real redis-server 7.0.15 in cluster mode; nodes.conf written, reloaded after a
// restart, and one written by redis-server loaded; routing errors (MOVED, CROSSSLOT, CLUSTERDOWN).
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "cluster_lab.h"

using clusterlab::OurNode;
using clusterlab::RedisNode;
using harness::Reply;
using namespace std::chrono_literals;

namespace {

TEST(ClusterCommands, RepliesMatchRedis) {
  if (clusterlab::redis_server_bin().empty()) GTEST_SKIP() << "redis-server not installed";
  OurNode ours;
  RedisNode redis;
  std::vector<std::vector<std::string>> cmds = {
      {"CLUSTER", "KEYSLOT", "foo"},
      {"CLUSTER", "KEYSLOT", "{user1000}.following"},
      {"CLUSTER", "KEYSLOT", "foo{}{bar}"},
      {"CLUSTER", "KEYSLOT", "foo{{bar}}zap"},
      {"CLUSTER", "KEYSLOT"},
      {"CLUSTER", "NOSUCH"},
      {"CLUSTER", "COUNTKEYSINSLOT", "abc"},
      {"CLUSTER", "COUNTKEYSINSLOT", "16384"},
      {"CLUSTER", "GETKEYSINSLOT", "1", "-1"},
      {"CLUSTER", "GETKEYSINSLOT", "x", "1"},
      {"CLUSTER", "ADDSLOTS", "16384"},
      {"CLUSTER", "ADDSLOTS", "abc"},
      {"CLUSTER", "ADDSLOTS", "1", "1"},
      {"CLUSTER", "DELSLOTS", "5"},
      {"CLUSTER", "ADDSLOTSRANGE", "5", "1"},
      {"CLUSTER", "ADDSLOTSRANGE", "1", "2", "3"},
      {"GET", "foo"},
      {"CLUSTER", "ADDSLOTSRANGE", "0", "8000"},
      {"CLUSTER", "ADDSLOTS", "8001", "8002"},
      {"CLUSTER", "ADDSLOTS", "8001"},
      {"CLUSTER", "DELSLOTSRANGE", "8001", "8002"},
      {"CLUSTER", "DELSLOTS", "8001"},
      {"SET", "bar", "1"},
      {"SET", "foo", "1"},
      {"MSET", "a", "1", "b", "2"},
      {"MSET", "{t}a", "1", "{t}b", "2"},
      {"CLUSTER", "COUNTKEYSINSLOT", "5061"},
      {"CLUSTER", "GETKEYSINSLOT", "5061", "10"},
      {"CLUSTER", "GETKEYSINSLOT", "5061", "0"},
      {"SELECT", "1"},
      {"SELECT", "0"},
      {"SWAPDB", "0", "1"},
      {"MOVE", "bar", "1"},
      {"REPLICAOF", "127.0.0.1", "1"},
      {"CLUSTER", "SET-CONFIG-EPOCH", "-1"},
      {"CLUSTER", "SET-CONFIG-EPOCH", "5"},
      {"CLUSTER", "SET-CONFIG-EPOCH", "6"},
      {"CLUSTER", "BUMPEPOCH"},
      {"CLUSTER", "FORGET", "0000000000000000000000000000000000000000"},
      {"CLUSTER", "REPLICATE", "0000000000000000000000000000000000000000"},
      {"CLUSTER", "REPLICAS", "0000000000000000000000000000000000000000"},
      {"CLUSTER", "COUNT-FAILURE-REPORTS", "0000000000000000000000000000000000000000"},
      {"CLUSTER", "MEET", "nosuchhost", "1"},
      {"CLUSTER", "MEET", "127.0.0.1", "x"},
      {"CLUSTER", "RESET", "MAYBE"},
      {"CLUSTER", "RESET"},
      {"CLUSTER", "FLUSHSLOTS"},
      {"READONLY"},
      {"READWRITE"},
      {"ASKING"},
      {"CLUSTER", "HELP"},
      {"MULTI"},
      {"SET", "{t}a", "1"},
      {"SET", "{t}b", "1"},
      {"EXEC"},
      {"MULTI"},
      {"SET", "bar", "1"},
      {"SET", "foo", "1"},
      {"EXEC"},
      {"CLUSTER", "LINKS"},
  };
  auto diffs = reference::differences(redis.port, ours.port, cmds);
  for (const auto& d : diffs) ADD_FAILURE() << d;
}

TEST(ClusterCommands, InfoAndNodesOfOneNode) {
  OurNode ours;
  auto c = ours.client();
  std::string info = c->command({"INFO"}).str;
  EXPECT_NE(info.find("# Cluster\r\ncluster_enabled:1\r\n"), std::string::npos);
  std::string id = c->command({"CLUSTER", "MYID"}).str;
  EXPECT_EQ(id.size(), 40u);
  EXPECT_EQ(c->command({"CLUSTER", "ADDSLOTSRANGE", "0", "16383"}).str, "OK");
  EXPECT_TRUE(harness::eventually(
      [&] { return harness::info_field(c->command({"CLUSTER", "INFO"}).str, "cluster_state") == "ok"; }, 5s));
  std::string info2 = c->command({"CLUSTER", "INFO"}).str;
  EXPECT_EQ(harness::info_field(info2, "cluster_slots_assigned"), "16384");
  EXPECT_EQ(harness::info_field(info2, "cluster_known_nodes"), "1");
  std::string nodes = c->command({"CLUSTER", "NODES"}).str;
  EXPECT_EQ(nodes.substr(0, 40), id);
  EXPECT_NE(nodes.find(" myself,master - 0 0 0 connected 0-16383\n"), std::string::npos) << nodes;
  Reply slots = c->command({"CLUSTER", "SLOTS"});
  ASSERT_EQ(slots.elements.size(), 1u);
  EXPECT_EQ(slots.elements[0].elements[0].integer, 0);
  EXPECT_EQ(slots.elements[0].elements[1].integer, 16383);
  EXPECT_EQ(c->command({"SET", "foo", "bar"}).str, "OK");
  EXPECT_EQ(c->command({"CLUSTER", "COUNTKEYSINSLOT", "12182"}).integer, 1);
  // Restart: nodes.conf keeps the id and the slots.
  ours.process.kill(SIGKILL);
  ours.process.wait(5s);
  std::string conf = ours.dir.read("nodes.conf");
  EXPECT_NE(conf.find("vars currentEpoch 0 lastVoteEpoch 0\n"), std::string::npos) << conf;
  ours.start();
  auto c2 = ours.client();
  EXPECT_EQ(c2->command({"CLUSTER", "MYID"}).str, id);
  EXPECT_NE(c2->command({"CLUSTER", "NODES"}).str.find("connected 0-16383\n"), std::string::npos);
  // A second process on the same nodes.conf is refused.
  harness::Process second(DATANODE_BIN,
                          {"--config", ours.dir.file("datanode.toml"), "--port", std::to_string(harness::free_port()),
                           "--cluster-port", std::to_string(harness::free_port())},
                          ours.dir.file("second.log"));
  EXPECT_EQ(second.wait(10s), 1);
  EXPECT_NE(second.log().find("already used by a different Redis Cluster node"), std::string::npos);
}

TEST(ClusterCommands, LoadsNodesConfWrittenByRedis) {
  if (clusterlab::redis_server_bin().empty()) GTEST_SKIP() << "redis-server not installed";
  RedisNode redis;
  auto rc = redis.client();
  rc->command({"CLUSTER", "ADDSLOTSRANGE", "0", "100", "200", "300"});
  rc->command({"CLUSTER", "SET-CONFIG-EPOCH", "7"});
  std::string id = rc->command({"CLUSTER", "MYID"}).str;
  rc->command({"CLUSTER", "SAVECONFIG"});
  std::string conf = redis.dir.read("nodes.conf");
  OurNode ours;
  ours.process.kill(SIGKILL);
  ours.process.wait(5s);
  ours.dir.write("nodes.conf", conf);
  ours.start();
  auto c = ours.client();
  EXPECT_EQ(c->command({"CLUSTER", "MYID"}).str, id);
  std::string nodes = c->command({"CLUSTER", "NODES"}).str;
  EXPECT_NE(nodes.find(" myself,master - 0 0 7 connected 0-100 200-300\n"), std::string::npos) << nodes;
  EXPECT_EQ(harness::info_field(c->command({"CLUSTER", "INFO"}).str, "cluster_current_epoch"), "7");
}

TEST(ClusterCommands, DisabledWithoutClusterMode) {
  harness::Datanode dn;
  auto c = dn.client();
  EXPECT_EQ(c->command({"CLUSTER", "INFO"}).str, "ERR This instance has cluster support disabled");
  EXPECT_EQ(c->command({"READONLY"}).str, "ERR This instance has cluster support disabled");
  EXPECT_EQ(harness::info_field(*c, "cluster", "cluster_enabled"), "0");
  EXPECT_EQ(c->command({"CONFIG", "SET", "cluster-enabled", "yes"}).str,
            "ERR CONFIG SET failed (possibly related to argument 'cluster-enabled') - can't set immutable config");
}

}  // namespace
