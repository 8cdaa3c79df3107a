// Multi-node clusters built by the stock tool: `redis-cli --cluster create` over six datanodes (three
// masters, three replicas), then `--cluster check` from every node, `redis-cli -c` following MOVED,
// and a mixed cluster of datanodes and real redis-server 7.0.15 nodes created from either kind of entry
// node, whose CLUSTER NODES/SLOTS/SHARDS agree.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <sstream>

#include "cluster_lab.h"

using clusterlab::Node;
using clusterlab::OurNode;
using clusterlab::RedisNode;
using harness::Reply;
using namespace std::chrono_literals;

namespace {

using clusterlab::all_check_ok;
using clusterlab::create;
using clusterlab::expect_converged;

TEST(ClusterCreate, SixDatanodesWithReplicas) {
  if (clusterlab::trim(harness::run("command -v redis-cli")).empty())
    GTEST_SKIP() << "redis-cli not installed";
  std::vector<std::unique_ptr<OurNode>> owned;
  std::vector<Node*> nodes;
  for (int i = 0; i < 6; ++i) {
    owned.push_back(std::make_unique<OurNode>());
    nodes.push_back(owned.back().get());
  }
  int st = -1;
  std::string out = create(nodes, 1, &st);
  ASSERT_EQ(st, 0) << out;
  EXPECT_NE(out.find("[OK] All 16384 slots covered."), std::string::npos) << out;
  expect_converged(nodes);

  // Every node agrees on a different configEpoch for each master.
  std::string info = nodes[0]->client()->command({"CLUSTER", "INFO"}).str;
  EXPECT_EQ(harness::info_field(info, "cluster_size"), "3");
  EXPECT_EQ(harness::info_field(info, "cluster_known_nodes"), "6");

  // redis-cli -c follows MOVED across slots; a plain client sees the redirection.
  for (const char* key : {"foo", "bar", "{user1000}.following", "k1", "k2", "k3"}) {
    int s1 = -1, s2 = -1;
    std::string set =
        clusterlab::cli("-c -p " + std::to_string(nodes[0]->port) + " SET " + key + " v-" + key, &s1);
    EXPECT_EQ(clusterlab::trim(set), "OK") << key;
    std::string get = clusterlab::cli("-c -p " + std::to_string(nodes[1]->port) + " GET " + key, &s2);
    EXPECT_EQ(clusterlab::trim(get), std::string("v-") + key);
  }
  int moved = 0;
  for (Node* n : nodes) {
    Reply r = n->client()->command({"GET", "foo"});
    if (r.is_error()) {
      EXPECT_TRUE(r.str.starts_with("MOVED 12182 127.0.0.1:")) << r.str;
      moved++;
    }
  }
  EXPECT_GE(moved, 4);  // the owner serves it; a replica of the owner redirects too (no READONLY)
  // READONLY lets a replica of the owner serve reads; writes still go to the master.
  int replicas_of_owner = 0;
  for (Node* n : nodes) {
    auto c = n->client();
    std::string role = harness::info_field(*c, "replication", "role");
    if (role != "slave") continue;
    std::string master_port = harness::info_field(*c, "replication", "master_port");
    Reply probe = c->command({"GET", "foo"});
    if (!probe.is_error() || probe.str.find(":" + master_port) == std::string::npos) continue;
    replicas_of_owner++;
    EXPECT_EQ(c->command({"READONLY"}).str, "OK");
    EXPECT_EQ(c->command({"GET", "foo"}).str, "v-foo");
    EXPECT_TRUE(c->command({"SET", "foo", "x"}).str.starts_with("MOVED 12182 "));
    EXPECT_EQ(c->command({"READWRITE"}).str, "OK");
    EXPECT_TRUE(c->command({"GET", "foo"}).str.starts_with("MOVED 12182 "));
  }
  EXPECT_EQ(replicas_of_owner, 1);
  Reply cross = nodes[0]->client()->command({"MSET", "a", "1", "b", "2"});
  EXPECT_EQ(cross.str, "CROSSSLOT Keys in request don't hash to the same slot");

  // --cluster info counts the keys per master (DBSIZE through each master) and the replicas.
  std::string info_out = clusterlab::cli("--cluster info " + nodes[2]->addr(), &st);
  EXPECT_EQ(st, 0) << info_out;
  EXPECT_NE(info_out.find("[OK] 6 keys in 3 masters."), std::string::npos) << info_out;
  int master_lines = 0;
  for (size_t at = 0; (at = info_out.find(" slots | 1 slaves.", at)) != std::string::npos; ++at)
    master_lines++;
  EXPECT_EQ(master_lines, 3) << info_out;

  // Replicas got the data through replication.
  EXPECT_TRUE(harness::eventually(
      [&] {
        int total = 0;
        for (Node* n : nodes) total += static_cast<int>(n->client()->command({"DBSIZE"}).integer);
        return total == 12;
      },
      10s));
}

// What cluster-aware client libraries do: python3-redis' RedisCluster discovers the slots from one node,
// writes 10,000 keys across every master, pipelines INCRs and uses hash tags for a multi-key command;
// on a datanode-only cluster and on a mixed one.
TEST(ClusterCreate, PythonRedisClusterClient) {
  if (clusterlab::trim(harness::run("command -v redis-cli")).empty())
    GTEST_SKIP() << "redis-cli not installed";
  int probe = -1;
  harness::run("/usr/bin/python3 -c 'import redis.cluster' 2>/dev/null", &probe);
  if (probe != 0) GTEST_SKIP() << "python3-redis not installed";
  for (bool mixed : {false, true}) {
    SCOPED_TRACE(mixed ? "datanodes and redis-servers" : "datanodes only");
    std::vector<std::unique_ptr<Node>> owned;
    std::vector<Node*> nodes;
    for (int i = 0; i < 6; ++i) {
      if (mixed && i % 2 == 1)
        owned.push_back(std::make_unique<RedisNode>());
      else
        owned.push_back(std::make_unique<OurNode>());
      nodes.push_back(owned.back().get());
    }
    int st = -1;
    std::string out = create(nodes, 1, &st);
    ASSERT_EQ(st, 0) << out;
    expect_converged(nodes);
    harness::TempDir dir;
    dir.write("client.py",
              "from redis.cluster import RedisCluster, ClusterNode\n"
              "rc = RedisCluster(startup_nodes=[ClusterNode('127.0.0.1', " +
                  std::to_string(nodes[0]->port) +
                  ")], decode_responses=True)\n"
                  "for i in range(10000): rc.set(f'key:{i}', i)\n"
                  "bad = sum(1 for i in range(10000) if rc.get(f'key:{i}') != str(i))\n"
                  "p = rc.pipeline()\n"
                  "for i in range(2000): p.incr(f'ctr:{i % 97}')\n"
                  "p.execute()\n"
                  "total = sum(int(rc.get(f'ctr:{i}')) for i in range(97))\n"
                  "rc.mset({'{user:1}:name': 'a', '{user:1}:age': '3'})\n"
                  "print('bad', bad, 'total', total, 'tags', ','.join(rc.mget(['{user:1}:name', "
                  "'{user:1}:age'])))\n");
    out = harness::run("timeout 120 /usr/bin/python3 " + dir.file("client.py") + " 2>&1", &st);
    EXPECT_EQ(st, 0) << out;
    EXPECT_EQ(clusterlab::trim(out), "bad 0 total 2000 tags a,3");
    // The keys really are spread over the three masters.
    int masters_with_keys = 0;
    for (Node* n : nodes) {
      auto c = n->client();
      if (harness::info_field(*c, "replication", "role") == "master" && c->command({"DBSIZE"}).integer > 3000)
        masters_with_keys++;
    }
    EXPECT_EQ(masters_with_keys, 3);
  }
}

TEST(ClusterCreate, MixedWithRedisServers) {
  if (clusterlab::redis_server_bin().empty()) GTEST_SKIP() << "redis-server not installed";
  for (bool ours_first : {true, false}) {
    SCOPED_TRACE(ours_first ? "entry node: datanode" : "entry node: redis-server");
    std::vector<std::unique_ptr<Node>> owned;
    for (int i = 0; i < 6; ++i) {
      bool ours = (i % 2 == 0) == ours_first;
      if (ours)
        owned.push_back(std::make_unique<OurNode>());
      else
        owned.push_back(std::make_unique<RedisNode>());
    }
    std::vector<Node*> nodes;
    for (auto& n : owned) nodes.push_back(n.get());
    int st = -1;
    std::string out = create(nodes, 1, &st);
    ASSERT_EQ(st, 0) << out;
    expect_converged(nodes);
    // CLUSTER SLOTS agrees byte for byte between a datanode and a redis-server of the same cluster
    // (SHARDS lists masters in hash-table order, which differs even between two redis-servers).
    Node* ours = ours_first ? nodes[0] : nodes[1];
    Node* theirs = ours_first ? nodes[1] : nodes[0];
    EXPECT_TRUE(harness::eventually(
        [&] {
          auto d = reference::differences(theirs->port, ours->port,
                                          {{"CLUSTER", "SLOTS"}, {"CLUSTER", "KEYSLOT", "x"}});
          return d.empty();
        },
        15s))
        << ours->client()->command({"CLUSTER", "NODES"}).str;
    EXPECT_EQ(ours->client()->command({"CLUSTER", "SHARDS"}).elements.size(), 3u);
    // Redirections have the same text on both kinds of node.
    for (const char* key : {"foo", "bar", "zap"}) {
      int s = -1;
      EXPECT_EQ(
          clusterlab::trim(clusterlab::cli("-c -p " + std::to_string(ours->port) + " SET " + key + " 1", &s)),
          "OK");
      Reply a = ours->client()->command({"GET", key});
      Reply b = theirs->client()->command({"GET", key});
      if (a.is_error() && b.is_error()) {
        EXPECT_EQ(a.str, b.str);
      }
    }
  }
}

// A killed master becomes fail? (PFAIL) on a datanode; a real redis-server turns that into FAIL only by
// counting the datanode's failure report from gossip (2 of 3 masters needed), and the datanode adopts
// the FAIL and goes CLUSTERDOWN (the slots of a failed master are not served; no failover yet).
TEST(ClusterCreate, FailureReportsReachRedis) {
  if (clusterlab::redis_server_bin().empty()) GTEST_SKIP() << "redis-server not installed";
  OurNode ours("cluster-announce-hostname = \"ours.example\"");
  RedisNode b;
  auto c = std::make_unique<RedisNode>();
  std::vector<Node*> nodes = {&ours, &b, c.get()};
  int st = -1;
  std::string out = create(nodes, 0, &st);
  ASSERT_EQ(st, 0) << out;
  std::string last;
  ASSERT_TRUE(harness::eventually([&] { return all_check_ok(nodes, &last); }, 30s)) << last;
  // Our hostname travels in the PING extension and redis-server shows it.
  EXPECT_TRUE(harness::eventually(
      [&] {
        return b.client()
                   ->command({"CLUSTER", "NODES"})
                   .str.find("@" + std::to_string(ours.bus_port) + ",ours.example ") != std::string::npos;
      },
      10s))
      << b.client()->command({"CLUSTER", "NODES"}).str;
  std::string c_id = c->client()->command({"CLUSTER", "MYID"}).str;
  c->process.kill(SIGKILL);
  c->process.wait(5s);
  auto line_of = [&](Node* n) {
    std::string nodes_text = n->client()->command({"CLUSTER", "NODES"}).str;
    size_t at = nodes_text.find(c_id);
    return at == std::string::npos ? std::string() : nodes_text.substr(at, nodes_text.find('\n', at) - at);
  };
  EXPECT_TRUE(
      harness::eventually([&] { return line_of(&b).find(" master,fail ") != std::string::npos; }, 15s))
      << line_of(&b);
  EXPECT_TRUE(
      harness::eventually([&] { return line_of(&ours).find(" master,fail ") != std::string::npos; }, 5s))
      << line_of(&ours);
  EXPECT_TRUE(harness::eventually(
      [&] {
        return harness::info_field(ours.client()->command({"CLUSTER", "INFO"}).str, "cluster_state") ==
               "fail";
      },
      5s));
  EXPECT_EQ(ours.client()->command({"GET", "foo"}).str, "CLUSTERDOWN The cluster is down");
}

}  // namespace
