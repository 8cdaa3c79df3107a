// Replication with real Redis on the other end, both ways, for every type: streams that exist before the
// link (full sync: RDB type 19 written by one side and loaded by the other) and a workload after it
// (XADD with "*" and "~", XDEL, XTRIM, groups, XREADGROUP, XACK, XCLAIM, XAUTOCLAIM, NOACK, XSETID, and
// writes to a string, list, set, sorted set, hash, HyperLogLog, bitmap and geo set). Each master gets two
// replicas, a redis-server and a datanode: the two replicas must agree with each other exactly (idle
// times aside), and with the master key by key except where Redis 7.0.15 itself lets a replica differ
// from its master (see snapshot()).
#include <gtest/gtest.h>

#include <regex>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

using harness::Client;
using harness::eventually;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kStreams = {"before", "s", "capped", "emptied"};
// One key of every other type, written by other_types(): string, list, set, zset, hash, HLL, bitmap, geo.
const std::vector<std::string> kOthers = {"str", "list", "set", "zset", "hash", "hll", "bits", "geo"};

// Everything about a stream that two servers must agree on; idle times and the radix tree figures (the
// node layout of the datanode is its own) are masked. With `master_view`, a group's entries-read and lag
// are masked too: Redis 7.0.15 propagates a non-NOACK XREADGROUP as XCLAIM ... LASTID, which moves the
// group's last ID on the replica but not its entries-read (t_stream.c, xclaimCommand), so a real replica
// of a real master answers nil where the master answers a number. Two replicas of one master must still
// agree on those fields exactly.
std::string snapshot(int port, const std::string& key, bool master_view = false) {
  rawresp::Conn c(port);
  std::string out = c.command({"TYPE", key}) + c.command({"XRANGE", key, "-", "+"}) +
                    c.command({"XINFO", "GROUPS", key}) + c.command({"XINFO", "STREAM", key});
  for (const char* g : {"g", "g2"}) {
    out += c.command({"XPENDING", key, g});
    out += c.command({"XPENDING", key, g, "-", "+", "100"});
  }
  static const std::regex pending_row(R"((\*4\r\n\$\d+\r\n[^\r]*\r\n\$\d+\r\n[^\r]*\r\n):\d+)");
  static const std::regex radix(R"((radix-tree-\w+\r\n):\d+)");
  static const std::regex progress(R"(((entries-read|lag)\r\n)(:\d+|\$-1))");
  out = std::regex_replace(out, pending_row, "$1:T");
  if (master_view) out = std::regex_replace(out, progress, "$1:P");
  return std::regex_replace(out, radix, "$1:R");
}

void before_link(int port) {
  rawresp::Conn c(port);
  for (int i = 1; i <= 250; ++i)
    c.command({"XADD", "before", std::to_string(i) + "-1", "f", std::to_string(i)});
  c.command({"XDEL", "before", "5-1", "120-1"});
  c.command({"XGROUP", "CREATE", "before", "g", "0"});
  c.command({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "3", "STREAMS", "before", ">"});
  c.command({"XGROUP", "CREATECONSUMER", "before", "g", "idle"});
  c.command({"XGROUP", "CREATE", "before", "g2", "$", "ENTRIESREAD", "250"});
}

