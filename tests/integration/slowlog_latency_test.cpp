// SLOWLOG and LATENCY: what is recorded, trimmed and reset, with the reply texts and shapes of Redis
// 7.0.15 (compared side by side where the reply does not hold timings).
#include <gtest/gtest.h>

#include <algorithm>

#include "harness.h"
#include "reference_redis.h"

using harness::Client;
using harness::Datanode;
using harness::Reply;
using reference::differences;

TEST(SurfaceSlowlog, ErrorsAndHelpMatchRedis) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server not installed";
  reference::RealRedis redis;
  ASSERT_TRUE(redis.available);
  Datanode node;
  for (const std::string& d : differences(redis.port, node.port,
                                          {{"CONFIG", "SET", "slowlog-log-slower-than", "-1"},
                                           {"SLOWLOG", "RESET"},
                                           {"SLOWLOG", "LEN"},
                                           {"SLOWLOG", "GET"},
                                           {"SLOWLOG", "GET", "-1"},
                                           {"SLOWLOG", "GET", "-2"},
                                           {"SLOWLOG", "GET", "abc"},
                                           {"SLOWLOG", "GET", "1", "2"},
                                           {"SLOWLOG", "LEN", "x"},
                                           {"SLOWLOG", "RESET", "x"},
                                           {"SLOWLOG", "FOO"},
                                           {"SLOWLOG", "HELP"},
                                           {"SLOWLOG", "HELP", "x"},
                                           {"SLOWLOG"},
                                           {"CONFIG", "GET", "slowlog-max-len"},
                                           {"CONFIG", "GET", "slowlog-log-slower-than"},
                                           {"CONFIG", "SET", "slowlog-log-slower-than", "-2"},
                                           {"CONFIG", "SET", "slowlog-max-len", "-1"},
                                           {"CONFIG", "GET", "latency-monitor-threshold"},
                                           {"CONFIG", "SET", "latency-monitor-threshold", "-1"}}))
    ADD_FAILURE() << d;
}

TEST(SurfaceSlowlog, RecordsTrimsAndResets) {
  Datanode node;
  Client c(node.port);
  EXPECT_EQ(c.command({"CONFIG", "SET", "slowlog-log-slower-than", "0"}).str, "OK");
  EXPECT_EQ(c.command({"SLOWLOG", "RESET"}).str, "OK");
  c.command({"CLIENT", "SETNAME", "tester"});
  std::vector<std::string> big = {"RPUSH", "l"};
  for (int i = 0; i < 40; ++i) big.push_back(std::to_string(i));
  big[5] = std::string(200, 'x');
  c.command(big);
  c.command({"AUTH", "secret"});
  c.command({"MULTI"});
  c.command({"SET", "a", "1"});
  c.command({"EXEC"});
  Reply log = c.command({"SLOWLOG", "GET", "-1"});
  ASSERT_EQ(log.type, Reply::Type::kArray);
  // Newest first: SET (inside EXEC, which itself is not logged), AUTH, RPUSH, CLIENT SETNAME, RESET.
  ASSERT_GE(log.elements.size(), 4u);
  const Reply& set = log.elements[0];
  ASSERT_EQ(set.elements.size(), 6u);
  EXPECT_EQ(set.elements[3].elements[0].str, "SET");
  EXPECT_GE(set.elements[2].integer, 0);
  EXPECT_EQ(set.elements[5].str, "tester");
  EXPECT_NE(set.elements[4].str.find("127.0.0.1:"), std::string::npos);
  // The queued MULTI's own entry sits below the transaction's commands.
  const Reply* auth = nullptr;
  const Reply* rpush = nullptr;
  for (const Reply& e : log.elements) {
    if (e.elements[3].elements[0].str == "AUTH") auth = &e;
    if (e.elements[3].elements[0].str == "RPUSH") rpush = &e;
  }
  ASSERT_NE(auth, nullptr);
  EXPECT_EQ(auth->elements[3].elements[1].str, "(redacted)");
  ASSERT_NE(rpush, nullptr);
  const auto& argv = rpush->elements[3].elements;
  ASSERT_EQ(argv.size(), 32u);
  EXPECT_EQ(argv[31].str, "... (11 more arguments)");
  EXPECT_EQ(argv[5].str, std::string(128, 'x') + "... (72 more bytes)");
  for (const Reply& e : log.elements) EXPECT_NE(e.elements[3].elements[0].str, "EXEC");
  EXPECT_GT(log.elements[0].elements[0].integer, log.elements[1].elements[0].integer);

  EXPECT_EQ(c.command({"SLOWLOG", "GET", "2"}).elements.size(), 2u);
  EXPECT_EQ(c.command({"SLOWLOG", "GET", "0"}).elements.size(), 0u);
  EXPECT_EQ(c.command({"CONFIG", "SET", "slowlog-max-len", "3"}).str, "OK");
  c.command({"PING"});
  EXPECT_EQ(c.command({"SLOWLOG", "LEN"}).integer, 3);
  EXPECT_EQ(c.command({"CONFIG", "SET", "slowlog-log-slower-than", "-1"}).str, "OK");
  EXPECT_EQ(c.command({"SLOWLOG", "RESET"}).str, "OK");
  c.command({"PING"});
  EXPECT_EQ(c.command({"SLOWLOG", "LEN"}).integer, 0);
  // A threshold above what a command takes keeps the log empty.
  EXPECT_EQ(c.command({"CONFIG", "SET", "slowlog-log-slower-than", "1000000"}).str, "OK");
  c.command({"PING"});
  EXPECT_EQ(c.command({"SLOWLOG", "LEN"}).integer, 0);
  c.command({"DEBUG", "SLEEP", "1.1"});
  EXPECT_EQ(c.command({"SLOWLOG", "LEN"}).integer, 1);
}

