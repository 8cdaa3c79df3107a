// Cluster mode on one node: CLUSTER subcommands, their errors and the keys-by-slot index, compared
// byte for byte with a real redis-server 7.0.15 in cluster mode; nodes.conf written, reloaded after a
// restart, and one written by redis-server loaded; routing errors (MOVED, CROSSSLOT, CLUSTERDOWN).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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
      {"CLUSTER", "MEET", "127.0.0.1", "1", "2", "3"},
      {"CLUSTER", "SETSLOT", "1", "STABLE"},
      {"CLUSTER", "SETSLOT", "16384", "STABLE"},
      {"CLUSTER", "SETSLOT", "1", "BOGUS"},
      {"CLUSTER", "SETSLOT", "1", "NODE", "0000000000000000000000000000000000000000"},
      {"CLUSTER", "FAILOVER"},
      {"CLUSTER", "FAILOVER", "maybe"},
      {"CLUSTER", "FAILOVER", "force", "x"},
      {"CLUSTER", "RESET", "soft", "x"},
      {"SELECT", "x"},
      {"CLUSTER", "ADDSLOTSRANGE", "0", "16383"},
      {"DEL", "a", "b"},
      {"ZUNIONSTORE", "{z}d", "2", "{z}a", "b"},
      {"ZINTER", "2", "a", "b"},
      {"SINTERCARD", "2", "{s}a", "{s}b"},
      {"LMPOP", "2", "a", "b", "LEFT"},
      {"ZMPOP", "1", "a", "MIN"},
      {"BLMPOP", "0.01", "2", "a", "b", "LEFT"},
      {"SORT", "{l}a", "STORE", "b"},
      {"SORT", "{l}a", "STORE", "{l}b"},
      {"SORT_RO", "a", "BY", "nosort"},
      {"GEORADIUS", "{g}a", "0", "0", "1", "km", "STORE", "b"},
      {"GEOSEARCHSTORE", "{g}d", "{g}a", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"},
      {"GEOSEARCHSTORE", "d", "{g}a", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"},
      {"BZMPOP", "0.01", "2", "{z}a", "{z}b", "MIN"},
      {"SSUBSCRIBE", "a", "b"},
      {"SPUBLISH", "a", "x"},
      {"COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "a", "b"},
      {"COMMAND", "GETKEYS", "ZINTER", "2", "a", "b", "WEIGHTS", "1", "2"},
      {"COMMAND", "GETKEYS", "BLMPOP", "0", "2", "a", "b", "LEFT"},
      {"COMMAND", "GETKEYS", "ZINTER", "5", "a", "b"},
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
      [&] {
        return harness::info_field(c->command({"CLUSTER", "INFO"}).str, "cluster_state") == "ok";
      },
      5s));
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
  harness::Process second(
      DATANODE_BIN,
      {"--config", ours.dir.file("datanode.toml"), "--port", std::to_string(harness::free_port()),
       "--cluster-port", std::to_string(harness::free_port())},
      ours.dir.file("second.log"));
  EXPECT_EQ(second.wait(10s), 1);
  EXPECT_NE(second.log().find("already used by a different Redis Cluster node"), std::string::npos);
}