void workload(int port) {
  rawresp::Conn c(port);
  for (int i = 0; i < 300; ++i) c.command({"XADD", "s", "*", "n", std::to_string(i), "other", "x"});
  c.command({"XADD", "s", "MAXLEN", "~", "150", "*", "n", "last"});
  c.command({"XGROUP", "CREATE", "s", "g", "0"});
  c.command({"XREADGROUP", "GROUP", "g", "c1", "COUNT", "10", "STREAMS", "s", ">"});
  c.command({"XREADGROUP", "GROUP", "g", "c2", "COUNT", "5", "STREAMS", "s", ">"});
  c.command({"XGROUP", "CREATE", "s", "g2", "$"});
  c.command({"XADD", "s", "*", "n", "for-g2"});
  c.command({"XREADGROUP", "GROUP", "g2", "c3", "NOACK", "STREAMS", "s", ">"});
  // Ack the first two entries c1 received, claim the rest of its PEL to c3, auto-claim c2's.
  rawresp::Conn q(port);
  std::string pending = q.command({"XPENDING", "s", "g", "-", "+", "3", "c1"});
  std::smatch m;
  std::vector<std::string> ids;
  std::string rest = pending;
  static const std::regex id(R"(\$\d+\r\n(\d+-\d+)\r\n)");
  while (std::regex_search(rest, m, id)) {
    ids.push_back(m[1]);
    rest = m.suffix();
  }
  if (ids.size() >= 3) {
    c.command({"XACK", "s", "g", ids[0], ids[1]});
    c.command({"XCLAIM", "s", "g", "c3", "0", ids[2], "RETRYCOUNT", "5"});
  }
  c.command({"XAUTOCLAIM", "s", "g", "c3", "0", "0", "COUNT", "3"});
  c.command({"XDEL", "s", ids.empty() ? "0-1" : ids[0]});
  c.command({"XTRIM", "s", "MINID", "~", "0"});
  for (int i = 1; i <= 20; ++i)
    c.command({"XADD", "capped", "MAXLEN", "5", std::to_string(i) + "-0", "v", "x"});
  c.command({"XADD", "emptied", "1-0", "a", "b"});
  c.command({"XGROUP", "CREATE", "emptied", "g", "$"});
  c.command({"XDEL", "emptied", "1-0"});
  c.command({"XSETID", "emptied", "5-0", "ENTRIESADDED", "9", "MAXDELETEDID", "3-0"});
}

