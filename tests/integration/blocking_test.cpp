// Blocking list commands over real sockets: wake-ups by pushes from other clients, FIFO order among
// waiters, timeouts, pipelined requests behind a blocked one, disconnects while blocked, MULTI.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "harness.h"
#include "raw_resp.h"

using harness::Client;
using harness::Datanode;
using std::chrono::milliseconds;

namespace {

// How many clients CLIENT LIST shows as blocked.
int blocked_clients(Client& c) {
  std::string list = c.command({"CLIENT", "LIST"}).str;
  int n = 0;
  for (size_t pos = 0; (pos = list.find("flags=b", pos)) != std::string::npos; ++pos) ++n;
  return n;
}

bool wait_blocked(Client& c, int n) {
  return harness::eventually([&] { return blocked_clients(c) == n; }, milliseconds(5000));
}

std::string kv(const std::string& key, const std::string& value) {
  return "*2\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$" + std::to_string(value.size()) +
         "\r\n" + value + "\r\n";
}

}  // namespace

TEST(Blocking, BlpopWokenByLpushFromAnotherClient) {
  Datanode node;
  rawresp::Conn waiter(node.port);
  Client pusher(node.port);
  waiter.send({"BLPOP", "k", "0"});
  ASSERT_TRUE(wait_blocked(pusher, 1));
  EXPECT_EQ(pusher.command({"LPUSH", "k", "a", "b", "c"}).integer, 3);
  // The whole push happens first, then the waiter pops the head.
  EXPECT_EQ(waiter.read_reply(), kv("k", "c"));
  EXPECT_EQ(pusher.command({"LRANGE", "k", "0", "-1"}).elements.size(), 2u);
  EXPECT_EQ(blocked_clients(pusher), 0);
}

TEST(Blocking, ServedFromTheFirstReadyKeyAndImmediately) {
  Datanode node;
  rawresp::Conn c(node.port);
  EXPECT_EQ(c.command({"RPUSH", "b", "1", "2"}), ":2\r\n");
  EXPECT_EQ(c.command({"BLPOP", "a", "b", "0"}), kv("b", "1"));
  EXPECT_EQ(c.command({"BRPOP", "a", "b", "0"}), kv("b", "2"));
  EXPECT_EQ(c.command({"EXISTS", "b"}), ":0\r\n");
  rawresp::Conn w(node.port);
  Client ctl(node.port);
  w.send({"BRPOP", "x", "y", "z", "0"});
  ASSERT_TRUE(wait_blocked(ctl, 1));
  ctl.command({"RPUSH", "z", "v1", "v2"});
  EXPECT_EQ(w.read_reply(), kv("z", "v2"));
}

TEST(Blocking, TimeoutsAnswerNullArray) {
  Datanode node;
  rawresp::Conn c(node.port);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c.command({"BLPOP", "k", "0.2"}), "*-1\r\n");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(150));
  EXPECT_LT(elapsed, milliseconds(3000));
  EXPECT_EQ(c.command({"BLMOVE", "k", "d", "LEFT", "RIGHT", "0.1"}), "*-1\r\n");
  EXPECT_EQ(c.command({"BRPOPLPUSH", "k", "d", "0.1"}), "*-1\r\n");
  EXPECT_EQ(c.command({"BLMPOP", "0.1", "1", "k", "LEFT"}), "*-1\r\n");
  EXPECT_EQ(c.command({"BLPOP", "k", "-1"}), "-ERR timeout is negative\r\n");
  EXPECT_EQ(c.command({"BLPOP", "k", "abc"}), "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(c.command({"PING"}), "+PONG\r\n");
}

