// Replication between datanodes over loopback: full sync and streaming on every type, partial resync
// after a SIGKILLed replica restarts, full sync when the backlog is too small, promotion with REPLICAOF
// NO ONE and a partial resync of the other replica, auth failures, WAIT, min-replicas-to-write,
// read-only replicas, the Sentinel reconfiguration transaction, and the lab's requirepass setup.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <thread>

#include "harness.h"

using harness::Client;
using harness::Datanode;
using harness::eventually;
using harness::Reply;
using namespace std::chrono_literals;

namespace {

using harness::info_field;

std::string repl(Client& c, const std::string& field) { return info_field(c, "replication", field); }

std::string replicaof(const Datanode& master) { return "replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n"; }

bool link_up(Client& c) { return repl(c, "master_link_status") == "up"; }

// Everything a key holds, in a form that compares equal across nodes whatever the element order.
std::string fingerprint(Client& c, const std::string& key) {
  std::string type = c.command({"TYPE", key}).str;
  std::string out = type + ":";
  std::vector<std::string> items;
  auto collect = [&](const Reply& r) {
    for (const Reply& e : r.elements) items.push_back(e.str);
  };
  if (type == "string") out += c.command({"GET", key}).str;
  else if (type == "list") collect(c.command({"LRANGE", key, "0", "-1"}));
  else if (type == "hash") {
    Reply r = c.command({"HGETALL", key});
    for (size_t i = 0; i + 1 < r.elements.size(); i += 2) items.push_back(r.elements[i].str + "=" + r.elements[i + 1].str);
    std::sort(items.begin(), items.end());
  } else if (type == "set") {
    collect(c.command({"SMEMBERS", key}));
    std::sort(items.begin(), items.end());
  } else if (type == "zset") {
    collect(c.command({"ZRANGE", key, "0", "-1", "WITHSCORES"}));
  }
  for (const auto& i : items) out += i + ",";
  Reply ttl = c.command({"PTTL", key});
  out += ttl.integer > 0 ? "|ttl" : "|nottl";
  return out;
}

void write_every_type(Client& c, const std::string& prefix) {
  ASSERT_EQ(c.command({"SET", prefix + "s", "hello"}).str, "OK");
  ASSERT_EQ(c.command({"SET", prefix + "ttl", "v", "PX", "600000"}).str, "OK");
  c.command({"INCR", prefix + "counter"});
  c.command({"INCR", prefix + "counter"});
  ASSERT_FALSE(c.command({"RPUSH", prefix + "l", "a", "b", "c", "1"}).is_error());
  ASSERT_FALSE(c.command({"LPUSH", prefix + "l", "z"}).is_error());
  ASSERT_FALSE(c.command({"HSET", prefix + "h", "f1", "v1", "f2", "2"}).is_error());
  ASSERT_FALSE(c.command({"SADD", prefix + "set", "x", "y", "1"}).is_error());
  ASSERT_FALSE(c.command({"ZADD", prefix + "z", "1", "one", "2.5", "two", "-3", "neg"}).is_error());
  ASSERT_FALSE(c.command({"SELECT", "3"}).is_error());
  ASSERT_EQ(c.command({"SET", prefix + "in3", "three"}).str, "OK");
  ASSERT_FALSE(c.command({"SELECT", "0"}).is_error());
  c.command({"SET", prefix + "gone", "x"});
  c.command({"DEL", prefix + "gone"});
}

const std::vector<std::string> kSuffixes = {"s", "ttl", "counter", "l", "h", "set", "z", "gone"};

bool same_data(Client& a, Client& b, const std::string& prefix) {
  for (const auto& s : kSuffixes)
    if (fingerprint(a, prefix + s) != fingerprint(b, prefix + s)) return false;
  a.command({"SELECT", "3"});
  b.command({"SELECT", "3"});
  bool ok = a.command({"GET", prefix + "in3"}).str == b.command({"GET", prefix + "in3"}).str;
  a.command({"SELECT", "0"});
  b.command({"SELECT", "0"});
  return ok;
}


}  // namespace

