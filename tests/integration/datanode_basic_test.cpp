// The datanode binary over real sockets: basic commands, protocol errors and the close that follows,
// redis-cli compatibility, config errors at start.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "harness.h"
#include "raw_resp.h"

using harness::Client;
using harness::Datanode;
using harness::Reply;

TEST(DatanodeBasic, PingEchoSetGetDel) {
  Datanode node;
  Client c(node.port);
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.command({"PING"}).str, "PONG");
  EXPECT_EQ(c.command({"PING", "hi"}).str, "hi");
  EXPECT_EQ(c.command({"ECHO", std::string("a\0b", 3)}).str, std::string("a\0b", 3));
  EXPECT_EQ(c.command({"SET", "k", "v"}).str, "OK");
  EXPECT_EQ(c.command({"GET", "k"}).str, "v");
  EXPECT_EQ(c.command({"DEL", "k", "nokey"}).integer, 1);
  EXPECT_TRUE(c.command({"GET", "k"}).is_nil());
}

TEST(DatanodeBasic, RedisErrorTexts) {
  Datanode node;
  Client c(node.port);
  EXPECT_EQ(c.command({"FOO", "a", "b"}).str,
            "ERR unknown command 'FOO', with args beginning with: 'a' 'b' ");
  EXPECT_EQ(c.command({"GET"}).str, "ERR wrong number of arguments for 'get' command");
}

TEST(DatanodeBasic, ProtocolErrorClosesConnection) {
  Datanode node;
  Client c(node.port);
  Reply r = c.raw("*1\r\n$abc\r\n");
  EXPECT_EQ(r.str, "ERR Protocol error: invalid bulk length");
  Reply after = c.command({"PING"});
  EXPECT_TRUE(after.is_error());
  EXPECT_EQ(after.str.rfind("IO", 0), 0u) << after.str;
  // The server itself is fine.
  Client c2(node.port);
  EXPECT_EQ(c2.command({"PING"}).str, "PONG");
}

TEST(DatanodeBasic, InlineCommandsLikeTelnet) {
  Datanode node;
  Client c(node.port);
  Reply r = c.raw("SET greeting \"hello world\"\r\n");
  EXPECT_EQ(r.str, "OK");
  EXPECT_EQ(c.raw("GET greeting\r\n").str, "hello world");
}

TEST(DatanodeBasic, PipelinedRequests) {
  Datanode node;
  Client c(node.port);
  std::string batch;
  for (int i = 0; i < 1000; ++i)
    batch += "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(std::to_string(i).size()) + "\r\n" +
             std::to_string(i) + "\r\n";
  batch += "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  Reply first = c.raw(batch);
  EXPECT_EQ(first.str, "OK");
  for (int i = 1; i < 1000; ++i) ASSERT_EQ(c.read().str, "OK");
  EXPECT_EQ(c.read().str, "999");
}

TEST(DatanodeBasic, RedisCliWorks) {
  if (!harness::have_program("redis-cli"))
    GTEST_SKIP() << "redis-cli not installed (apt-get install redis-tools)";
  Datanode node;
  std::string port = std::to_string(node.port);
  EXPECT_EQ(harness::run("redis-cli -p " + port + " ping"), "PONG\n");
  EXPECT_EQ(harness::run("redis-cli -p " + port + " set name tom"), "OK\n");
  EXPECT_EQ(harness::run("redis-cli -p " + port + " get name"), "tom\n");
}

TEST(DatanodeBasic, ShutdownStopsTheProcess) {
  Datanode node;
  Client c(node.port);
  c.command({"SHUTDOWN", "NOSAVE"});
  EXPECT_EQ(node.process.wait(std::chrono::seconds(10)), 0);
}

TEST(DatanodeBasic, SigtermStopsTheProcess) {
  Datanode node;
  node.process.kill(SIGTERM);
  EXPECT_EQ(node.process.wait(std::chrono::seconds(10)), 0);
}

// A long command does not hold SIGTERM off (Redis waits for it; a supervisor then SIGKILLs): the node
// exits within about a second, and every write it acknowledged is there after a restart.
TEST(DatanodeBasic, SigtermDuringALongCommandStopsTheProcessWithoutLosingWrites) {
  Datanode node("appendonly = true\nappendfsync = \"everysec\"");
  {
    Client c(node.port);
    for (int i = 0; i < 100; ++i) ASSERT_EQ(c.command({"SET", "k" + std::to_string(i), "v"}).str, "OK");
  }
  rawresp::Conn sleeper(node.port);
  sleeper.send({"DEBUG", "SLEEP", "30"});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  node.process.kill(SIGTERM);
  EXPECT_NE(node.process.wait(std::chrono::seconds(10)), -1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(node.process.log().find("exiting without waiting for it"), std::string::npos) << node.process.log();
  node.start();
  Client c(node.port);
  EXPECT_EQ(c.command({"DBSIZE"}).integer, 100);
}

TEST(DatanodeBasic, ConfigErrorsNameFileKeyAndExpectation) {
  harness::TempDir dir;
  dir.write("bad.toml", "port = \"abc\"\n");
  harness::Process p(DATANODE_BIN, {"--config", dir.file("bad.toml")}, dir.file("out.log"));
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 1);
  std::string log = p.log();
  EXPECT_NE(log.find(dir.file("bad.toml")), std::string::npos) << log;
  EXPECT_NE(log.find("key 'port'"), std::string::npos) << log;
  EXPECT_NE(log.find("expected an integer between 0 and 65535"), std::string::npos) << log;

  dir.write("unknown.toml", "prot = 6379\n");
  harness::Process q(DATANODE_BIN, {"--config", dir.file("unknown.toml")}, dir.file("out2.log"));
  EXPECT_EQ(q.wait(std::chrono::seconds(10)), 1);
  EXPECT_NE(q.log().find("unknown key 'prot'"), std::string::npos) << q.log();
}

TEST(DatanodeBasic, CommandLineOverridesPort) {
  harness::TempDir dir;
  int port = harness::free_port();
  dir.write("d.toml", "port = 1\n");
  harness::Process p(DATANODE_BIN, {"--config", dir.file("d.toml"), "--port", std::to_string(port)},
                     dir.file("out.log"));
  ASSERT_TRUE(harness::wait_for_port(port, std::chrono::seconds(10))) << p.log();
  Client c(port);
  EXPECT_EQ(c.command({"PING"}).str, "PONG");
}

TEST(SentinelBasic, AnswersPing) {
  harness::TempDir dir;
  int port = harness::free_port();
  dir.write("s.toml", "");  // a sentinel needs a writable config file
  harness::Process p(SENTINEL_BIN,
                     {"--config", dir.file("s.toml"), "--port", std::to_string(port), "--bind", "127.0.0.1"},
                     dir.file("s.log"));
  ASSERT_TRUE(harness::wait_for_port(port, std::chrono::seconds(10))) << p.log();
  Client c(port);
  EXPECT_EQ(c.command({"PING"}).str, "PONG");
}
