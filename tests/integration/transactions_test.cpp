// MULTI/EXEC/DISCARD/WATCH over real sockets: queueing, errors with Redis' texts, EXECABORT, WATCH
// invalidation by writes, FLUSHDB and expiry, and the MULTI ... EXEC wrapping in the AOF.
#include <gtest/gtest.h>

#include <dirent.h>

#include <thread>

#include "harness.h"
#include "reference_redis.h"

using harness::Client;
using harness::Datanode;
using harness::Reply;

TEST(Transactions, QueueAndExec) {
  Datanode node;
  Client c(node.port);
  EXPECT_EQ(c.command({"MULTI"}).str, "OK");
  EXPECT_EQ(c.command({"SET", "a", "1"}).str, "QUEUED");
  EXPECT_EQ(c.command({"INCR", "a"}).str, "QUEUED");
  EXPECT_EQ(c.command({"GET", "a"}).str, "QUEUED");
  Reply r = c.command({"EXEC"});
  ASSERT_EQ(r.type, Reply::Type::kArray);
  ASSERT_EQ(r.elements.size(), 3u);
  EXPECT_EQ(r.elements[0].str, "OK");
  EXPECT_EQ(r.elements[1].integer, 2);
  EXPECT_EQ(r.elements[2].str, "2");
  // Runtime errors inside EXEC do not stop the others.
  c.command({"MULTI"});
  c.command({"LPUSH", "a", "x"});
  c.command({"INCR", "a"});
  r = c.command({"EXEC"});
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[0].str, "WRONGTYPE Operation against a key holding the wrong kind of value");
  EXPECT_EQ(r.elements[1].integer, 3);
  // An empty transaction.
  c.command({"MULTI"});
  r = c.command({"EXEC"});
  EXPECT_EQ(r.type, Reply::Type::kArray);
  EXPECT_TRUE(r.elements.empty());
}

TEST(Transactions, ErrorTexts) {
  Datanode node;
  Client c(node.port);
  EXPECT_EQ(c.command({"EXEC"}).str, "ERR EXEC without MULTI");
  EXPECT_EQ(c.command({"DISCARD"}).str, "ERR DISCARD without MULTI");
  EXPECT_EQ(c.command({"MULTI"}).str, "OK");
  EXPECT_EQ(c.command({"MULTI"}).str, "ERR MULTI calls can not be nested");
  EXPECT_EQ(c.command({"WATCH", "k"}).str, "ERR WATCH inside MULTI is not allowed");
  EXPECT_EQ(c.command({"SET", "k", "v"}).str, "QUEUED");
  EXPECT_EQ(c.command({"DISCARD"}).str, "OK");
  EXPECT_TRUE(c.command({"GET", "k"}).is_nil());
}

TEST(Transactions, ExecAbortAfterQueueingErrors) {
  Datanode node;
  Client c(node.port);
  c.command({"MULTI"});
  EXPECT_EQ(c.command({"SET", "k", "v"}).str, "QUEUED");
  EXPECT_EQ(c.command({"GET"}).str, "ERR wrong number of arguments for 'get' command");
  EXPECT_EQ(c.command({"NOSUCHCMD"}).str, "ERR unknown command 'NOSUCHCMD', with args beginning with: ");
  EXPECT_EQ(c.command({"EXEC"}).str, "EXECABORT Transaction discarded because of previous errors.");
  EXPECT_TRUE(c.command({"GET", "k"}).is_nil());
  // The client is out of MULTI afterwards.
  EXPECT_EQ(c.command({"SET", "k", "v"}).str, "OK");
}