TEST(SurfaceLatency, ErrorsAndEmptyRepliesMatchRedis) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server not installed";
  reference::RealRedis redis;
  ASSERT_TRUE(redis.available);
  Datanode node;
  for (const std::string& d : differences(redis.port, node.port,
                                          {{"LATENCY", "RESET"},
                                           {"LATENCY", "LATEST"},
                                           {"LATENCY", "HISTORY", "command"},
                                           {"LATENCY", "GRAPH", "command"},
                                           {"LATENCY", "DOCTOR"},
                                           {"LATENCY", "HELP"},
                                           {"LATENCY", "FOO"},
                                           {"LATENCY", "HISTORY"},
                                           {"LATENCY", "LATEST", "x"},
                                           {"LATENCY", "HELP", "x"},
                                           {"LATENCY"},
                                           {"LATENCY", "HISTOGRAM", "nosuchcommand"},
                                           {"CONFIG", "SET", "latency-monitor-threshold", "100"},
                                           {"LATENCY", "DOCTOR"},
                                           {"LATENCY", "RESET", "command", "fast-command"}}))
    ADD_FAILURE() << d;
}

TEST(SurfaceLatency, EventsAndHistograms) {
  Datanode node;
  Client c(node.port);
  EXPECT_EQ(c.command({"CONFIG", "SET", "latency-monitor-threshold", "50"}).str, "OK");
  c.command({"DEBUG", "SLEEP", "0.1"});
  Reply latest = c.command({"LATENCY", "LATEST"});
  ASSERT_EQ(latest.elements.size(), 1u);
  EXPECT_EQ(latest.elements[0].elements[0].str, "command");
  EXPECT_GE(latest.elements[0].elements[2].integer, 100);
  EXPECT_GE(latest.elements[0].elements[3].integer, 100);
  Reply history = c.command({"LATENCY", "HISTORY", "command"});
  ASSERT_EQ(history.elements.size(), 1u);
  EXPECT_GE(history.elements[0].elements[1].integer, 100);
  Reply graph = c.command({"LATENCY", "GRAPH", "command"});
  EXPECT_EQ(graph.str.rfind("command - high ", 0), 0u) << graph.str;
  Reply doctor = c.command({"LATENCY", "DOCTOR"});
  EXPECT_NE(doctor.str.find("1. command: 1 latency spikes"), std::string::npos) << doctor.str;
  EXPECT_EQ(c.command({"LATENCY", "RESET"}).integer, 1);
  EXPECT_EQ(c.command({"LATENCY", "LATEST"}).elements.size(), 0u);

  c.command({"SET", "k", "v"});
  c.command({"SET", "k", "v"});
  c.command({"CONFIG", "GET", "maxmemory"});
  Reply h = c.command({"LATENCY", "HISTOGRAM", "set", "config"});
  // RESP2 map: name, {calls, n, histogram_usec, {bucket, cumulative ...}} per command; "config" stands
  // for each of its subcommands used so far (config|set above, config|get).
  ASSERT_EQ(h.elements.size(), 6u) << h.str;
  EXPECT_EQ(h.elements[0].str, "set");
  std::vector<std::string> names = {h.elements[2].str, h.elements[4].str};
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"config|get", "config|set"}));
  ASSERT_EQ(h.elements[1].elements.size(), 4u);
  EXPECT_EQ(h.elements[1].elements[0].str, "calls");
  EXPECT_EQ(h.elements[1].elements[1].integer, 2);
  EXPECT_EQ(h.elements[1].elements[2].str, "histogram_usec");
  const auto& buckets = h.elements[1].elements[3].elements;
  ASSERT_GE(buckets.size(), 2u);
  EXPECT_EQ(buckets.back().integer, 2);  // cumulative
  EXPECT_EQ(c.command({"CONFIG", "RESETSTAT"}).str, "OK");
  EXPECT_EQ(c.command({"LATENCY", "HISTOGRAM", "set"}).elements.size(), 0u);
}
