// Live resharding with the stock tool while clients write: python3-redis' RedisCluster RPUSHes numbered
// items to keys spread over every slot (and redis-cli -c to one more key) while add-node, reshard of
// RESHARD_SLOTS slots onto the new master, a rebalance weighting it 0 (drained) and del-node run;
// afterwards every acknowledged item is there exactly once and in order, and --cluster check passes
// from every node.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "cluster_lab.h"

using clusterlab::Node;
using clusterlab::OurNode;
using clusterlab::RedisNode;
using harness::Reply;
using namespace std::chrono_literals;

namespace {

bool tools_present() {
  if (clusterlab::trim(harness::run("command -v redis-cli")).empty()) return false;
  int probe = -1;
  harness::run("/usr/bin/python3 -c 'import redis.cluster' 2>/dev/null", &probe);
  return probe == 0;
}

std::string tool(const std::string& args, int* status) {
  return harness::run("timeout 600 redis-cli " + args + " 2>&1", status);
}

bool check_all(const std::vector<Node*>& nodes, std::string* last) {
  for (Node* n : nodes) {
    int st = -1;
    *last = tool("--cluster check " + n->addr(), &st);
    if (st != 0) {
      *last = n->name() + ": " + *last;
      return false;
    }
  }
  return true;
}

std::string myid(Node& n) { return n.client()->command({"CLUSTER", "MYID"}).str; }

// Slots moved onto the new master (and back by the rebalance): the issue's 4,000 by default, 65 to 150 s
// in all on a machine with a load average of 23-28 on 2 cores; RESHARD_SLOTS=300 for a quick run.
int reshard_slots() {
  const char* v = std::getenv("RESHARD_SLOTS");
  return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : 4000;
}

// Writer: RPUSH i to key list:<k> for i = 0, 1, ... round robin over the keys until the stop file
// appears; prints "key acked_max uncertain..." lines (an item whose RPUSH raised may or may not be in).
const char* kWriter = R"PY(
import os, sys, time
from redis.cluster import RedisCluster, ClusterNode
port, nkeys, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rc = RedisCluster(startup_nodes=[ClusterNode('127.0.0.1', port)], decode_responses=True,
                  cluster_error_retry_attempts=20)
acked = {k: [] for k in range(nkeys)}
uncertain = {k: [] for k in range(nkeys)}
i = 0
while not os.path.exists(stop):
    for k in range(nkeys):
        try:
            rc.rpush(f'list:{k}', i)
            acked[k].append(i)
        except Exception as e:
            uncertain[k].append(i)
            time.sleep(0.05)
    i += 1
for k in range(nkeys):
    print(k, ','.join(map(str, acked[k])) or '-', ','.join(map(str, uncertain[k])) or '-')
)PY";

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string x; std::getline(in, x, sep);)
    if (!x.empty() && x != "-") out.push_back(x);
  return out;
}

// Every acknowledged item once and in order; uncertain ones at most once.
void verify_lists(Node& any, const std::string& writer_out, int nkeys) {
  std::istringstream in(writer_out);
  int seen = 0;
  auto c = any.client();
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string k, acked_s, unc_s;
    if (!(f >> k >> acked_s >> unc_s) || k.find_first_not_of("0123456789") != std::string::npos) continue;
    seen++;
    std::vector<std::string> acked = split(acked_s, ','), unc = split(unc_s, ',');
    std::string key = "list:" + k;
    // Follow the redirection to the owner.
    Reply r;
    int port = any.port;
    for (int hop = 0; hop < 3; ++hop) {
      r = harness::Client(port).command({"LRANGE", key, "0", "-1"});
      if (!r.is_error() || !r.str.starts_with("MOVED ")) break;
      port = std::stoi(r.str.substr(r.str.rfind(':') + 1));
    }
    ASSERT_FALSE(r.is_error()) << key << ": " << r.str;
    std::vector<long> got;
    for (const Reply& e : r.elements) got.push_back(std::stol(e.str));
    for (size_t j = 1; j < got.size(); ++j)
      ASSERT_LT(got[j - 1], got[j]) << key << " out of order or duplicated";
    std::set<long> have(got.begin(), got.end()), maybe, sure;
    for (auto& u : unc) maybe.insert(std::stol(u));
    for (auto& a : acked) sure.insert(std::stol(a));
    for (long a : sure) ASSERT_TRUE(have.count(a)) << key << " lost acknowledged item " << a;
    for (long g : got)
      ASSERT_TRUE(maybe.count(g) || sure.count(g)) << key << " holds an item never written: " << g;
  }
  EXPECT_EQ(seen, nkeys) << writer_out;
}

