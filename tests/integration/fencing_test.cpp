// Self-fencing: a master with min-replicas-to-write = 1 and min-replicas-max-lag = 2 stops taking writes
// (-NOREPLICAS, exactly Redis' text) once no replica has acknowledged for more than max-lag seconds,
// keeps serving reads, and takes writes again when a replica is back. Transactions are refused the way
// Redis 7 refuses them (compared against a real redis-server in the same run).
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "reference_redis.h"
#include "sentinel_lab.h"

using harness::Client;
using harness::Datanode;
using harness::eventually;
using harness::Reply;
using namespace std::chrono_literals;

namespace {

const char* const kNoReplicas = "NOREPLICAS Not enough good replicas to write.";
const char* const kFenced = "min-replicas-to-write = 1\nmin-replicas-max-lag = 2\n";

std::string repl_field(Client& c, const std::string& field) {
  Reply r = c.command({"INFO", "replication"});
  std::string key = "\r\n" + field + ":";
  size_t at = r.str.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  return r.str.substr(at, r.str.find("\r\n", at) - at);
}

std::string replica_of(const Datanode& master) {
  return std::string(kFenced) + "replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n";
}

// Polls a write until it gets `want` (the reply's text); returns how long that took, or -1 ms.
std::chrono::milliseconds time_until_write_reply(Client& c, const std::string& want,
                                                 std::chrono::seconds limit) {
  auto start = std::chrono::steady_clock::now();
  bool ok = eventually([&] { return c.command({"SET", "probe", "x"}).str == want; }, limit);
  if (!ok) return -1ms;
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

TEST(Fencing, StoppedReplicasFenceTheMasterAndResumingThemLiftsIt) {
  Datanode master(kFenced);
  Client m(master.port);
  Datanode r1(replica_of(master)), r2(replica_of(master));
  ASSERT_TRUE(eventually([&] { return repl_field(m, "min_slaves_good_slaves") == "2"; }, 15s))
      << repl_field(m, "connected_slaves");
  EXPECT_EQ(m.command({"SET", "k", "v1"}).str, "OK");
  EXPECT_EQ(m.command({"WAIT", "2", "2000"}).integer, 2);

  // One replica frozen: the other still counts, writes go on.
  r1.process.kill(SIGSTOP);
  std::this_thread::sleep_for(4s);
  EXPECT_EQ(m.command({"SET", "k", "v2"}).str, "OK");
  EXPECT_EQ(repl_field(m, "min_slaves_good_slaves"), "1");

  // Both frozen (a partition as the master sees it): fenced within max-lag + ~2 s.
  r2.process.kill(SIGSTOP);
  auto fenced_after = time_until_write_reply(m, kNoReplicas, 10s);
  ASSERT_GE(fenced_after.count(), 0) << "never fenced";
  EXPECT_LE(fenced_after, 5s);
  EXPECT_GE(fenced_after, 1s);  // not before the lag allowance has run out
  std::printf("fenced %lld ms after the last replica froze\n", static_cast<long long>(fenced_after.count()));
  EXPECT_EQ(repl_field(m, "min_slaves_good_slaves"), "0");
  EXPECT_EQ(repl_field(m, "connected_slaves"), "2");  // still connected, just silent

  // Reads work; every kind of write is refused, including ones that would change nothing.
  EXPECT_EQ(m.command({"GET", "k"}).str, "v2");
  EXPECT_EQ(m.command({"DEL", "nokey"}).str, kNoReplicas);
  EXPECT_EQ(m.command({"RPUSH", "l", "a"}).str, kNoReplicas);
  EXPECT_EQ(m.command({"EXISTS", "l"}).integer, 0);
  // Inside MULTI the write is refused before it is queued, and EXEC discards the transaction.
  EXPECT_EQ(m.command({"MULTI"}).str, "OK");
  EXPECT_EQ(m.command({"SET", "k", "lost"}).str, kNoReplicas);
  EXPECT_EQ(m.command({"GET", "k"}).str, "QUEUED");
  EXPECT_EQ(m.command({"EXEC"}).str, "EXECABORT Transaction discarded because of previous errors.");
  EXPECT_EQ(m.command({"GET", "k"}).str, "v2");
  // A read-only transaction still runs.
  EXPECT_EQ(m.command({"MULTI"}).str, "OK");
  EXPECT_EQ(m.command({"GET", "k"}).str, "QUEUED");
  Reply ro = m.command({"EXEC"});
  ASSERT_EQ(ro.elements.size(), 1u);
  EXPECT_EQ(ro.elements[0].str, "v2");
  // PUBLISH is not a write: delivered as in Redis.
  EXPECT_EQ(m.command({"PUBLISH", "ch", "hello"}).type, Reply::Type::kInteger);

  // The partition heals: writes are taken again as soon as an ACK arrives.
  r1.process.kill(SIGCONT);
  r2.process.kill(SIGCONT);
  auto healed_after = time_until_write_reply(m, "OK", 10s);
  ASSERT_GE(healed_after.count(), 0) << "never accepted writes again";
  EXPECT_LE(healed_after, 3s);
  std::printf("writes accepted again %lld ms after the replicas resumed\n",
              static_cast<long long>(healed_after.count()));
  EXPECT_TRUE(eventually([&] { return repl_field(m, "min_slaves_good_slaves") == "2"; }, 5s));
  EXPECT_EQ(m.command({"SET", "k", "v3"}).str, "OK");
  EXPECT_EQ(m.command({"WAIT", "2", "5000"}).integer, 2);
  Client c1(r1.port);
  EXPECT_EQ(c1.command({"GET", "k"}).str, "v3");
}

TEST(Fencing, TransactionQueuedBeforeTheFenceIsAbortedAtExec) {
  Datanode master(kFenced);
  Client m(master.port), other(master.port);
  Datanode r1(replica_of(master));
  ASSERT_TRUE(eventually([&] { return repl_field(m, "min_slaves_good_slaves") == "1"; }, 15s));
  EXPECT_EQ(m.command({"SET", "k", "before"}).str, "OK");
  EXPECT_EQ(m.command({"MULTI"}).str, "OK");
  EXPECT_EQ(m.command({"SET", "k", "inside"}).str, "QUEUED");
  EXPECT_EQ(m.command({"GET", "k"}).str, "QUEUED");
  r1.process.kill(SIGSTOP);
  ASSERT_GE(time_until_write_reply(other, kNoReplicas, 10s).count(), 0);
  // Nothing of the transaction runs: not even its read.
  EXPECT_EQ(m.command({"EXEC"}).str,
            "EXECABORT Transaction discarded because of: NOREPLICAS Not enough good replicas to write.");
  EXPECT_EQ(m.command({"EXEC"}).str, "ERR EXEC without MULTI");  // the transaction is gone
  EXPECT_EQ(m.command({"GET", "k"}).str, "before");
  r1.process.kill(SIGCONT);
  EXPECT_GE(time_until_write_reply(other, "OK", 10s).count(), 0);
}

TEST(Fencing, KilledReplicaFencesAtOnceAndItsRestartLiftsIt) {
  Datanode master(kFenced);
  Client m(master.port);
  Datanode r1(replica_of(master));
  ASSERT_TRUE(eventually([&] { return repl_field(m, "min_slaves_good_slaves") == "1"; }, 15s));
  EXPECT_EQ(m.command({"RPUSH", "l", "a"}).integer, 1);
  r1.process.kill(SIGKILL);
  r1.process.wait(10s);
  // A closed link is no replica at all: no lag allowance.
  auto fenced_after = time_until_write_reply(m, kNoReplicas, 5s);
  ASSERT_GE(fenced_after.count(), 0);
  EXPECT_LE(fenced_after, 1s);
  EXPECT_EQ(m.command({"LRANGE", "l", "0", "-1"}).elements.size(), 1u);
  r1.start();
  EXPECT_GE(time_until_write_reply(m, "OK", 15s).count(), 0);
  EXPECT_EQ(m.command({"RPUSH", "l", "b"}).integer, 2);
  EXPECT_EQ(m.command({"WAIT", "1", "5000"}).integer, 1);
}

// The same refusals, byte for byte, as a real Redis 7 with min-replicas-to-write 1 and no replica.
TEST(Fencing, RepliesMatchRealRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Client rc(redis.port);
  ASSERT_EQ(rc.command({"CONFIG", "SET", "min-replicas-to-write", "1"}).str, "OK");
  ASSERT_EQ(rc.command({"CONFIG", "SET", "min-replicas-max-lag", "2"}).str, "OK");
  Datanode ours(kFenced);
  std::vector<std::vector<std::string>> script = {
      {"SET", "a", "1"},
      {"GET", "a"},
      {"DEL", "a"},
      {"EXPIRE", "a", "10"},
      {"INCR", "n"},
      {"MULTI"},
      {"SET", "a", "2"},
      {"GET", "a"},
      {"EXEC"},
      {"MULTI"},
      {"GET", "a"},
      {"EXEC"},
      {"WAIT", "1", "10"},
      {"PUBLISH", "ch", "m"},
      {"FLUSHALL"},
      {"SELECT", "1"},
      {"LPUSH", "l", "x"},
      {"DBSIZE"},
  };
  auto diffs = reference::differences(redis.port, ours.port, script);
  for (const auto& d : diffs) ADD_FAILURE() << d;
  // INFO replication carries the count of good replicas, as Redis' min_slaves_good_slaves.
  Client oc(ours.port);
  EXPECT_EQ(repl_field(rc, "min_slaves_good_slaves"), "0");
  EXPECT_EQ(repl_field(oc, "min_slaves_good_slaves"), "0");
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// Zero acknowledged-write loss on a single failure: every node has appendfsync always and
// min-replicas-to-write 1 (max-lag 2), three of our sentinels watch them (down-after 1000 ms), and a
// client counts a write as acknowledged only when `WAIT 1 500` after it returns >= 1. The master is
// SIGKILLed mid-stream three times; each time the client finds the new master through the sentinels,
// the old master is restarted (and must come back as a replica), and in the end every acknowledged
// write is in the list, in order.

namespace zero_loss {

using sentinel_lab::DataKind;
using sentinel_lab::DataNode;
using sentinel_lab::SentinelNode;

const char* const kList = "zero-loss";

struct Stats {
  std::mutex mu;
  std::vector<int64_t> acked;  // values whose WAIT returned >= 1, in the order they were written
  int64_t attempts = 0, pushed = 0, wait_zero = 0, refused = 0, io_errors = 0;
};

// The client: RPUSH a fresh number, WAIT 1 500, rediscover the master through the sentinels on any
// connection error or refusal.
void writer(const std::vector<std::unique_ptr<SentinelNode>>& sentinels, std::atomic<bool>& stop, Stats& st) {
  std::unique_ptr<Client> c;
  int port = 0;
  int64_t next = 0;
  size_t ask = 0;
  while (!stop.load()) {
    if (!c) {
      port = sentinels[ask++ % sentinels.size()]->master_port();
      if (port != 0) c = std::make_unique<Client>(port);
      if (!c || !c->connected()) {
        c.reset();
        std::this_thread::sleep_for(50ms);
        continue;
      }
      c->set_timeout(3s);
    }
    int64_t v = next++;
    Reply r = c->command({"RPUSH", kList, std::to_string(v)});
    if (r.type != Reply::Type::kInteger) {
      bool io = r.str.rfind("IO", 0) == 0;
      {
        std::lock_guard<std::mutex> lock(st.mu);
        st.attempts++;
        (io ? st.io_errors : st.refused)++;
      }
      c.reset();  // closed, -NOREPLICAS, -READONLY...: ask the sentinels again
      std::this_thread::sleep_for(io ? 20ms : 100ms);
      continue;
    }
    Reply w = c->command({"WAIT", "1", "500"});
    std::lock_guard<std::mutex> lock(st.mu);
    st.attempts++;
    st.pushed++;
    if (w.type == Reply::Type::kInteger && w.integer >= 1) {
      st.acked.push_back(v);
    } else if (w.type == Reply::Type::kInteger) {
      st.wait_zero++;
    } else {
      st.io_errors++;
      c.reset();
    }
  }
}

std::string node_toml(const DataNode& n, int replicaof) {
  std::string t = "port = " + std::to_string(n.port) + "\nbind = [\"127.0.0.1\"]\ndir = \"" + n.dir.path() +
                  "\"\nappendonly = true\nappendfsync = \"always\"\nmin-replicas-to-write = 1\n"
                  "min-replicas-max-lag = 2\nreplica-priority = 100\nrepl-diskless-sync-delay = 0\n";
  if (replicaof) t += "replicaof = \"127.0.0.1 " + std::to_string(replicaof) + "\"\n";
  return t;
}

size_t acked_count(Stats& st) {
  std::lock_guard<std::mutex> lock(st.mu);
  return st.acked.size();
}

}  // namespace zero_loss

TEST(FencingZeroLoss, AcknowledgedWritesSurviveThreeMasterKills) {
  using namespace zero_loss;
  std::vector<std::unique_ptr<DataNode>> nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(std::make_unique<DataNode>());
    nodes.back()->kind = DataKind::kDatanode;
  }
  for (int i = 0; i < 3; ++i) {
    nodes[i]->dir.write("datanode.toml", node_toml(*nodes[i], i == 0 ? 0 : nodes[0]->port));
    nodes[i]->start();
  }
  std::vector<std::unique_ptr<SentinelNode>> sentinels;
  for (int i = 0; i < 3; ++i) {
    sentinels.push_back(std::make_unique<SentinelNode>());
    sentinels.back()->write_config(nodes[0]->port, 2, 1000, 6000);
    sentinels.back()->start();
  }
  auto node_at = [&](int port) -> DataNode* {
    for (auto& n : nodes)
      if (n->port == port) return n.get();
    return nullptr;
  };
  auto all_agree = [&](int port, std::chrono::seconds limit) {
    return eventually(
        [&] {
          for (auto& s : sentinels)
            if (s->master_port() != port) return false;
          return true;
        },
        limit);
  };
  // Every sentinel sees both replicas and the other sentinels before anything is killed.
  ASSERT_TRUE(eventually(
      [&] {
        for (auto& s : sentinels)
          if (s->master_field("num-slaves") != "2" || s->master_field("num-other-sentinels") != "2")
            return false;
        return true;
      },
      30s));

  Stats st;
  std::atomic<bool> stop{false};
  std::thread client([&] { writer(sentinels, stop, st); });
  struct StopClient {
    std::atomic<bool>& stop;
    std::thread& t;
    ~StopClient() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } stop_client{stop, client};

  int master_port = nodes[0]->port;
  for (int round = 1; round <= 3; ++round) {
    DataNode* master = node_at(master_port);
    ASSERT_NE(master, nullptr);
    // A healthy starting point: two replicas streaming, and the client being acknowledged.
    ASSERT_TRUE(eventually([&] { return master->info_field("connected_slaves") == "2"; }, 30s))
        << "round " << round;
    size_t before = acked_count(st);
    ASSERT_TRUE(eventually([&] { return acked_count(st) >= before + 50; }, 30s)) << "round " << round;

    auto killed_at = std::chrono::steady_clock::now();
    master->kill();
    size_t acked_at_kill = acked_count(st);
    int new_port = 0;
    ASSERT_TRUE(eventually(
        [&] {
          new_port = sentinels[0]->master_port();
          return new_port != 0 && new_port != master_port && all_agree(new_port, 1s);
        },
        60s))
        << "round " << round << " no failover\n"
        << sentinels[0]->dir.read("sentinel.log");
    auto failed_over_at = std::chrono::steady_clock::now();
    // Writes are acknowledged again on the new master.
    ASSERT_TRUE(eventually([&] { return acked_count(st) >= acked_at_kill + 20; }, 60s)) << "round " << round;
    auto writing_at = std::chrono::steady_clock::now();
    // The old master comes back with its AOF and is turned into a replica of the new one.
    master->start();
    {
      // Back with its AOF and its old config, it may still call itself master for a while: fenced,
      // since no replica acknowledges it, so nothing written there can diverge.
      Reply probe = master->client()->command({"SET", "probe", "x"});
      EXPECT_TRUE(probe.str == kNoReplicas ||
                  probe.str == "READONLY You can't write against a read only replica.")
          << "round " << round << ": " << probe.str;
    }
    ASSERT_TRUE(eventually(
        [&] {
          return master->info_field("role") == "slave" &&
                 master->info_field("master_port") == std::to_string(new_port) &&
                 master->info_field("master_link_status") == "up";
        },
        60s))
        << "round " << round << " old master did not rejoin\n"
        << master->dir.read("datanode.log");
    auto rejoined_at = std::chrono::steady_clock::now();
    auto ms = [&](auto t) {
      return static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(t - killed_at).count());
    };
    std::printf(
        "round %d: killed %d; sentinels agree on %d after %lld ms; acknowledged writes again after %lld "
        "ms; old master a replica after %lld ms\n",
        round, master_port, new_port, ms(failed_over_at), ms(writing_at), ms(rejoined_at));
    master_port = new_port;
  }
  // A few more acknowledged writes with the third topology, then stop the client.
  size_t before = acked_count(st);
  ASSERT_TRUE(eventually([&] { return acked_count(st) >= before + 20; }, 30s));
  stop = true;
  client.join();

  DataNode* master = node_at(master_port);
  ASSERT_NE(master, nullptr);
  Client m(master->port);
  Reply list = m.command({"LRANGE", kList, "0", "-1"});
  std::vector<int64_t> stored;
  for (const Reply& e : list.elements) stored.push_back(std::stoll(e.str));
  // Every acknowledged value is there, in the order it was written (unacknowledged ones may or may not be).
  size_t lost = 0, pos = 0;
  std::vector<int64_t> missing;
  for (int64_t v : st.acked) {
    size_t at = pos;
    while (at < stored.size() && stored[at] != v) ++at;
    if (at == stored.size()) {
      ++lost;
      if (missing.size() < 20) missing.push_back(v);
      continue;
    }
    pos = at + 1;
  }
  std::string missing_text;
  for (int64_t v : missing) missing_text += std::to_string(v) + " ";
  std::printf(
      "writes attempted %lld, pushed %lld, acknowledged %zu, WAIT 0 %lld, refused %lld, io errors %lld, "
      "stored %zu, acknowledged but lost or out of order %zu\n",
      static_cast<long long>(st.attempts), static_cast<long long>(st.pushed), st.acked.size(),
      static_cast<long long>(st.wait_zero), static_cast<long long>(st.refused),
      static_cast<long long>(st.io_errors), stored.size(), lost);
  EXPECT_EQ(lost, 0u) << "first missing: " << missing_text;
  EXPECT_GT(st.acked.size(), 200u);
  // The replicas hold the same list once they have caught up.
  EXPECT_EQ(m.command({"WAIT", "2", "5000"}).integer, 2);
  for (auto& n : nodes) {
    if (n->port == master_port) continue;
    auto rc = n->client();
    EXPECT_EQ(rc->command({"LLEN", kList}).integer, static_cast<int64_t>(stored.size())) << n->port;
  }
}