TEST(Transactions, WatchedKeyTouchedByAnotherClient) {
  Datanode node;
  Client a(node.port), b(node.port);
  a.command({"SET", "k", "1"});
  EXPECT_EQ(a.command({"WATCH", "k"}).str, "OK");
  b.command({"SET", "k", "2"});
  a.command({"MULTI"});
  a.command({"SET", "k", "3"});
  EXPECT_TRUE(a.command({"EXEC"}).is_nil());
  EXPECT_EQ(a.command({"GET", "k"}).str, "2");

  // Untouched: EXEC runs. UNWATCH forgets the watch.
  a.command({"WATCH", "k"});
  a.command({"MULTI"});
  a.command({"SET", "k", "4"});
  EXPECT_EQ(a.command({"EXEC"}).elements.size(), 1u);
  a.command({"WATCH", "k"});
  b.command({"SET", "k", "5"});
  EXPECT_EQ(a.command({"UNWATCH"}).str, "OK");
  a.command({"MULTI"});
  a.command({"SET", "k", "6"});
  EXPECT_EQ(a.command({"EXEC"}).elements.size(), 1u);
  EXPECT_EQ(a.command({"GET", "k"}).str, "6");
}

TEST(Transactions, WatchInvalidatedByFlushAndDiscardResets) {
  Datanode node;
  Client a(node.port), b(node.port);
  a.command({"SET", "k", "1"});
  a.command({"WATCH", "k"});
  b.command({"FLUSHDB"});
  a.command({"MULTI"});
  a.command({"PING"});
  EXPECT_TRUE(a.command({"EXEC"}).is_nil());
  // A watched key that does not exist is not changed by a flush.
  a.command({"WATCH", "nothere"});
  b.command({"FLUSHALL"});
  a.command({"MULTI"});
  a.command({"PING"});
  EXPECT_EQ(a.command({"EXEC"}).elements.size(), 1u);
  // DISCARD unwatches.
  a.command({"SET", "k", "1"});
  a.command({"WATCH", "k"});
  a.command({"MULTI"});
  a.command({"DISCARD"});
  b.command({"SET", "k", "2"});
  a.command({"MULTI"});
  a.command({"PING"});
  EXPECT_EQ(a.command({"EXEC"}).elements.size(), 1u);
}

TEST(Transactions, WatchSeesExpiry) {
  Datanode node;
  Client a(node.port);
  a.command({"SET", "k", "1", "PX", "50"});
  a.command({"WATCH", "k"});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  a.command({"GET", "k"});  // expires it now if the active cycle did not
  a.command({"MULTI"});
  a.command({"PING"});
  EXPECT_TRUE(a.command({"EXEC"}).is_nil());
}

TEST(Transactions, ClientListShowsMultiState) {
  Datanode node;
  Client a(node.port), b(node.port);
  a.command({"MULTI"});
  a.command({"SET", "x", "1"});
  a.command({"SET", "y", "2"});
  std::string list = b.command({"CLIENT", "LIST"}).str;
  EXPECT_NE(list.find("flags=x"), std::string::npos) << list;
  EXPECT_NE(list.find("multi=2"), std::string::npos) << list;
}

TEST(Transactions, SentinelStyleReconfiguration) {
  // What a Redis Sentinel sends to promote a replica: its own connection survives CLIENT KILL TYPE normal.
  Datanode node;
  Client sentinel(node.port), other(node.port);
  ASSERT_EQ(other.command({"PING"}).str, "PONG");
  EXPECT_EQ(sentinel.command({"MULTI"}).str, "OK");
  EXPECT_EQ(sentinel.command({"CONFIG", "REWRITE"}).str, "QUEUED");
  EXPECT_EQ(sentinel.command({"CLIENT", "KILL", "TYPE", "normal"}).str, "QUEUED");
  Reply r = sentinel.command({"EXEC"});
  ASSERT_EQ(r.type, Reply::Type::kArray);
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[0].str, "OK");
  EXPECT_EQ(r.elements[1].integer, 1);
  EXPECT_EQ(sentinel.command({"PING"}).str, "PONG");
  EXPECT_TRUE(other.command({"PING"}).is_error());
}

namespace {
std::string read_all_files(const std::string& dir) {
  std::string all;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string path = dir + "/" + name;
      if (e->d_type == DT_DIR) all += read_all_files(path);
      else if (name.find("aof") != std::string::npos) {
        FILE* f = fopen(path.c_str(), "rb");
        if (!f) continue;
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0) all.append(buf, n);
        fclose(f);
      }
    }
    closedir(d);
  }
  return all;
}
}  // namespace