TEST(ReplicationSync, MasterAndTwoReplicasConvergeOnEveryType) {
  Datanode master;
  Client m(master.port);
  write_every_type(m, "before:");
  Datanode r1(replicaof(master));
  Datanode r2(replicaof(master));
  Client c1(r1.port), c2(r2.port);
  ASSERT_TRUE(eventually([&] { return link_up(c1) && link_up(c2); }, 10s));
  write_every_type(m, "after:");
  for (Client* c : {&c1, &c2}) {
    EXPECT_TRUE(eventually([&] { return same_data(m, *c, "before:") && same_data(m, *c, "after:"); }, 10s));
  }
  EXPECT_EQ(c1.command({"GET", "before:counter"}).str, "2");
  EXPECT_EQ(fingerprint(c2, "after:ttl"), "string:v|ttl");
  EXPECT_EQ(c1.command({"EXISTS", "after:gone"}).integer, 0);

  Reply role = m.command({"ROLE"});
  ASSERT_EQ(role.elements.size(), 3u);
  EXPECT_EQ(role.elements[0].str, "master");
  EXPECT_TRUE(eventually([&] { return m.command({"ROLE"}).elements[2].elements.size() == 2; }, 5s));
  EXPECT_EQ(repl(m, "connected_slaves"), "2");
  EXPECT_NE(repl(m, "slave0").find("state=online"), std::string::npos) << repl(m, "slave0");
  EXPECT_NE(repl(m, "slave1").find("port="), std::string::npos);
  Reply rrole = c1.command({"ROLE"});
  ASSERT_EQ(rrole.elements.size(), 5u);
  EXPECT_EQ(rrole.elements[0].str, "slave");
  EXPECT_EQ(rrole.elements[2].integer, master.port);
  EXPECT_EQ(rrole.elements[3].str, "connected");
  // Offsets agree once the stream settles.
  EXPECT_TRUE(eventually([&] { return repl(m, "master_repl_offset") == repl(c1, "slave_repl_offset"); }, 5s));
  EXPECT_EQ(repl(m, "master_replid"), repl(c1, "master_replid"));
  EXPECT_EQ(repl(m, "sync_full"), "2");
  EXPECT_EQ(info_field(m, "stats", "sync_full"), "2");
  // The replica lists its master link (flags=M), the master its replicas (flags=S).
  EXPECT_NE(c1.command({"CLIENT", "LIST"}).str.find("flags=M"), std::string::npos);
  EXPECT_NE(m.command({"CLIENT", "LIST"}).str.find("flags=S"), std::string::npos);
}

TEST(ReplicationSync, ReplicaIsReadOnlyAndWaitWorks) {
  Datanode master;
  Datanode replica(replicaof(master));
  Client m(master.port), r(replica.port);
  ASSERT_TRUE(eventually([&] { return link_up(r); }, 10s));
  EXPECT_EQ(r.command({"SET", "k", "v"}).str, "READONLY You can't write against a read only replica.");
  EXPECT_EQ(m.command({"SET", "k", "v"}).str, "OK");
  Reply w = m.command({"WAIT", "1", "2000"});
  EXPECT_EQ(w.integer, 1);
  auto start = std::chrono::steady_clock::now();
  m.command({"SET", "k2", "v"});
  Reply w2 = m.command({"WAIT", "2", "300"});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(w2.integer, 1);
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 3s);
  EXPECT_EQ(m.command({"WAIT", "x", "0"}).str, "ERR value is not an integer or out of range");
  EXPECT_EQ(m.command({"WAIT", "1", "-1"}).str, "ERR timeout is negative");
  EXPECT_TRUE(r.command({"WAIT", "1", "0"}).is_error());

  // min-replicas-to-write: one good replica satisfies 1, not 2.
  EXPECT_EQ(m.command({"CONFIG", "SET", "min-replicas-to-write", "2"}).str, "OK");
  EXPECT_EQ(m.command({"SET", "k", "v"}).str, "NOREPLICAS Not enough good replicas to write.");
  EXPECT_EQ(m.command({"GET", "k"}).str, "v");  // reads are fine
  EXPECT_EQ(m.command({"CONFIG", "SET", "min-replicas-to-write", "1"}).str, "OK");
  EXPECT_EQ(m.command({"SET", "k", "v2"}).str, "OK");
  // The replica goes away: after min-replicas-max-lag seconds without ACK, writes are refused.
  EXPECT_EQ(m.command({"CONFIG", "SET", "min-replicas-max-lag", "1"}).str, "OK");
  replica.process.kill(SIGSTOP);
  EXPECT_TRUE(eventually([&] { return m.command({"SET", "k", "v3"}).is_error(); }, 5s));
  replica.process.kill(SIGCONT);
  EXPECT_TRUE(eventually([&] { return m.command({"SET", "k", "v4"}).str == "OK"; }, 5s));
}