TEST(ClusterReshardLive, AddReshardRebalanceDelNodeUnderWrites) {
  if (!tools_present()) GTEST_SKIP() << "redis-cli or python3-redis missing";
  std::vector<std::unique_ptr<OurNode>> owned;
  std::vector<Node*> nodes;
  for (int i = 0; i < 3; ++i) {
    owned.push_back(std::make_unique<OurNode>());
    nodes.push_back(owned.back().get());
  }
  int st = -1;
  std::string out = tool("--cluster create " + nodes[0]->addr() + " " + nodes[1]->addr() + " " +
                             nodes[2]->addr() + " --cluster-yes",
                         &st);
  ASSERT_EQ(st, 0) << out;
  std::string last;
  ASSERT_TRUE(harness::eventually([&] { return check_all(nodes, &last); }, 30s)) << last;

  harness::TempDir dir;
  dir.write("writer.py", kWriter);
  std::string stop = dir.file("stop");
  constexpr int kKeys = 200;
  std::string writer_out;
  int writer_status = -1;
  std::thread writer([&] {
    writer_out = harness::run("timeout 900 /usr/bin/python3 " + dir.file("writer.py") + " " +
                                  std::to_string(nodes[0]->port) + " " + std::to_string(kKeys) + " " + stop +
                                  " 2>" + dir.file("writer.err"),
                              &writer_status);
  });
  // redis-cli -c as a second writer on one more key. An item counts once its RPUSH answered the new
  // length; an error (CLUSTERDOWN while the cluster settles, TRYAGAIN) means it was not written, so the
  // same item is sent again.
  std::thread cli_writer([&] {
    for (int i = 0; !std::ifstream(stop).good();) {
      int s = -1;
      std::string r = clusterlab::trim(harness::run(
          "redis-cli -c -p " + std::to_string(nodes[1]->port) + " RPUSH clilist " + std::to_string(i) + " 2>&1", &s));
      dir.write("cli_acked", std::to_string(i) + " " + r);
      if (!r.empty() && r.find_first_not_of("0123456789") == std::string::npos)
        ++i;
      else
        std::this_thread::sleep_for(50ms);
    }
  });
  // Whatever ends the test (a failed ASSERT included), the writers are told to stop and joined.
  struct StopWriters {
    std::function<void()> stop;
    ~StopWriters() { stop(); }
  } stop_writers{[&] {
    dir.write("stop", "1");
    if (writer.joinable()) writer.join();
    if (cli_writer.joinable()) cli_writer.join();
  }};
  std::this_thread::sleep_for(1s);

  // add-node, then 4,000 slots onto it.
  auto fresh = std::make_unique<OurNode>();
  out = tool("--cluster add-node " + fresh->addr() + " " + nodes[0]->addr(), &st);
  EXPECT_EQ(st, 0) << out;
  nodes.push_back(fresh.get());
  owned.push_back(std::move(fresh));
  ASSERT_TRUE(harness::eventually([&] { return check_all(nodes, &last); }, 30s)) << last;
  std::string new_id = myid(*nodes[3]);
  // --cluster check looks at slots only: the reshard's SETSLOT needs every node to know the new one.
  ASSERT_TRUE(harness::eventually(
      [&] {
        for (Node* n : nodes)
          if (n->client()->command({"CLUSTER", "NODES"}).str.find(new_id) == std::string::npos) return false;
        // The new master was alone (a minority): it serves, RESTORE-ASKING included, after the rejoin delay.
        return harness::info_field(nodes[3]->client()->command({"CLUSTER", "INFO"}).str, "cluster_state") ==
               "ok";
      },
      30s));
  out =
      tool("--cluster reshard " + nodes[0]->addr() + " --cluster-from all --cluster-to " + new_id +
               " --cluster-slots " + std::to_string(reshard_slots()) + " --cluster-yes --cluster-pipeline 50",
           &st);
  EXPECT_EQ(st, 0) << out.substr(out.size() > 3000 ? out.size() - 3000 : 0);
  EXPECT_EQ(
      nodes[3]->client()->command({"CLUSTER", "INFO"}).str.find("cluster_state:ok") != std::string::npos,
      true);
  ASSERT_TRUE(harness::eventually([&] { return check_all(nodes, &last); }, 30s)) << last;

  // rebalance with the new master weighted 0: it is drained again, then del-node removes it.
  out = tool(
      "--cluster rebalance " + nodes[1]->addr() + " --cluster-weight " + new_id + "=0 --cluster-pipeline 50",
      &st);
  EXPECT_EQ(st, 0) << out.substr(out.size() > 3000 ? out.size() - 3000 : 0);
  std::vector<Node*> rest(nodes.begin(), nodes.begin() + 3);
  ASSERT_TRUE(harness::eventually([&] { return check_all(rest, &last); }, 30s)) << last;
  out = tool("--cluster del-node " + nodes[1]->addr() + " " + new_id, &st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(nodes[3]->client()->command({"CLUSTER", "INFO"}).str.find("cluster_known_nodes:1"),
            std::string::npos);

  std::this_thread::sleep_for(1s);
  stop_writers.stop();
  EXPECT_EQ(writer_status, 0) << writer_out << dir.read("writer.err");
  verify_lists(*nodes[1], writer_out, kKeys);
  // The redis-cli -c writer: its list is 0..n in order (each RPUSH was acknowledged before the next).
  Reply cl;
  for (Node* n : rest) {
    cl = n->client()->command({"LRANGE", "clilist", "0", "-1"});
    if (!cl.is_error()) break;
  }
  ASSERT_FALSE(cl.is_error()) << cl.str;
  ASSERT_GT(cl.elements.size(), 5u);
  for (size_t i = 0; i < cl.elements.size(); ++i) EXPECT_EQ(cl.elements[i].str, std::to_string(i));
  EXPECT_TRUE(harness::eventually([&] { return check_all(rest, &last); }, 30s)) << last;
}

}  // namespace
