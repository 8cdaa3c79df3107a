// Bitmap, HyperLogLog and RESTORE writes crossing a replication link with real Redis on the other end:
// a redis-server replica of our master, and our replica of a redis-server master, end up with values
// identical byte for byte (HLL cached cardinalities included) and the same TTLs.
#include <gtest/gtest.h>

#include "harness.h"
#include "raw_resp.h"

using harness::Client;
using harness::Datanode;
using harness::eventually;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kKeys = {"bits", "bf", "op", "hll", "hll2", "merged", "dense", "restored"};

struct Redis {
  explicit Redis(std::vector<std::string> extra = {}) : port(harness::free_port()) {
    std::string bin = harness::run("command -v redis-server");
    while (!bin.empty() && (bin.back() == '\n' || bin.back() == ' ')) bin.pop_back();
    if (bin.empty()) return;
    std::vector<std::string> args = {"--port",
                                     std::to_string(port),
                                     "--bind",
                                     "127.0.0.1",
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--dir",
                                     dir.path(),
                                     "--repl-diskless-sync-delay",
                                     "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    process = harness::Process(bin, args, dir.file("redis.log"));
    available = harness::wait_for_port(port, std::chrono::seconds(10));
  }
  harness::TempDir dir;
  int port;
  harness::Process process;
  bool available = false;
};

std::string raw_value(int port, const std::string& key) {
  rawresp::Conn c(port);
  return c.command({"TYPE", key}) +
         (key == "restored" ? c.command({"LRANGE", key, "0", "-1"}) : c.command({"GET", key}));
}

// The writes, run on the master; the payload restored comes from DUMP on the same master.
void write_everything(int port) {
  rawresp::Conn c(port);
  c.command({"SETBIT", "bits", "1000", "1"});
  c.command({"SETBIT", "bits", "3", "1"});
  c.command({"BITFIELD", "bf", "SET", "i8", "#3", "-100", "INCRBY", "u5", "2", "40", "OVERFLOW", "SAT",
             "INCRBY", "i8", "#3", "-100"});
  c.command({"BITOP", "XOR", "op", "bits", "bf"});
  std::vector<std::string> add = {"PFADD", "hll"};
  for (int i = 0; i < 500; ++i) add.push_back("e" + std::to_string(i));
  c.command(add);
  c.command({"PFCOUNT", "hll"});
  c.command({"PFADD", "hll2", "x", "y", "z"});
  c.command({"PFMERGE", "merged", "hll", "hll2"});
  c.command({"PFADD", "dense", "a", "b"});
  c.command({"PFDEBUG", "TODENSE", "dense"});
  c.command({"PFCOUNT", "dense"});
  c.command({"RPUSH", "src", "a", "b", "1"});
  std::string dumped = c.command({"DUMP", "src"});
  size_t eol = dumped.find("\r\n");
  c.command({"RESTORE", "restored", "100000", dumped.substr(eol + 2, dumped.size() - eol - 4)});
}

size_t existing(int port) {
  Client c(port);
  std::vector<std::string> cmd = {"EXISTS"};
  cmd.insert(cmd.end(), kKeys.begin(), kKeys.end());
  return static_cast<size_t>(c.command(cmd).integer);
}

bool same(int a, int b) {
  for (const auto& k : kKeys)
    if (raw_value(a, k) != raw_value(b, k)) return false;
  return true;
}

}  // namespace

TEST(BitsReplication, RealRedisReplicaOfOurMaster) {
  harness::Datanode master;
  Redis replica({"--replicaof", "127.0.0.1", std::to_string(master.port)});
  if (!replica.available) GTEST_SKIP() << "redis-server not installed";
  Client r(replica.port);
  ASSERT_TRUE(
      eventually([&] { return harness::info_field(r, "replication", "master_link_status") == "up"; }, 15s));
  write_everything(master.port);
  ASSERT_EQ(existing(master.port), kKeys.size());
  EXPECT_TRUE(eventually([&] { return same(master.port, replica.port); }, 10s));
  for (const auto& k : kKeys) EXPECT_EQ(raw_value(replica.port, k), raw_value(master.port, k)) << k;
  int64_t ttl = r.command({"PTTL", "restored"}).integer;
  EXPECT_GT(ttl, 90000);
  EXPECT_LE(ttl, 100000);
}

TEST(BitsReplication, OurReplicaOfRealRedisMaster) {
  Redis master;
  if (!master.available) GTEST_SKIP() << "redis-server not installed";
  Datanode replica("replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n");
  Client r(replica.port);
  ASSERT_TRUE(
      eventually([&] { return harness::info_field(r, "replication", "master_link_status") == "up"; }, 15s));
  write_everything(master.port);
  ASSERT_EQ(existing(master.port), kKeys.size());
  EXPECT_TRUE(eventually([&] { return same(master.port, replica.port); }, 10s));
  for (const auto& k : kKeys) EXPECT_EQ(raw_value(replica.port, k), raw_value(master.port, k)) << k;
  int64_t ttl = r.command({"PTTL", "restored"}).integer;
  EXPECT_GT(ttl, 90000);
  EXPECT_LE(ttl, 100000);
}