TEST(Blocking, FifoAmongSeveralWaiters) {
  Datanode node;
  Client ctl(node.port);
  rawresp::Conn w1(node.port), w2(node.port), w3(node.port);
  w1.send({"BLPOP", "q", "0"});
  ASSERT_TRUE(wait_blocked(ctl, 1));
  w2.send({"BLPOP", "other", "q", "0"});
  ASSERT_TRUE(wait_blocked(ctl, 2));
  w3.send({"BRPOP", "q", "0"});
  ASSERT_TRUE(wait_blocked(ctl, 3));
  EXPECT_EQ(ctl.command({"RPUSH", "q", "a", "b"}).integer, 2);
  EXPECT_EQ(w1.read_reply(), kv("q", "a"));
  EXPECT_EQ(w2.read_reply(), kv("q", "b"));
  EXPECT_EQ(blocked_clients(ctl), 1);
  EXPECT_EQ(ctl.command({"EXISTS", "q"}).integer, 0);
  ctl.command({"RPUSH", "q", "c"});
  EXPECT_EQ(w3.read_reply(), kv("q", "c"));
}

TEST(Blocking, PipelinedRequestsRunAfterTheWakeUp) {
  Datanode node;
  Client ctl(node.port);
  rawresp::Conn w(node.port);
  w.send_bytes(rawresp::encode({"BLPOP", "k", "0"}) + rawresp::encode({"RPUSH", "after", "x"}) +
               rawresp::encode({"PING"}));
  ASSERT_TRUE(wait_blocked(ctl, 1));
  EXPECT_EQ(ctl.command({"EXISTS", "after"}).integer, 0);  // held back while blocked
  ctl.command({"RPUSH", "k", "v"});
  EXPECT_EQ(w.read_reply(), kv("k", "v"));
  EXPECT_EQ(w.read_reply(), ":1\r\n");
  EXPECT_EQ(w.read_reply(), "+PONG\r\n");
}

TEST(Blocking, DisconnectWhileBlockedLeavesNoWaiter) {
  Datanode node;
  Client ctl(node.port);
  {
    rawresp::Conn w(node.port);
    w.send({"BLPOP", "k", "0"});
    ASSERT_TRUE(wait_blocked(ctl, 1));
  }
  ASSERT_TRUE(wait_blocked(ctl, 0));
  EXPECT_EQ(ctl.command({"RPUSH", "k", "v"}).integer, 1);
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(ctl.command({"LLEN", "k"}).integer, 1);  // nobody took it
  rawresp::Conn w2(node.port);
  EXPECT_EQ(w2.command({"BLPOP", "k", "0"}), kv("k", "v"));
}

TEST(Blocking, BlmoveWakesAndChainsToTheNextWaiter) {
  Datanode node;
  Client ctl(node.port);
  rawresp::Conn mover(node.port), popper(node.port);
  mover.send({"BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"});
  ASSERT_TRUE(wait_blocked(ctl, 1));
  popper.send({"BLPOP", "dst", "0"});
  ASSERT_TRUE(wait_blocked(ctl, 2));
  ctl.command({"RPUSH", "src", "a", "b"});
  EXPECT_EQ(mover.read_reply(), "$1\r\nb\r\n");
  // The move pushed onto dst, which wakes the BLPOP there.
  EXPECT_EQ(popper.read_reply(), kv("dst", "b"));
  EXPECT_EQ(ctl.command({"LRANGE", "src", "0", "-1"}).elements.size(), 1u);
  EXPECT_EQ(ctl.command({"EXISTS", "dst"}).integer, 0);
  rawresp::Conn r(node.port);
  r.send({"BRPOPLPUSH", "src2", "dst2", "0"});
  ASSERT_TRUE(wait_blocked(ctl, 1));
  ctl.command({"LPUSH", "src2", "z"});
  EXPECT_EQ(r.read_reply(), "$1\r\nz\r\n");
  EXPECT_EQ(ctl.command({"LINDEX", "dst2", "0"}).str, "z");
}

TEST(Blocking, OtherTypesDoNotWakeWaiters) {
  Datanode node;
  Client ctl(node.port);
  rawresp::Conn w(node.port);
  w.send({"BLPOP", "k", "0"});
  ASSERT_TRUE(wait_blocked(ctl, 1));
  ctl.command({"SET", "k", "string"});
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(blocked_clients(ctl), 1);
  ctl.command({"DEL", "k"});
  ctl.command({"RPUSH", "k", "v"});
  EXPECT_EQ(w.read_reply(), kv("k", "v"));
}

