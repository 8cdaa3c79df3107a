// Resharding commands under hostile input, compared byte for byte with a real redis-server 7.0.15 in
// cluster mode owning every slot like ours (SETSLOT, RESTORE-ASKING, MIGRATE, COUNTKEYSINSLOT ...),
// and the slot-move protocol between two datanodes: open-slot markers, ASK, ASKING, TRYAGAIN, MIGRATE.
#include <gtest/gtest.h>

#include <thread>

#include "cluster_lab.h"

using clusterlab::Node;
using clusterlab::OurNode;
using clusterlab::RedisNode;
using harness::Reply;
using namespace std::chrono_literals;

namespace {

const std::string kBogusId(40, 'e');

void own_all_slots(Node& n) {
  auto c = n.client();
  ASSERT_EQ(c->command({"CLUSTER", "ADDSLOTSRANGE", "0", "16383"}).str, "OK");
  ASSERT_TRUE(harness::eventually(
      [&] {
        return harness::info_field(c->command({"CLUSTER", "INFO"}).str, "cluster_state") == "ok";
      },
      10s));
}

TEST(ClusterReshardErrors, MatchRedis) {
  if (clusterlab::redis_server_bin().empty()) GTEST_SKIP() << "redis-server not installed";
  RedisNode theirs;
  OurNode ours;
  own_all_slots(theirs);
  own_all_slots(ours);
  // A payload both accept: a string DUMPed by Redis.
  auto rc = theirs.client();
  ASSERT_EQ(rc->command({"SET", "src", "hello"}).str, "OK");
  std::string payload = rc->command({"DUMP", "src"}).str;
  ASSERT_EQ(ours.client()->command({"SET", "src", "hello"}).str, "OK");
  std::string bad = payload;
  bad[bad.size() - 1] ^= 1;
  std::string closed_port = std::to_string(harness::free_port());
  std::vector<std::vector<std::string>> cmds = {
      {"CLUSTER", "SETSLOT"},
      {"CLUSTER", "SETSLOT", "1"},
      {"CLUSTER", "SETSLOT", "16384", "STABLE"},
      {"CLUSTER", "SETSLOT", "-1", "STABLE"},
      {"CLUSTER", "SETSLOT", "abc", "NODE", kBogusId},
      {"CLUSTER", "SETSLOT", "5", "MIGRATING", kBogusId},
      {"CLUSTER", "SETSLOT", "5", "MIGRATING", "short"},
      {"CLUSTER", "SETSLOT", "5", "IMPORTING", kBogusId},
      {"CLUSTER", "SETSLOT", "5", "NODE", kBogusId},
      {"CLUSTER", "SETSLOT", "5", "NODE", ""},
      {"CLUSTER", "SETSLOT", "5", "FOO", kBogusId},
      {"CLUSTER", "SETSLOT", "5", "STABLE", "extra"},
      {"CLUSTER", "SETSLOT", "5", "NODE"},
      {"CLUSTER", "SETSLOT", "5", "MIGRATING"},
      {"CLUSTER", "SETSLOT", "5", "IMPORTING", kBogusId, "x"},
      {"CLUSTER", "SETSLOT", "5", "stable"},
      {"CLUSTER", "COUNTKEYSINSLOT", "16384"},
      {"CLUSTER", "COUNTKEYSINSLOT", "x"},
      {"CLUSTER", "GETKEYSINSLOT", "1", "-1"},
      {"CLUSTER", "GETKEYSINSLOT", "16384", "1"},
      {"CLUSTER", "COUNTKEYSINSLOT", std::to_string(6985)},
      {"CLUSTER", "FORGET", kBogusId},
      {"CLUSTER", "RESET", "MEDIUM"},
      {"ASKING", "x"},
      {"RESTORE-ASKING", "k", "0"},
      {"RESTORE-ASKING", "k", "0", "garbage"},
      {"RESTORE-ASKING", "k", "0", bad},
      {"RESTORE-ASKING", "k", "-1", payload},
      {"RESTORE-ASKING", "k", "x", payload},
      {"RESTORE-ASKING", "k", "0", payload, "BOGUS"},
      {"RESTORE-ASKING", "k", "0", payload},
      {"RESTORE-ASKING", "k", "0", payload},
      {"RESTORE-ASKING", "k", "0", payload, "REPLACE", "IDLETIME", "-1"},
      {"RESTORE-ASKING", "k", "0", payload, "REPLACE"},
      {"GET", "k"},
      {"RESTORE-ASKING", "a", "0", payload, "REPLACE", "FREQ", "300"},
      {"MIGRATE", "127.0.0.1", "1", "k", "0", "1000", "KEYS", "a"},
      {"MIGRATE", "127.0.0.1", "1", "", "0", "1000"},
      {"MIGRATE", "127.0.0.1", "1", "", "0", "1000", "KEYS", "nokey1", "nokey1"},
      {"MIGRATE", "127.0.0.1", "1", "k", "0", "1000", "AUTH"},
      {"MIGRATE", "127.0.0.1", "1", "k", "0", "1000", "AUTH2", "u"},
      {"MIGRATE", "127.0.0.1", "1", "k", "0", "1000", "FOO"},
      {"MIGRATE", "127.0.0.1", "1", "k", "x", "1000"},
      {"MIGRATE", "127.0.0.1", "1", "k", "0", "x"},
      {"MIGRATE", "127.0.0.1", "1", "k", "0"},
      {"MIGRATE", "127.0.0.1", closed_port, "k", "0", "200"},
      {"MIGRATE", "127.0.0.1", closed_port, "k", "0", "200", "COPY", "REPLACE"},
      {"EXISTS", "k"},
  };
  auto diffs = reference::differences(theirs.port, ours.port, cmds);
  for (const auto& d : diffs) ADD_FAILURE() << d;
  // Still serving.
  EXPECT_EQ(ours.client()->command({"PING"}).str, "PONG");
}

TEST(ClusterReshardErrors, DigestsMatchRedis) {
  reference::RealRedis theirs({"--enable-debug-command", "yes"});
  if (!theirs.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode ours;
  std::vector<std::vector<std::string>> cmds = {
      {"DEBUG", "DIGEST"},
      {"SET", "s", "hello"},
      {"SET", "n", "12345"},
      {"RPUSH", "l", "a", "b", "1", "c"},
      {"SADD", "set", "x", "y", "z", "7"},
      {"SADD", "iset", "1", "2", "3"},
      {"HSET", "h", "f1", "v1", "f2", "2"},
      {"ZADD", "z", "1.5", "a", "2", "b", "-inf", "c", "3e10", "10"},
      {"SET", "e", "v", "EX", "1000"},
      {"PFADD", "hll", "a", "b", "c"},
      {"DEBUG", "DIGEST-VALUE", "s", "n", "l", "set", "iset", "h", "z", "e", "hll", "missing"},
      {"DEBUG", "DIGEST-VALUE"},
      {"DEBUG", "DIGEST"},
      {"DEBUG", "DIGEST", "x"},
  };
  auto diffs = reference::differences(theirs.port, ours.port, cmds);
  for (const auto& d : diffs) ADD_FAILURE() << d;
  // Big aggregates (Redis converts them to hashtable/skiplist encodings): the digest does not depend on it.
  std::vector<std::vector<std::string>> big;
  std::vector<std::string> zadd = {"ZADD", "bigz"}, hset = {"HSET", "bigh"}, sadd = {"SADD", "bigs"};
  for (int i = 0; i < 300; ++i) {
    zadd.push_back(std::to_string(i * 0.25));
    zadd.push_back("m" + std::to_string(i));
    hset.push_back("f" + std::to_string(i));
    hset.push_back(std::string(i % 90, 'v'));
    sadd.push_back("e" + std::to_string(i));
  }
  big = {zadd, hset, sadd, {"DEBUG", "DIGEST-VALUE", "bigz", "bigh", "bigs"}, {"DEBUG", "DIGEST"}};
  diffs = reference::differences(theirs.port, ours.port, big);
  for (const auto& d : diffs) ADD_FAILURE() << d;
}

std::string myid(Node& n) { return n.client()->command({"CLUSTER", "MYID"}).str; }

// Two datanodes, A owning every slot, B knowing A: the per-slot sequence the cluster tool sends.
TEST(ClusterReshardErrors, SlotMoveProtocol) {
  OurNode a, b;
  own_all_slots(a);
  auto ca = a.client(), cb = b.client();
  // Distinct epochs from the start, as the cluster tool's create gives them (no collision to resolve).
  ASSERT_EQ(ca->command({"CLUSTER", "SET-CONFIG-EPOCH", "1"}).str, "OK");
  ASSERT_EQ(cb->command({"CLUSTER", "SET-CONFIG-EPOCH", "2"}).str, "OK");
  ASSERT_EQ(
      cb->command({"CLUSTER", "MEET", "127.0.0.1", std::to_string(a.port), std::to_string(a.bus_port)}).str,
      "OK");
  std::string ida = myid(a), idb = myid(b);
  ASSERT_TRUE(harness::eventually(
      [&] {
        std::string na = ca->command({"CLUSTER", "NODES"}).str, nb = cb->command({"CLUSTER", "NODES"}).str;
        return na.find(idb) != std::string::npos && nb.find(ida) != std::string::npos &&
               nb.find("0-16383") != std::string::npos &&
               // A master that was alone (a minority) waits out the rejoin delay before it serves, as Redis.
               harness::info_field(cb->command({"CLUSTER", "INFO"}).str, "cluster_state") == "ok" &&
               harness::info_field(ca->command({"CLUSTER", "INFO"}).str, "cluster_state") == "ok";
      },
      15s));
  // Slot of "foo" is 12182; {foo}x shares it.
  ASSERT_EQ(ca->command({"SET", "foo", "1"}).str, "OK");
  ASSERT_EQ(ca->command({"SET", "{foo}x", "2"}).str, "OK");
  ASSERT_EQ(ca->command({"SET", "{foo}y", "3"}).str, "OK");
  // A client blocked on the slot before the move is redirected once the slot has left.
  Reply blocked;
  std::thread blocker([&] { blocked = harness::Client(a.port).command({"BLPOP", "{foo}bl", "0"}); });
  ASSERT_TRUE(
      harness::eventually([&] { return harness::info_field(*ca, "clients", "blocked_clients") == "1"; }, 5s));
  // Checks before opening: the owner cannot import, a non-owner cannot migrate.
  EXPECT_EQ(ca->command({"CLUSTER", "SETSLOT", "12182", "IMPORTING", idb}).str,
            "ERR I'm already the owner of hash slot 12182");
  EXPECT_EQ(cb->command({"CLUSTER", "SETSLOT", "12182", "MIGRATING", ida}).str,
            "ERR I'm not the owner of hash slot 12182");
  ASSERT_EQ(cb->command({"CLUSTER", "SETSLOT", "12182", "importing", ida}).str, "OK");
  ASSERT_EQ(ca->command({"CLUSTER", "SETSLOT", "12182", "migrating", idb}).str, "OK");
  EXPECT_NE(ca->command({"CLUSTER", "NODES"}).str.find("[12182->-" + idb + "]"), std::string::npos);
  EXPECT_NE(cb->command({"CLUSTER", "NODES"}).str.find("[12182-<-" + ida + "]"), std::string::npos);
  // The markers survive in nodes.conf.
  ASSERT_EQ(ca->command({"CLUSTER", "SAVECONFIG"}).str, "OK");
  EXPECT_NE(a.dir.read("nodes.conf").find("[12182->-" + idb + "]"), std::string::npos);
  // Source: present keys served, missing ones ASKed to the target.
  EXPECT_EQ(ca->command({"GET", "foo"}).str, "1");
  std::string ask = "ASK 12182 127.0.0.1:" + std::to_string(b.port);
  EXPECT_EQ(ca->command({"GET", "{foo}missing"}).str, ask);
  EXPECT_EQ(ca->command({"SET", "{foo}new", "x"}).str, ask);
  // Target: MOVED without ASKING, served once after ASKING.
  EXPECT_TRUE(cb->command({"GET", "foo"}).str.starts_with("MOVED 12182 "));
  EXPECT_EQ(cb->command({"ASKING"}).str, "OK");
  EXPECT_TRUE(cb->command({"GET", "foo"}).is_nil());
  EXPECT_TRUE(cb->command({"GET", "foo"}).str.starts_with("MOVED 12182 "));
  // MIGRATE one key: it leaves the source only after the target took it.
  Reply m = ca->command({"MIGRATE", "127.0.0.1", std::to_string(b.port), "", "0", "5000", "KEYS", "foo"});
  EXPECT_EQ(m.str, "OK");
  EXPECT_EQ(ca->command({"EXISTS", "foo"}).str, ask);
  EXPECT_EQ(cb->command({"ASKING"}).str, "OK");
  EXPECT_EQ(cb->command({"GET", "foo"}).str, "1");
  // Keys split between the two: TRYAGAIN on both sides.
  EXPECT_EQ(ca->command({"MGET", "foo", "{foo}x"}).str,
            "TRYAGAIN Multiple keys request during rehashing of slot");
  EXPECT_EQ(cb->command({"ASKING"}).str, "OK");
  EXPECT_EQ(cb->command({"MGET", "foo", "{foo}x"}).str,
            "TRYAGAIN Multiple keys request during rehashing of slot");
  // The tool's loop: GETKEYSINSLOT + MIGRATE KEYS, then SETSLOT NODE on both.
  Reply keys = ca->command({"CLUSTER", "GETKEYSINSLOT", "12182", "10"});
  EXPECT_EQ(keys.elements.size(), 2u);
  m = ca->command(
      {"MIGRATE", "127.0.0.1", std::to_string(b.port), "", "0", "5000", "KEYS", "{foo}x", "{foo}y"});
  EXPECT_EQ(m.str, "OK");
  EXPECT_EQ(ca->command({"CLUSTER", "COUNTKEYSINSLOT", "12182"}).integer, 0);
  EXPECT_EQ(
      ca->command({"MIGRATE", "127.0.0.1", std::to_string(b.port), "", "0", "5000", "KEYS", "{foo}x"}).str,
      "NOKEY");
  EXPECT_EQ(cb->command({"CLUSTER", "SETSLOT", "12182", "NODE", idb}).str, "OK");
  // B took the slot with a configEpoch above A's, so its claim wins wherever it travels.
  auto epoch = [](harness::Client& c) {
    return std::stoll(harness::info_field(c.command({"CLUSTER", "INFO"}).str, "cluster_my_epoch"));
  };
  EXPECT_GT(epoch(*cb), epoch(*ca));
  EXPECT_EQ(ca->command({"CLUSTER", "SETSLOT", "12182", "NODE", idb}).str, "OK");
  blocker.join();
  EXPECT_EQ(blocked.str, "MOVED 12182 127.0.0.1:" + std::to_string(b.port));
  EXPECT_EQ(cb->command({"CLUSTER", "NODES"}).str.find("[12182"), std::string::npos);
  EXPECT_EQ(ca->command({"CLUSTER", "NODES"}).str.find("[12182"), std::string::npos);
  EXPECT_EQ(cb->command({"MGET", "foo", "{foo}x", "{foo}y"}).elements.size(), 3u);
  EXPECT_TRUE(ca->command({"GET", "foo"}).str.starts_with("MOVED 12182 127.0.0.1:" + std::to_string(b.port)));
  // A assigned the slot away while holding keys of it: refused.
  ASSERT_EQ(ca->command({"SET", "bar", "x"}).str, "OK");  // slot 5061, still A's
  EXPECT_EQ(ca->command({"CLUSTER", "SETSLOT", "5061", "NODE", idb}).str,
            "ERR Can't assign hashslot 5061 to a different node while I still hold keys for this hash slot.");
  // Gossip carries B's claim to A's view and back: both agree.
  EXPECT_TRUE(harness::eventually(
      [&] {
        return cb->command({"CLUSTER", "NODES"}).str.find("12182") != std::string::npos &&
               ca->command({"CLUSTER", "COUNTKEYSINSLOT", "12182"}).integer == 0;
      },
      10s));
}

}  // namespace
