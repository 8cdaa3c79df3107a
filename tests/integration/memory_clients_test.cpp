// Query buffers: client-query-buffer-limit per client, and maxmemory-clients over all clients (the
// largest closed first, CLIENT NO-EVICT exempt), with Redis' error texts for the setting.
#include <gtest/gtest.h>

#include <chrono>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

namespace {

using harness::Client;
using harness::Datanode;
using namespace std::chrono_literals;

// The start of a SET whose value never finishes: the server must keep the bytes until it does.
std::string unfinished_set(size_t sent) {
  return "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$8000000\r\n" + std::string(sent, 'x');
}

int64_t stat(Client& c, const std::string& section, const std::string& field) {
  return std::stoll(harness::info_field(c, section, field));
}

TEST(MemoryClients, SettingTextsMatchRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  auto diffs = reference::differences(redis.port, node.port,
                                      {{"CONFIG", "SET", "maxmemory-clients", "100%"},
                                       {"CONFIG", "GET", "maxmemory-clients"},
                                       {"CONFIG", "SET", "maxmemory-clients", "200%"},
                                       {"CONFIG", "SET", "maxmemory-clients", "%"},
                                       {"CONFIG", "SET", "maxmemory-clients", "2gb"},
                                       {"CONFIG", "GET", "maxmemory-clients"},
                                       {"CONFIG", "SET", "client-query-buffer-limit", "1kb"},
                                       {"CONFIG", "SET", "client-query-buffer-limit", "1mb"},
                                       {"CONFIG", "GET", "client-query-buffer-limit"},
                                       {"CLIENT", "NO-EVICT", "maybe"},
                                       {"CLIENT", "NO-EVICT", "on"},
                                       {"CLIENT", "NO-EVICT", "off"}});
  for (const auto& d : diffs) ADD_FAILURE() << d;
}

TEST(MemoryClients, PerClientQueryBufferLimit) {
  Datanode node("client-query-buffer-limit = \"1mb\"\n");
  auto c = node.client();
  rawresp::Conn big(node.port, 1000);
  big.send_bytes(unfinished_set(2 * 1024 * 1024));
  EXPECT_TRUE(harness::eventually(
      [&] { return stat(*c, "stats", "client_query_buffer_limit_disconnections") == 1; }, 5s));
  EXPECT_TRUE(harness::eventually([&] { return stat(*c, "clients", "connected_clients") == 1; }, 5s));
}

TEST(MemoryClients, MaxmemoryClientsClosesTheLargestClientButNotNoEvict) {
  Datanode node("maxmemory-clients = \"4mb\"\n");
  auto c = node.client();
  // An exempt client may hold more than the whole cap.
  rawresp::Conn exempt(node.port, 2000);
  ASSERT_EQ(exempt.command({"CLIENT", "NO-EVICT", "on"}), "+OK\r\n");
  exempt.send_bytes(unfinished_set(5 * 1024 * 1024));
  // Two ordinary clients: the larger one goes once the total passes the cap.
  rawresp::Conn small(node.port, 2000);
  small.send_bytes(unfinished_set(100 * 1024));
  rawresp::Conn large(node.port, 2000);
  large.send_bytes(unfinished_set(6 * 1024 * 1024));
  EXPECT_TRUE(harness::eventually([&] { return stat(*c, "stats", "evicted_clients") >= 1; }, 5s));
  EXPECT_EQ(stat(*c, "clients", "connected_clients"), 3);  // c, exempt and small remain
  // The exempt client finishes its request and is answered.
  exempt.send_bytes(std::string(8000000 - 5 * 1024 * 1024, 'x') + "\r\n");
  EXPECT_EQ(exempt.read_reply(), "+OK\r\n");
  EXPECT_EQ(c->command({"STRLEN", "k"}).integer, 8000000);
}

}  // namespace