TEST(ReplicationSync, KilledReplicaCatchesUpByPartialResync) {
  Datanode master;
  Client m(master.port);
  Datanode replica(replicaof(master));
  {
    Client r(replica.port);
    ASSERT_TRUE(eventually([&] { return link_up(r); }, 10s));
    write_every_type(m, "a:");
    ASSERT_TRUE(eventually([&] { return same_data(m, r, "a:"); }, 10s));
  }
  // The replica keeps a snapshot with its stream position about once a second.
  std::this_thread::sleep_for(2500ms);
  replica.process.kill(SIGKILL);
  replica.process.wait(5s);
  write_every_type(m, "b:");
  m.command({"SET", "a:s", "changed"});
  replica.start();
  Client r(replica.port);
  ASSERT_TRUE(eventually([&] { return link_up(r); }, 10s));
  EXPECT_TRUE(eventually([&] { return same_data(m, r, "a:") && same_data(m, r, "b:"); }, 10s));
  EXPECT_EQ(r.command({"GET", "a:s"}).str, "changed");
  EXPECT_EQ(repl(m, "sync_partial_ok"), "1");
  EXPECT_EQ(repl(m, "sync_full"), "1");
  EXPECT_NE(master.process.log().find("Partial resynchronization request from"), std::string::npos);
}

TEST(ReplicationSync, ReplicaTooFarBehindGetsFullSync) {
  Datanode master("repl-backlog-size = \"16kb\"\n");
  Client m(master.port);
  Datanode replica(replicaof(master));
  {
    Client r(replica.port);
    ASSERT_TRUE(eventually([&] { return link_up(r); }, 10s));
    m.command({"SET", "first", "1"});
    ASSERT_TRUE(eventually([&] { return r.command({"GET", "first"}).str == "1"; }, 10s));
  }
  std::this_thread::sleep_for(2500ms);
  replica.process.kill(SIGKILL);
  replica.process.wait(5s);
  std::string big(1000, 'x');
  for (int i = 0; i < 100; ++i) m.command({"SET", "k" + std::to_string(i), big});
  replica.start();
  Client r(replica.port);
  ASSERT_TRUE(eventually([&] { return link_up(r); }, 10s));
  EXPECT_TRUE(eventually([&] { return r.command({"GET", "k99"}).str == big; }, 10s));
  EXPECT_EQ(r.command({"GET", "first"}).str, "1");
  EXPECT_EQ(repl(m, "sync_full"), "2");
  EXPECT_EQ(repl(m, "sync_partial_ok"), "0");
  EXPECT_NE(master.process.log().find("for lack of backlog"), std::string::npos);
}

TEST(ReplicationSync, PromotedReplicaKeepsDataAndPeerPartiallyResyncs) {
  Datanode master;
  Client m(master.port);
  Datanode a(replicaof(master));
  Datanode b(replicaof(master));
  Client ca(a.port), cb(b.port);
  ASSERT_TRUE(eventually([&] { return link_up(ca) && link_up(cb); }, 10s));
  write_every_type(m, "x:");
  ASSERT_TRUE(eventually([&] { return same_data(m, ca, "x:") && same_data(m, cb, "x:"); }, 10s));
  ASSERT_TRUE(eventually([&] { return repl(ca, "slave_repl_offset") == repl(m, "master_repl_offset") &&
                                      repl(cb, "slave_repl_offset") == repl(m, "master_repl_offset"); }, 10s));
  std::string old_id = repl(m, "master_replid");
  master.process.kill(SIGKILL);

  EXPECT_EQ(ca.command({"REPLICAOF", "NO", "ONE"}).str, "OK");
  EXPECT_EQ(repl(ca, "role"), "master");
  EXPECT_EQ(repl(ca, "master_replid2"), old_id);
  EXPECT_NE(repl(ca, "master_replid"), old_id);
  EXPECT_EQ(ca.command({"GET", "x:s"}).str, "hello");
  EXPECT_EQ(ca.command({"SET", "new", "1"}).str, "OK");  // writable now

  EXPECT_EQ(cb.command({"REPLICAOF", "127.0.0.1", std::to_string(a.port)}).str, "OK");
  ASSERT_TRUE(eventually([&] { return link_up(cb); }, 10s));
  EXPECT_TRUE(eventually([&] { return cb.command({"GET", "new"}).str == "1"; }, 10s));
  EXPECT_TRUE(same_data(ca, cb, "x:"));
  EXPECT_EQ(repl(ca, "sync_partial_ok"), "1");
  EXPECT_EQ(repl(ca, "sync_full"), "0");
  EXPECT_EQ(repl(cb, "master_replid"), repl(ca, "master_replid"));
  EXPECT_EQ(cb.command({"REPLICAOF", "127.0.0.1", std::to_string(a.port)}).str, "OK Already connected to specified master");
}