TEST(Transactions, ExecIsPropagatedAsMultiExec) {
  Datanode node("appendonly = true\nappendfsync = \"always\"");
  Client c(node.port);
  ASSERT_EQ(c.command({"PING"}).str, "PONG");
  c.command({"MULTI"});
  c.command({"SET", "tx1", "a"});
  c.command({"GET", "tx1"});
  c.command({"SET", "tx2", "b"});
  ASSERT_EQ(c.command({"EXEC"}).elements.size(), 3u);
  std::string aof;
  bool found = harness::eventually(
      [&] {
        aof = read_all_files(node.dir.path());
        return aof.find("tx2") != std::string::npos;
      },
      std::chrono::seconds(5));
  if (!found) GTEST_SKIP() << "no append-only file written by this build";
  size_t multi = aof.find("$5\r\nMULTI\r\n");
  size_t set1 = aof.find("tx1");
  size_t set2 = aof.find("tx2");
  size_t exec = aof.find("$4\r\nEXEC\r\n");
  ASSERT_NE(multi, std::string::npos) << aof;
  ASSERT_NE(exec, std::string::npos) << aof;
  EXPECT_LT(multi, set1);
  EXPECT_LT(set2, exec);
  // A read-only transaction is not propagated at all.
  c.command({"MULTI"});
  c.command({"GET", "tx1"});
  c.command({"EXEC"});
  c.command({"SET", "after", "1"});
  harness::eventually([&] { return read_all_files(node.dir.path()).find("after") != std::string::npos; },
                      std::chrono::seconds(5));
  aof = read_all_files(node.dir.path());
  size_t second_multi = aof.find("$5\r\nMULTI\r\n", multi + 1);
  EXPECT_EQ(second_multi, std::string::npos);
}

// Redis 7.0's WATCH of keys that expire, compared with redis-server (active expiry off, so only the
// commands remove keys): a key that expires after WATCH fails EXEC even if nothing removed it; one that
// had expired before WATCH is no change when DEL, FLUSHDB or nothing removes it, but a new SET is. And
// a REPLICAOF inside the transaction does not refuse the writes queued after it.
TEST(Transactions, WatchOfExpiringKeysAndReplicaofInsideMatchRedis) {
  reference::RealRedis redis({"--enable-debug-command", "yes"});
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  rawresp::Conn theirs(redis.port), ours(dn.port);
  using Commands = std::vector<std::vector<std::string>>;
  auto step = [&](const Commands& cmds) {
    for (const std::string& d : reference::differences_on(theirs, ours, cmds)) ADD_FAILURE() << d;
  };
  auto expire_x = [&] {
    step({{"SET", "x", "foo", "PX", "1"}});
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  };
  // 300 ms: WATCH must come before the key expires, even on a loaded machine.
  step({{"DEBUG", "SET-ACTIVE-EXPIRE", "0"}, {"SET", "k", "1", "PX", "300"}, {"WATCH", "k"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  step({{"MULTI"}, {"INCR", "k"}, {"EXEC"}});
  expire_x();
  step({{"WATCH", "x"}, {"DEL", "x"}, {"MULTI"}, {"PING"}, {"EXEC"}});
  expire_x();
  step({{"WATCH", "x"}, {"FLUSHDB"}, {"MULTI"}, {"PING"}, {"EXEC"}});
  expire_x();
  step({{"WATCH", "x"}, {"MULTI"}, {"PING"}, {"EXEC"}});
  expire_x();
  step({{"WATCH", "x"}, {"SET", "x", "bar"}, {"MULTI"}, {"PING"}, {"EXEC"}});
  step({{"DEBUG", "SET-ACTIVE-EXPIRE", "1"},
        {"MULTI"},
        {"SET", "a", "1"},
        {"REPLICAOF", "127.0.0.1", "1"},
        {"SET", "b", "2"},
        {"EXEC"},
        {"SET", "c", "3"},
        {"REPLICAOF", "NO", "ONE"},
        {"MGET", "a", "b", "c"}});
}
