// The append-only file with the real binary: every type (and TTL) survives SIGKILL + restart, every
// acknowledged write survives with appendfsync always, BGREWRITEAOF under concurrent writes loses
// nothing and shrinks the file, the automatic rewrite triggers, CONFIG SET appendonly at runtime, and a
// copied file restores into a fresh directory.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <map>
#include <thread>

#include "harness.h"

using harness::Client;
using harness::Datanode;
using harness::Reply;

namespace {

// One key's full state as text: type, value (sorted where order does not matter) and expiry.
using Dump = std::map<std::string, std::string>;

std::string join(const Reply& r) {
  std::string s;
  for (const Reply& e : r.elements) s += e.str + (e.type == Reply::Type::kInteger ? std::to_string(e.integer) : "") + "|";
  return s;
}

std::string sorted_join(const Reply& r, size_t group) {
  std::vector<std::string> items;
  for (size_t i = 0; i + group <= r.elements.size(); i += group) {
    std::string item;
    for (size_t j = 0; j < group; ++j) item += r.elements[i + j].str + "=";
    items.push_back(item);
  }
  std::sort(items.begin(), items.end());
  std::string s;
  for (const auto& i : items) s += i + "|";
  return s;
}

Dump dump(Client& c, int databases = 4) {
  Dump out;
  for (int db = 0; db < databases; ++db) {
    c.command({"SELECT", std::to_string(db)});
    Reply keys = c.command({"KEYS", "*"});
    for (const Reply& k : keys.elements) {
      std::string type = c.command({"TYPE", k.str}).str;
      std::string value;
      if (type == "string") value = c.command({"GET", k.str}).str;
      else if (type == "list") value = join(c.command({"LRANGE", k.str, "0", "-1"}));
      else if (type == "hash") value = sorted_join(c.command({"HGETALL", k.str}), 2);
      else if (type == "set") value = sorted_join(c.command({"SMEMBERS", k.str}), 1);
      else if (type == "zset") value = join(c.command({"ZRANGE", k.str, "0", "-1", "WITHSCORES"}));
      int64_t at = c.command({"PEXPIRETIME", k.str}).integer;
      out[std::to_string(db) + ":" + k.str] = type + " " + value + " @" + std::to_string(at);
    }
  }
  c.command({"SELECT", "0"});
  return out;
}

std::string info_field(Client& c, const std::string& name) { return harness::info_field(c, "persistence", name); }

int64_t file_size(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

bool rewrite_finished(Client& c, int64_t rewrites_before) {
  return harness::eventually(
      [&] {
        return info_field(c, "aof_rewrite_in_progress") == "0" &&
               std::stoll("0" + info_field(c, "aof_rewrites")) > rewrites_before;
      },
      std::chrono::seconds(30));
}

// Keys of every type, in several databases, with TTLs, and commands that are propagated in rewritten
// forms (EXPIRE -> PEXPIREAT, INCRBYFLOAT -> SET, SPOP -> SREM ...).
void write_all_types(Client& c, int n) {
  for (int db : {0, 3}) {
    ASSERT_EQ(c.command({"SELECT", std::to_string(db)}).str, "OK");
    for (int i = 0; i < n; ++i) {
      std::string s = std::to_string(i);
      ASSERT_EQ(c.command({"SET", "str:" + s, "value-" + s + std::string("\0\r\n", 3)}).str, "OK");
      if (i % 3 == 0) c.command({"EXPIRE", "str:" + s, std::to_string(1000 + i)});
      if (i % 5 == 0) c.command({"SET", "ttl:" + s, "x", "PX", "500000"});
      c.command({"INCRBY", "counter", s});
      c.command({"INCRBYFLOAT", "float", "0.5"});
      c.command({"RPUSH", "list:" + std::to_string(i % 7), "a" + s, "b" + s});
      c.command({"LPUSH", "list:" + std::to_string(i % 7), "c" + s});
      if (i % 4 == 0) c.command({"LPOP", "list:" + std::to_string(i % 7)});
      c.command({"HSET", "hash:" + std::to_string(i % 11), "f" + s, "v" + s, "g" + s, s});
      if (i % 6 == 0) c.command({"HDEL", "hash:" + std::to_string(i % 11), "g" + s});
      c.command({"HINCRBY", "hash:counts", "f" + std::to_string(i % 3), "1"});
      c.command({"SADD", "set:" + std::to_string(i % 13), "m" + s, "n" + s});
      if (i % 8 == 0) c.command({"SPOP", "set:" + std::to_string(i % 13)});
      c.command({"ZADD", "zset:" + std::to_string(i % 5), std::to_string(i * 1.5), "m" + s});
      c.command({"ZINCRBY", "zset:" + std::to_string(i % 5), "0.25", "m" + s});
      if (i % 9 == 0) c.command({"EXPIRE", "zset:" + std::to_string(i % 5), "100000"});
    }
    c.command({"DEL", "list:6"});
  }
  c.command({"SELECT", "0"});
}

}  // namespace

TEST(AofPersistence, AllTypesSurviveSigkillAndRewrite) {
  Datanode node("appendonly = true\nappendfsync = \"always\"");
  auto c = node.client();
  write_all_types(*c, 200);
  Dump before = dump(*c);
  ASSERT_GT(before.size(), 100u);
  EXPECT_EQ(info_field(*c, "aof_enabled"), "1");
  EXPECT_EQ(info_field(*c, "aof_last_write_status"), "ok");

  node.restart();  // SIGKILL
  c = node.client();
  EXPECT_EQ(dump(*c), before);

  // The rewritten file rebuilds the same data set.
  int64_t size_before = file_size(node.dir.file("appendonly.aof"));
  Reply r = c->command({"BGREWRITEAOF"});
  EXPECT_EQ(r.str, "Background append only file rewriting started");
  ASSERT_TRUE(rewrite_finished(*c, 0));
  EXPECT_LT(file_size(node.dir.file("appendonly.aof")), size_before);
  c->command({"SET", "after-rewrite", "1"});
  before = dump(*c);
  node.restart();
  c = node.client();
  EXPECT_EQ(dump(*c), before);
}

TEST(AofPersistence, AlwaysKeepsEveryAcknowledgedWrite) {
  Datanode node("appendonly = true\nappendfsync = \"always\"");
  std::atomic<int64_t> last_ack{0};
  std::atomic<bool> started{false};
  std::thread writer([&] {
    Client w(node.port);
    for (;;) {
      Reply r = w.command({"INCR", "counter"});
      if (r.type != Reply::Type::kInteger) return;  // the server is gone
      last_ack = r.integer;
      started = true;
    }
  });
  ASSERT_TRUE(harness::eventually([&] { return last_ack.load() > 200; }, std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  node.process.kill(SIGKILL);
  writer.join();
  int64_t acked = last_ack.load();
  node.process.wait(std::chrono::seconds(10));
  node.start();
  auto c = node.client();
  int64_t value = std::stoll(c->command({"GET", "counter"}).str);
  EXPECT_GE(value, acked);
  EXPECT_LE(value, acked + 1);  // at most the one in flight when the process died
}

TEST(AofPersistence, RewriteDuringConcurrentWritesLosesNothing) {
  Datanode node("appendonly = true\nappendfsync = \"always\"\nauto-aof-rewrite-percentage = 0");
  auto c = node.client();
  // A file much larger than its data: the same keys overwritten many times.
  std::string batch;
  for (int round = 0; round < 20; ++round)
    for (int i = 0; i < 2000; ++i) {
      std::string k = "k" + std::to_string(i), v = std::to_string(round);
      batch += "*3\r\n$3\r\nSET\r\n$" + std::to_string(k.size()) + "\r\n" + k + "\r\n$" +
               std::to_string(v.size()) + "\r\n" + v + "\r\n";
    }
  ASSERT_EQ(c->raw(batch).str, "OK");
  for (int i = 1; i < 40000; ++i) ASSERT_EQ(c->read().str, "OK");
  int64_t size_before = file_size(node.dir.file("appendonly.aof"));

  std::atomic<bool> stop{false};
  std::atomic<int64_t> acked{0};
  std::thread writer([&] {
    Client w(node.port);
    for (int64_t i = 1; !stop; ++i) {
      if (w.command({"SET", "w" + std::to_string(i), std::to_string(i)}).str != "OK") return;
      w.command({"RPUSH", "log", std::to_string(i)});
      acked = i;
    }
  });
  ASSERT_TRUE(harness::eventually([&] { return acked.load() > 50; }, std::chrono::seconds(10)));
  EXPECT_EQ(c->command({"BGREWRITEAOF"}).str, "Background append only file rewriting started");
  ASSERT_TRUE(rewrite_finished(*c, 0));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // writes after the switch too
  stop = true;
  writer.join();
  EXPECT_EQ(info_field(*c, "aof_last_bgrewrite_status"), "ok");
  EXPECT_LT(file_size(node.dir.file("appendonly.aof")), size_before / 2);
  Dump before = dump(*c, 1);
  node.restart();
  c = node.client();
  Dump after = dump(*c, 1);
  EXPECT_EQ(after.size(), before.size());
  EXPECT_TRUE(after == before);
  EXPECT_EQ(c->command({"LLEN", "log"}).integer, acked.load());
  EXPECT_EQ(c->command({"GET", "w" + std::to_string(acked.load())}).str, std::to_string(acked.load()));
}

TEST(AofPersistence, SecondBgrewriteaofIsRefusedWhileOneRuns) {
  Datanode node("appendonly = true");
  auto c = node.client();
  std::string big(1000, 'x');
  for (int i = 0; i < 100; ++i) {
    std::vector<std::string> cmd = {"MSET"};
    for (int j = 0; j < 100; ++j) {
      cmd.push_back("key:" + std::to_string(i * 100 + j));
      cmd.push_back(big);
    }
    ASSERT_EQ(c->command(cmd).str, "OK");
  }
  // Both in one packet: the child of the first cannot be done when the second is read.
  Reply first = c->raw("*1\r\n$12\r\nBGREWRITEAOF\r\n*1\r\n$12\r\nBGREWRITEAOF\r\n");
  Reply second = c->read();
  EXPECT_EQ(first.str, "Background append only file rewriting started");
  EXPECT_EQ(second.str, "ERR Background append only file rewriting already in progress");
  ASSERT_TRUE(rewrite_finished(*c, 0));
}

TEST(AofPersistence, AutomaticRewriteOnGrowth) {
  Datanode node(
      "appendonly = true\nauto-aof-rewrite-percentage = 100\nauto-aof-rewrite-min-size = 65536\n"
      "appendfsync = \"no\"");
  auto c = node.client();
  EXPECT_EQ(info_field(*c, "aof_rewrites"), "0");
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(c->command({"SET", "same", std::string(100, 'a' + i % 26)}).str, "OK");
  ASSERT_TRUE(rewrite_finished(*c, 0));
  // Rewrites trigger during the loop; the writes made while one runs land in the new base, so the file
  // may end anywhere below twice that base. Without any rewrite it would hold all 393 KB of SETs.
  int64_t size = std::stoll("0" + info_field(*c, "aof_current_size"));
  EXPECT_LT(size, 300000);
  EXPECT_LE(std::stoll("0" + info_field(*c, "aof_base_size")), size);
  std::string expected = c->command({"GET", "same"}).str;
  node.restart();
  c = node.client();
  EXPECT_EQ(c->command({"GET", "same"}).str, expected);
}

TEST(AofPersistence, ConfigSetAppendonlyAtRuntime) {
  Datanode node("appendonly = false");
  auto c = node.client();
  for (int i = 0; i < 100; ++i) c->command({"RPUSH", "before", std::to_string(i)});
  EXPECT_EQ(info_field(*c, "aof_enabled"), "0");
  ASSERT_EQ(c->command({"CONFIG", "SET", "appendonly", "yes"}).str, "OK");
  EXPECT_EQ(info_field(*c, "aof_enabled"), "1");
  ASSERT_TRUE(rewrite_finished(*c, 0));
  c->command({"SET", "during", "1"});
  EXPECT_GT(file_size(node.dir.file("appendonly.aof")), 0);
  // Turned off: later writes are not appended.
  ASSERT_EQ(c->command({"CONFIG", "SET", "appendonly", "no"}).str, "OK");
  EXPECT_EQ(info_field(*c, "aof_enabled"), "0");
  c->command({"SET", "after-off", "1"});

  std::string conf = node.dir.read("datanode.toml");
  conf.replace(conf.find("appendonly = false"), 18, "appendonly = true");
  node.dir.write("datanode.toml", conf);
  node.restart();
  c = node.client();
  EXPECT_EQ(c->command({"LLEN", "before"}).integer, 100);
  EXPECT_EQ(c->command({"GET", "during"}).str, "1");
  EXPECT_TRUE(c->command({"GET", "after-off"}).is_nil());
}

TEST(AofPersistence, BackupCopyRestoresIntoFreshDirectory) {
  Datanode node("appendonly = true");
  auto c = node.client();
  write_all_types(*c, 50);
  Dump before = dump(*c);
  c->command({"BGREWRITEAOF"});
  ASSERT_TRUE(rewrite_finished(*c, 0));
  c->command({"SET", "tail", "after the rewrite"});
  before = dump(*c);
  // A copy taken while the server runs (Redis' advice: copy the file, it is only appended to).
  std::string backup = node.dir.read("appendonly.aof");

  Datanode fresh("appendonly = true");
  fresh.process.kill(SIGKILL);
  fresh.process.wait(std::chrono::seconds(10));
  fresh.dir.write("appendonly.aof", backup);
  fresh.start();
  auto f = fresh.client();
  EXPECT_EQ(dump(*f), before);
}

TEST(AofPersistence, InfoPersistenceFields) {
  Datanode node("appendonly = true");
  auto c = node.client();
  std::string info = c->command({"INFO", "persistence"}).str;
  for (const char* f :
       {"loading:0", "async_loading:0", "current_cow_peak:", "rdb_changes_since_last_save:", "rdb_bgsave_in_progress:0",
        "rdb_last_save_time:", "rdb_last_bgsave_status:ok", "rdb_last_bgsave_time_sec:-1",
        "rdb_current_bgsave_time_sec:-1", "rdb_saves:", "aof_enabled:1", "aof_rewrite_in_progress:0",
        "aof_rewrite_scheduled:0", "aof_last_rewrite_time_sec:-1", "aof_current_rewrite_time_sec:-1",
        "aof_last_bgrewrite_status:ok", "aof_rewrites:0", "aof_last_write_status:ok", "aof_last_cow_size:",
        "aof_current_size:", "aof_base_size:", "aof_pending_rewrite:0", "aof_buffer_length:",
        "aof_pending_bio_fsync:", "aof_delayed_fsync:0"})
    EXPECT_NE(info.find(f), std::string::npos) << f << "\n" << info;
}

TEST(AofPersistence, KeysThatExpiredWhileDownStayExpired) {
  Datanode node("appendonly = true\nappendfsync = \"always\"");
  auto c = node.client();
  // The rate-limiter pattern: the INCR after the TTL was set must not resurrect the key on load.
  ASSERT_EQ(c->command({"SET", "limit", "1", "PX", "400"}).str, "OK");
  EXPECT_EQ(c->command({"INCR", "limit"}).integer, 2);
  c->command({"HSET", "h", "f", "1"});
  c->command({"PEXPIRE", "h", "400"});
  c->command({"HINCRBY", "h", "f", "1"});
  c->command({"SET", "stays", "1"});
  node.process.kill(SIGKILL);
  node.process.wait(std::chrono::seconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  node.start();
  c = node.client();
  EXPECT_TRUE(c->command({"GET", "limit"}).is_nil());
  EXPECT_EQ(c->command({"EXISTS", "h"}).integer, 0);
  EXPECT_EQ(c->command({"GET", "stays"}).str, "1");
  EXPECT_EQ(c->command({"DBSIZE"}).integer, 1);
}

TEST(AofPersistence, TransactionsReplayAndAnUnfinishedOneIsDropped) {
  Datanode node("appendonly = true\nappendfsync = \"always\"");
  auto c = node.client();
  ASSERT_EQ(c->command({"MULTI"}).str, "OK");
  c->command({"SET", "a", "1"});
  c->command({"INCR", "n"});
  c->command({"RPUSH", "l", "x"});
  Reply r = c->command({"EXEC"});
  ASSERT_EQ(r.elements.size(), 3u);
  node.process.kill(SIGKILL);
  node.process.wait(std::chrono::seconds(10));
  std::string good = node.dir.read("appendonly.aof");
  // A crash between MULTI and EXEC being written: the transaction never happened.
  node.dir.write("appendonly.aof", good + "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n");
  node.start();
  c = node.client();
  ASSERT_TRUE(c->connected()) << node.process.log();
  EXPECT_EQ(c->command({"GET", "a"}).str, "1");
  EXPECT_EQ(c->command({"GET", "n"}).str, "1");
  EXPECT_EQ(c->command({"LLEN", "l"}).integer, 1);
  EXPECT_TRUE(c->command({"GET", "b"}).is_nil());
  EXPECT_EQ(node.dir.read("appendonly.aof"), good);
}