// The other types, written after the link is up; every write kind that propagates differently
// (SPOP and SRANDMEMBER effects, PFADD's sparse-to-dense promotion, GEOSEARCHSTORE, BITFIELD, expiry).
void other_types(int port) {
  rawresp::Conn c(port);
  c.command({"SET", "str", "v"});
  c.command({"APPEND", "str", "-tail"});
  c.command({"SETRANGE", "str", "2", "XY"});
  c.command({"RPUSH", "list", "a", "b", "c", "d"});
  c.command({"LPOP", "list"});
  c.command({"LINSERT", "list", "BEFORE", "c", "bc"});
  for (int i = 0; i < 20; ++i) c.command({"SADD", "set", "m" + std::to_string(i)});
  c.command({"SPOP", "set", "3"});
  c.command({"ZADD", "zset", "1", "a", "2", "b", "3", "c", "4.5", "d"});
  c.command({"ZINCRBY", "zset", "10", "a"});
  c.command({"ZPOPMIN", "zset"});
  c.command({"HSET", "hash", "f1", "v1", "f2", "2", "f3", "x"});
  c.command({"HINCRBYFLOAT", "hash", "f2", "0.5"});
  c.command({"HDEL", "hash", "f3"});
  std::vector<std::string> pf = {"PFADD", "hll"};
  for (int i = 0; i < 5000; ++i) pf.push_back("e" + std::to_string(i));
  c.command(pf);
  c.command({"PFADD", "hll2", "x", "y"});
  c.command({"PFMERGE", "hll", "hll2"});
  c.command({"PFCOUNT", "hll"});  // may cache the cardinality in the header; a read, not propagated
  c.command({"SETBIT", "bits", "7", "1"});
  c.command({"SETBIT", "bits", "100000", "1"});
  c.command({"BITFIELD", "bits", "SET", "u8", "#3", "200", "INCRBY", "i5", "100", "7"});
  c.command({"BITOP", "NOT", "bits2", "bits"});
  c.command({"GEOADD", "geo", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"});
  c.command({"GEOADD", "geo", "2.349014", "48.864716", "Paris"});
  c.command({"GEOSEARCHSTORE", "geo2", "geo", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC",
             "STOREDIST"});
  c.command({"SET", "gone", "x", "PX", "1"});
}

// What a key of any non-stream type holds, in a form that compares across servers.
std::string other_snapshot(int port, const std::string& key) {
  rawresp::Conn c(port);
  std::string out = c.command({"TYPE", key}) + c.command({"TTL", key});
  if (key == "str" || key == "hll" || key == "bits")
    out += c.command({"GET", key}) + c.command({"GET", key == "bits" ? "bits2" : key});
  else if (key == "list")
    out += c.command({"LRANGE", key, "0", "-1"});
  else if (key == "set")
    out += c.command({"SORT_RO", key, "ALPHA"});  // SORT is a write: refused on replicas
  else if (key == "zset" || key == "geo")
    out += c.command({"ZRANGE", key, "0", "-1", "WITHSCORES"}) +
           c.command({"ZRANGE", key + "2", "0", "-1", "WITHSCORES"});
  else if (key == "hash")
    out += c.command({"HGET", key, "f1"}) + c.command({"HGET", key, "f2"}) + c.command({"HLEN", key});
  return out + c.command({"EXISTS", "gone"});
}

bool same(int a, int b, bool master_view) {
  for (const auto& k : kStreams)
    if (snapshot(a, k, master_view) != snapshot(b, k, master_view)) return false;
  for (const auto& k : kOthers)
    if (other_snapshot(a, k) != other_snapshot(b, k)) return false;
  return true;
}

void expect_same(int a, int b, bool master_view, const char* what) {
  for (const auto& k : kStreams) EXPECT_EQ(snapshot(a, k, master_view), snapshot(b, k, master_view)) << what << k;
  for (const auto& k : kOthers) EXPECT_EQ(other_snapshot(a, k), other_snapshot(b, k)) << what << k;
}

bool link_up(int port) {
  Client c(port);
  return harness::info_field(c, "replication", "master_link_status") == "up";
}

// The master has data (before_link) and two replicas, a real one and ours; runs the workload and compares.
void run_and_compare(int master, int real_replica, int our_replica) {
  ASSERT_TRUE(eventually([&] { return link_up(real_replica) && link_up(our_replica); }, 15s));
  workload(master);
  other_types(master);
  EXPECT_TRUE(eventually([&] { return same(master, our_replica, true) && same(master, real_replica, true); }, 10s));
  expect_same(our_replica, real_replica, false, "ours vs redis-server replica: ");
  expect_same(our_replica, master, true, "our replica vs master: ");
  expect_same(real_replica, master, true, "redis-server replica vs master: ");
}

}  // namespace

TEST(StreamsReplication, RealRedisReplicaOfOurMaster) {
  harness::Datanode master;
  before_link(master.port);
  reference::RealRedis replica({"--replicaof", "127.0.0.1", std::to_string(master.port)});
  if (!replica.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode ours("replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n");
  run_and_compare(master.port, replica.port, ours.port);
}

TEST(StreamsReplication, OurReplicaOfRealRedisMaster) {
  reference::RealRedis master({"--repl-diskless-sync-delay", "0"});
  if (!master.available) GTEST_SKIP() << "redis-server not installed";
  before_link(master.port);
  reference::RealRedis replica({"--replicaof", "127.0.0.1", std::to_string(master.port)});
  harness::Datanode ours("replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n");
  run_and_compare(master.port, replica.port, ours.port);
}

TEST(StreamsReplication, DumpRestoreBothWays) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  before_link(redis.port);
  before_link(node.port);
  for (auto [from, to] : {std::pair{redis.port, node.port}, std::pair{node.port, redis.port}}) {
    rawresp::Conn src(from), dst(to);
    std::string dumped = src.command({"DUMP", "before"});
    ASSERT_EQ(dumped[0], '$');
    size_t eol = dumped.find("\r\n");
    std::string payload = dumped.substr(eol + 2, dumped.size() - eol - 4);
    EXPECT_EQ(dst.command({"RESTORE", "copy", "0", payload}), "+OK\r\n");
    EXPECT_EQ(snapshot(to, "copy"), snapshot(from, "before"));
    dst.command({"DEL", "copy"});
  }
}
