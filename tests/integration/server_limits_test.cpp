// Limits and robustness over real sockets: query buffer limit, output buffer limits for normal clients,
// maxclients at start, and random commands / random bytes that must never bring the server down.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <random>

#include "harness.h"

using harness::Client;
using harness::Datanode;
using harness::Reply;

TEST(ServerLimits, QueryBufferLimitClosesClient) {
  Datanode node("client-query-buffer-limit = \"1mb\"");
  Client c(node.port);
  std::string partial = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5000000\r\n" + std::string(1200 * 1024, 'x');
  Reply r = c.raw(partial);
  EXPECT_TRUE(r.is_error());
  EXPECT_EQ(Client(node.port).command({"PING"}).str, "PONG");
  EXPECT_NE(node.process.log().find("Closing client that reached max query buffer length"), std::string::npos);
}

TEST(ServerLimits, NormalClientOutputLimit) {
  Datanode node("client-output-buffer-limit-normal = \"1mb 0 0\"");
  Client c(node.port);
  ASSERT_EQ(c.command({"SET", "big", std::string(3 * 1024 * 1024, 'v')}).str, "OK");
  EXPECT_TRUE(c.command({"GET", "big"}).is_error());
  Client d(node.port);
  EXPECT_EQ(d.command({"STRLEN", "big"}).integer, 3 * 1024 * 1024);
  // CONFIG SET of the Redis-style combined option lifts it.
  EXPECT_EQ(d.command({"CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0"}).str, "OK");
  EXPECT_EQ(d.command({"GET", "big"}).str.size(), 3u * 1024 * 1024);
  Reply all = d.command({"CONFIG", "GET", "client-output-buffer-limit"});
  ASSERT_EQ(all.elements.size(), 2u);
  EXPECT_EQ(all.elements[1].str.rfind("normal 0 0 0 slave ", 0), 0u) << all.elements[1].str;
}

TEST(ServerLimits, MaxclientsFromConfig) {
  Datanode node("maxclients = 1");
  // The harness' readiness probe may still hold the only slot for a moment.
  std::unique_ptr<Client> a;
  ASSERT_TRUE(harness::eventually(
      [&] {
        a = std::make_unique<Client>(node.port);
        return a->command({"PING"}).str == "PONG";
      },
      std::chrono::seconds(5)));
  Client b(node.port);
  EXPECT_EQ(b.command({"PING"}).str, "ERR max number of clients reached");
  EXPECT_EQ(a->command({"INFO", "stats"}).str.find("rejected_connections:0\r\n"), std::string::npos);
}

TEST(ServerLimits, RandomCommandsNeverCrash) {
  Datanode node;
  Client c(node.port);
  Reply list = c.command({"COMMAND", "LIST"});
  ASSERT_FALSE(list.elements.empty());
  // Commands that would stop the server, block forever, change its role or its config are left out.
  const std::vector<std::string> skip = {"shutdown", "debug",   "monitor", "subscribe", "psubscribe", "quit",
                                         "client",   "config",  "replicaof", "slaveof", "sync",       "psync",
                                         "wait",     "failover", "blpop",  "brpop",     "blmove",     "brpoplpush",
                                         "bzpopmin", "bzpopmax", "blmpop", "bzmpop",    "replconf",   "bgrewriteaof",
                                         "waitaof",  "reset",   "hello",   "auth"};
  std::vector<std::string> names;
  for (const Reply& r : list.elements)
    if (std::find(skip.begin(), skip.end(), r.str) == skip.end()) names.push_back(r.str);
  const std::vector<std::string> pool = {"",     "0",     "-1",   "1",       "k",          "k2",   "abc",   "nx",
                                         "xx",   "ex",    "px",   "10",      "-10",        "inf",  "+inf",  "-inf",
                                         "(1",   "[a",    "(a",   "1.5",     "nan",        "withscores", "limit",
                                         "count", "by",   "store", "match",  "type",       "get",  "keepttl",
                                         "9223372036854775807", "-9223372036854775808", "99999999999999999999",
                                         std::string("\0\xff\r\n", 4), std::string(300, 'z'), "*", "before", "after",
                                         "left", "right", "ch", "incr", "gt", "lt", "rank", "maxlen", "idle"};
  std::mt19937 rng(12345);
  redisContext* ctx = c.context();
  int sent = 0;
  for (int batch = 0; batch < 40; ++batch) {
    int in_batch = 0;
    for (int i = 0; i < 250; ++i) {
      std::vector<std::string> argv = {names[rng() % names.size()]};
      int extra = static_cast<int>(rng() % 7);
      for (int j = 0; j < extra; ++j) argv.push_back(pool[rng() % pool.size()]);
      if (rng() % 10 == 0) argv[0] = "SELECT";
      std::vector<const char*> ptrs;
      std::vector<size_t> lens;
      for (const std::string& a : argv) {
        ptrs.push_back(a.data());
        lens.push_back(a.size());
      }
      redisAppendCommandArgv(ctx, static_cast<int>(argv.size()), ptrs.data(), lens.data());
      ++in_batch;
    }
    for (int i = 0; i < in_batch; ++i) {
      void* reply = nullptr;
      ASSERT_EQ(redisGetReply(ctx, &reply), REDIS_OK) << "after " << sent << " commands: " << ctx->errstr;
      freeReplyObject(reply);
      ++sent;
    }
  }
  Client check(node.port);
  EXPECT_EQ(check.command({"PING"}).str, "PONG");
  EXPECT_TRUE(node.process.running());
}

TEST(ServerLimits, RandomBytesNeverCrash) {
  Datanode node;
  std::mt19937 rng(777);
  for (int round = 0; round < 60; ++round) {
    Client c(node.port);
    std::string junk;
    size_t n = rng() % 300;
    const char alphabet[] = "*$\r\n0123456789-+:abcSETGET \"'\\x";
    for (size_t i = 0; i < n; ++i)
      junk.push_back(rng() % 3 == 0 ? static_cast<char>(rng()) : alphabet[rng() % (sizeof alphabet - 1)]);
    c.set_timeout(std::chrono::milliseconds(100));
    c.raw(junk + "\r\n");
  }
  EXPECT_EQ(Client(node.port).command({"PING"}).str, "PONG");
  EXPECT_TRUE(node.process.running());
}