TEST(ReplicationSync, AuthFailureKeepsLinkDownWithClearLog) {
  Datanode master("requirepass = \"secret\"\n");
  Datanode replica(replicaof(master) + "masterauth = \"wrong\"\n");
  Client r(replica.port);
  ASSERT_TRUE(eventually([&] { return replica.process.log().find("Unable to AUTH to MASTER") != std::string::npos; }, 10s))
      << replica.process.log();
  EXPECT_EQ(repl(r, "master_link_status"), "down");
  EXPECT_EQ(r.command({"ROLE"}).elements.size(), 5u);
  // Fixing the password at runtime lets the next attempt through.
  EXPECT_EQ(r.command({"CONFIG", "SET", "masterauth", "secret"}).str, "OK");
  EXPECT_TRUE(eventually([&] { return link_up(r); }, 10s));
}

TEST(ReplicationSync, LabWithRequirepassShowsBothReplicasOnline) {
  Datanode master("requirepass = \"mypass\"\n");
  Datanode r1(replicaof(master) + "masterauth = \"mypass\"\nslave-priority = 100\n");
  Datanode r2(replicaof(master) + "masterauth = \"mypass\"\nslave-priority = 90\n");
  Client m(master.port);
  ASSERT_EQ(m.command({"AUTH", "mypass"}).str, "OK");
  ASSERT_TRUE(eventually([&] {
    return repl(m, "connected_slaves") == "2" && repl(m, "slave0").find("state=online") != std::string::npos &&
           repl(m, "slave1").find("state=online") != std::string::npos;
  }, 10s)) << m.command({"INFO", "replication"}).str;
  Client c2(r2.port);
  EXPECT_EQ(repl(c2, "slave_priority"), "90");
  EXPECT_EQ(repl(c2, "master_link_status"), "up");
  m.command({"SET", "lab", "ok"});
  EXPECT_TRUE(eventually([&] { return c2.command({"GET", "lab"}).str == "ok"; }, 5s));
}

TEST(ReplicationSync, SentinelStyleReconfigurationInsideMulti) {
  Datanode master;
  Datanode node;
  Client c(node.port);
  ASSERT_EQ(c.command({"MULTI"}).str, "OK");
  EXPECT_EQ(c.command({"SLAVEOF", "127.0.0.1", std::to_string(master.port)}).str, "QUEUED");
  EXPECT_EQ(c.command({"CONFIG", "REWRITE"}).str, "QUEUED");
  Reply exec = c.command({"EXEC"});
  ASSERT_EQ(exec.elements.size(), 2u) << exec.str;
  EXPECT_EQ(exec.elements[0].str, "OK");
  EXPECT_TRUE(eventually([&] { return link_up(c); }, 10s));
  // CONFIG REWRITE persisted the new role.
  EXPECT_NE(node.dir.read("datanode.toml").find(std::to_string(master.port)), std::string::npos);
  EXPECT_EQ(c.command({"SLAVEOF", "NO", "ONE"}).str, "OK");
  EXPECT_EQ(repl(c, "role"), "master");
  EXPECT_EQ(c.command({"SLAVEOF", "127.0.0.1", "notaport"}).str, "ERR Invalid master port");
}

TEST(ReplicationSync, StaleDataRefusedWhenConfigured) {
  Datanode master;
  Datanode replica(replicaof(master) + "replica-serve-stale-data = false\n");
  Client m(master.port), r(replica.port);
  m.command({"SET", "k", "v"});
  ASSERT_TRUE(eventually([&] { return link_up(r) && r.command({"GET", "k"}).str == "v"; }, 10s));
  master.process.kill(SIGKILL);
  master.process.wait(5s);
  ASSERT_TRUE(eventually([&] { return !link_up(r); }, 10s));
  EXPECT_EQ(r.command({"GET", "k"}).str,
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
  // As Redis 7: PING has no "stale" flag (sentinels count MASTERDOWN as a valid PING reply).
  EXPECT_EQ(r.command({"PING"}).str,
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
  EXPECT_EQ(repl(r, "master_link_status"), "down");
  EXPECT_NE(repl(r, "master_link_down_since_seconds"), "");
  EXPECT_EQ(r.command({"CONFIG", "SET", "replica-serve-stale-data", "yes"}).str, "OK");
  EXPECT_EQ(r.command({"GET", "k"}).str, "v");
}