TEST(Blocking, InsideMultiAnswersAtOnce) {
  Datanode node;
  rawresp::Conn c(node.port);
  EXPECT_EQ(c.command({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(c.command({"BLPOP", "k", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(c.command({"BLMOVE", "k", "d", "LEFT", "LEFT", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(c.command({"EXEC"}), "*2\r\n*-1\r\n$-1\r\n");
}

TEST(Blocking, BlmpopWokenWithCount) {
  Datanode node;
  Client ctl(node.port);
  rawresp::Conn w(node.port);
  w.send({"BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2"});
  ASSERT_TRUE(wait_blocked(ctl, 1));
  ctl.command({"RPUSH", "b", "1", "2", "3"});
  EXPECT_EQ(w.read_reply(), "*2\r\n$1\r\nb\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
}

TEST(Blocking, WokenPopsArePropagatedAsTheirNonBlockingForm) {
  Datanode node("appendonly = true\nappendfsync = \"always\"");
  Client ctl(node.port);
  rawresp::Conn popper(node.port), mover(node.port);
  popper.send({"BLPOP", "bk", "0"});
  ASSERT_TRUE(wait_blocked(ctl, 1));
  mover.send({"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"});
  ASSERT_TRUE(wait_blocked(ctl, 2));
  ctl.command({"RPUSH", "bk", "a", "b"});
  ctl.command({"RPUSH", "src", "x"});
  EXPECT_EQ(popper.read_reply(), kv("bk", "a"));
  EXPECT_EQ(mover.read_reply(), "$1\r\nx\r\n");
  // Served at once (not blocked): propagated the same way.
  EXPECT_EQ(popper.command({"BRPOP", "bk", "0"}), kv("bk", "b"));
  std::string aof;
  bool found = harness::eventually(
      [&] {
        aof = harness::run("cat $(find " + node.dir.path() +
                           " -name '*.aof*' ! -name '*manifest*') 2>/dev/null");
        return aof.find("RPOP") != std::string::npos;
      },
      milliseconds(5000));
  ASSERT_TRUE(found) << aof;
  EXPECT_NE(aof.find("*2\r\n$4\r\nLPOP\r\n$2\r\nbk\r\n"), std::string::npos) << aof;
  EXPECT_NE(aof.find("*5\r\n$5\r\nLMOVE\r\n$3\r\nsrc\r\n$3\r\ndst\r\n$4\r\nLEFT\r\n$5\r\nRIGHT\r\n"),
            std::string::npos)
      << aof;
  EXPECT_NE(aof.find("*2\r\n$4\r\nRPOP\r\n$2\r\nbk\r\n"), std::string::npos) << aof;
  EXPECT_EQ(aof.find("BLPOP"), std::string::npos) << aof;
  EXPECT_EQ(aof.find("BRPOP"), std::string::npos) << aof;
  EXPECT_EQ(aof.find("BLMOVE"), std::string::npos) << aof;
}

TEST(Blocking, ClientUnblock) {
  Datanode node;
  Client ctl(node.port);
  rawresp::Conn w(node.port);
  std::string id = w.command({"CLIENT", "ID"});
  ASSERT_EQ(id[0], ':');
  id = id.substr(1, id.size() - 3);
  w.send({"BLPOP", "k", "0"});
  ASSERT_TRUE(wait_blocked(ctl, 1));
  EXPECT_EQ(ctl.command({"CLIENT", "UNBLOCK", id}).integer, 1);
  EXPECT_EQ(w.read_reply(), "*-1\r\n");
  w.send({"BLPOP", "k", "0"});
  ASSERT_TRUE(wait_blocked(ctl, 1));
  EXPECT_EQ(ctl.command({"CLIENT", "UNBLOCK", id, "ERROR"}).integer, 1);
  EXPECT_EQ(w.read_reply(), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  EXPECT_EQ(ctl.command({"CLIENT", "UNBLOCK", id}).integer, 0);
  EXPECT_EQ(w.command({"PING"}), "+PONG\r\n");
}