// Keys loaded at start (AOF) in slots nobody owns are claimed by the node, as Redis does; CONFIG SET of
// the announced hostname shows at once.
TEST(ClusterCommands, ClaimsSlotsOfLoadedKeys) {
  // fsync always: under everysec an AOF write may wait behind a background fsync (as in Redis), and the
  // SIGKILL below would then lose the last SET; this test is about the slots, not that window.
  OurNode ours("appendonly = true\nappendfsync = \"always\"");
  auto c = ours.client();
  ASSERT_EQ(c->command({"CLUSTER", "ADDSLOTS", "12182", "5061"}).str, "OK");
  // Most slots are unassigned: the cluster is down until full coverage is no longer required.
  ASSERT_EQ(c->command({"CONFIG", "SET", "cluster-require-full-coverage", "no"}).str, "OK");
  ASSERT_TRUE(harness::eventually([&] { return c->command({"SET", "foo", "1"}).str == "OK"; }, 5s));
  ASSERT_EQ(c->command({"SET", "bar", "1"}).str, "OK");
  ASSERT_EQ(c->command({"CONFIG", "SET", "cluster-announce-hostname", "node1.example"}).str, "OK");
  EXPECT_NE(c->command({"CLUSTER", "NODES"})
                .str.find("@" + std::to_string(ours.bus_port) + ",node1.example myself"),
            std::string::npos);
  ours.process.kill(SIGKILL);
  ours.process.wait(5s);
  unlink(ours.dir.file("nodes.conf").c_str());
  ours.start();
  auto c2 = ours.client();
  EXPECT_NE(c2->command({"CLUSTER", "NODES"}).str.find(" connected 5061 12182\n"), std::string::npos)
      << c2->command({"CLUSTER", "NODES"}).str;
  EXPECT_NE(ours.process.log().find("I have keys for unassigned slot 12182. Taking responsibility for it."),
            std::string::npos);
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

// A bus frame header as Redis lays it out (big endian), with `body` after it and totlen set.
std::string bus_frame(uint16_t type, uint16_t count, const std::string& body, uint16_t version = 1) {
  std::string h(2256, '\0');
  h.replace(0, 4, "RCmb");
  auto put16 = [&](size_t off, uint16_t v) {
    h[off] = static_cast<char>(v >> 8);
    h[off + 1] = static_cast<char>(v & 0xff);
  };
  put16(8, version);
  put16(10, 30001);
  put16(12, type);
  put16(14, count);
  h.replace(40, 40, std::string(40, 'e'));
  std::string f = h + body;
  uint32_t len = htonl(static_cast<uint32_t>(f.size()));
  memcpy(&f[4], &len, 4);
  return f;
}

// Sends bytes on a fresh bus connection, then waits for the node to close it or a short while.
void send_to_bus(int port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  timeval tv{0, 300000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[8192];
  while (read(fd, buf, sizeof buf) > 0) {
  }
  close(fd);
}

TEST(ClusterCommands, HostileBusInputIsDropped) {
  OurNode ours;
  send_to_bus(ours.bus_port, "hello world\r\n");                       // wrong signature
  send_to_bus(ours.bus_port, std::string("RCmb\0\0\0\x10", 8));        // totlen below the header size
  send_to_bus(ours.bus_port, std::string("RCmb\xff\xff\xff\xff", 8));  // absurd totlen
  send_to_bus(ours.bus_port, bus_frame(3, 0, std::string(39, 'x')));   // FAIL one byte short
  send_to_bus(ours.bus_port, bus_frame(0, 65535, ""));                 // gossip count beyond the frame
  send_to_bus(ours.bus_port, bus_frame(4, 0, std::string("\xff\xff\xff\xff\0\0\0\0", 8)));  // PUBLISH lengths
  send_to_bus(ours.bus_port, bus_frame(99, 0, "whatever"));         // unknown type: logged, ignored
  send_to_bus(ours.bus_port, bus_frame(0, 0, "", 2));               // other protocol version: ignored
  send_to_bus(ours.bus_port, bus_frame(0, 0, "").substr(0, 1000));  // truncated, then closed
  auto c = ours.client();
  EXPECT_EQ(c->command({"PING"}).str, "PONG");
  EXPECT_EQ(harness::info_field(c->command({"CLUSTER", "INFO"}).str, "cluster_known_nodes"), "1");
  std::string log = ours.process.log();
  EXPECT_NE(log.find("Bad message length or signature received on the Cluster bus"), std::string::npos)
      << log;
  EXPECT_NE(log.find("wrong length for a fail message"), std::string::npos) << log;
  EXPECT_NE(log.find("wrong length for a ping message"), std::string::npos) << log;
}

TEST(ClusterCommands, DisabledWithoutClusterMode) {
  harness::Datanode dn;
  auto c = dn.client();
  EXPECT_EQ(c->command({"CLUSTER", "INFO"}).str, "ERR This instance has cluster support disabled");
  EXPECT_EQ(c->command({"READONLY"}).str, "ERR This instance has cluster support disabled");
  EXPECT_EQ(harness::info_field(*c, "cluster", "cluster_enabled"), "0");
  EXPECT_EQ(
      c->command({"CONFIG", "SET", "cluster-enabled", "yes"}).str,
      "ERR CONFIG SET failed (possibly related to argument 'cluster-enabled') - can't set immutable config");
}

}  // namespace
