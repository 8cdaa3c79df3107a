// CLIENT PAUSE/UNPAUSE, CLIENT REPLY, and client-side caching (CLIENT TRACKING, CACHING, GETREDIR,
// TRACKINGINFO): scenarios over several connections, run on a real redis-server 7.0.15 and on the
// datanode, every reply and invalidation message compared byte for byte.
#include <gtest/gtest.h>

#include <memory>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

using harness::Datanode;

namespace {

struct Step {
  int conn;
  std::vector<std::string> cmd;  // empty: only read
  int replies;
};

std::string join(const std::vector<std::string>& cmd) {
  std::string line;
  for (const auto& a : cmd) line += a + " ";
  return line;
}

// Runs the steps on `port` over `conns` connections; "{id0}" in an argument is connection 0's id.
std::vector<std::string> run(int port, int conns, const std::vector<Step>& steps) {
  std::vector<std::unique_ptr<rawresp::Conn>> c;
  std::vector<std::string> ids;
  for (int i = 0; i < conns; ++i) {
    c.push_back(std::make_unique<rawresp::Conn>(port, 1000));
    std::string id = c.back()->command({"CLIENT", "ID"});
    ids.push_back(id.size() > 3 ? id.substr(1, id.size() - 3) : "");
  }
  std::vector<std::string> out;
  for (const Step& s : steps) {
    rawresp::Conn& conn = *c[static_cast<size_t>(s.conn)];
    if (!s.cmd.empty()) {
      std::vector<std::string> cmd = s.cmd;
      for (std::string& a : cmd)
        if (a == "{id0}") a = ids[0];
      if (cmd[0] == "CLOSE") {
        c[static_cast<size_t>(s.conn)] = std::make_unique<rawresp::Conn>(port, 1000);
        out.push_back("closed");
        continue;
      }
      conn.send(cmd);
    }
    std::string got;
    for (int i = 0; i < s.replies; ++i) {
      std::string r = conn.read_reply();
      got += r.empty() ? "<none>" : r;
    }
    out.push_back(got);
  }
  return out;
}

void expect_same(const std::vector<Step>& steps, int conns) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  auto theirs = run(redis.port, conns, steps), ours = run(node.port, conns, steps);
  ASSERT_EQ(theirs.size(), ours.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    // HELLO carries the connection id: only its shape is compared.
    if (!steps[i].cmd.empty() && steps[i].cmd[0] == "HELLO") continue;
    EXPECT_EQ(theirs[i], ours[i]) << "step " << i << ": " << steps[i].conn << " " << join(steps[i].cmd);
    EXPECT_EQ(ours[i].find("<none>"), std::string::npos) << "step " << i << ": " << join(steps[i].cmd);
  }
}

}  // namespace

TEST(ClientControl, ErrorsAndTrackingInfoAsRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  const char* lines[] = {
      "CLIENT PAUSE 10 WRITE extra",
      "CLIENT PAUSE",
      "CLIENT TRACKING",
      "CLIENT CACHING",
      "CLIENT CACHING yes extra",
      "CLIENT UNPAUSE x",
      "CLIENT REPLY",
      "CLIENT REPLY foo",
      "CLIENT PAUSE abc",
      "CLIENT PAUSE -1",
      "CLIENT PAUSE 10 FOO",
      "CLIENT PAUSE 0",
      "CLIENT UNPAUSE",
      "CLIENT TRACKING maybe",
      "CLIENT TRACKING on PREFIX a",
      "CLIENT TRACKING on BCAST OPTIN",
      "CLIENT TRACKING on OPTIN OPTOUT",
      "CLIENT TRACKING on REDIRECT 99999",
      "CLIENT TRACKING on REDIRECT abc",
      "CLIENT TRACKING on REDIRECT 0",
      "CLIENT TRACKING on FOO",
      "CLIENT TRACKING on PREFIX",
      "CLIENT CACHING yes",
      "CLIENT GETREDIR",
      "CLIENT TRACKINGINFO",
      "CLIENT TRACKING on BCAST PREFIX a PREFIX ab",
      "CLIENT TRACKING on BCAST PREFIX b PREFIX a",
      "CLIENT TRACKINGINFO",
      "CLIENT TRACKING on BCAST PREFIX abc",
      "CLIENT TRACKING on BCAST PREFIX c NOLOOP",
      "CLIENT TRACKINGINFO",
      "CLIENT TRACKING on",
      "CLIENT GETREDIR",
      "CLIENT TRACKING off",
      "CLIENT TRACKINGINFO",
      "CLIENT GETREDIR",
      "CLIENT TRACKING on OPTIN",
      "CLIENT CACHING no",
      "CLIENT CACHING yes",
      "CLIENT CACHING maybe",
      "CLIENT TRACKINGINFO",
      "GET k",
      "CLIENT TRACKINGINFO",
      "CLIENT TRACKING on OPTOUT",
      "CLIENT TRACKING off",
      "CLIENT TRACKING on OPTOUT NOLOOP",
      "CLIENT CACHING no",
      "CLIENT TRACKINGINFO",
      "CLIENT TRACKING off",
      "CLIENT TRACKINGINFO",
      "HELLO 3",
      "CLIENT TRACKINGINFO",
      "CLIENT NO-EVICT on",
      "CLIENT NO-EVICT maybe",
      "CLIENT NO-EVICT off",
      "CLIENT UNBLOCK 99999",
      "CLIENT UNBLOCK abc",
      "CLIENT UNBLOCK 1 FOO",
  };
  std::vector<std::vector<std::string>> commands;
  for (const char* l : lines) {
    std::vector<std::string> cmd;
    std::string text = l, w;
    for (char ch : text + " ") {
      if (ch == ' ') {
        if (!w.empty()) cmd.push_back(w);
        w.clear();
      } else {
        w += ch;
      }
    }
    commands.push_back(cmd);
  }
  for (const std::string& d : reference::differences(redis.port, node.port, commands)) {
    if (d.starts_with("HELLO 3")) continue;  // carries the connection id
    ADD_FAILURE() << d;
  }
}

TEST(ClientControl, ReplyOffAndSkip) {
  expect_same(
      {
          {0, {"CLIENT", "REPLY", "OFF"}, 0},
          {0, {"SET", "a", "1"}, 0},
          {0, {"GET", "a"}, 0},
          {0, {"NOSUCHCOMMAND"}, 0},
          {0, {"CLIENT", "REPLY", "SKIP"}, 0},
          {0, {"CLIENT", "REPLY", "ON"}, 1},
          {0, {"GET", "a"}, 1},
          {0, {"CLIENT", "REPLY", "SKIP"}, 0},
          {0, {"SET", "b", "2"}, 0},
          {0, {"GET", "b"}, 1},
          {0, {"CLIENT", "REPLY", "SKIP"}, 0},
          {0, {"CLIENT", "REPLY", "SKIP"}, 0},
          {0, {"GET", "b"}, 0},
          {0, {"INCR", "a"}, 1},
          {0, {"CLIENT", "REPLY", "OFF"}, 0},
          {0, {"RESET"}, 1},  // RESET turns replies back on, and answers
          {0, {"GET", "a"}, 1},
      },
      1);
}

TEST(ClientControl, TrackingDefaultModeResp3) {
  expect_same(
      {
          {0, {"HELLO", "3"}, 1},
          {0, {"CLIENT", "TRACKING", "on"}, 1},
          {0, {"GET", "k"}, 1},
          {0, {"MGET", "k", "k2", "k3"}, 1},
          {0, {"HGETALL", "h"}, 1},
          {1, {"SET", "k", "v"}, 1},
          {0, {}, 1},  // the invalidation of k
          {1, {"SET", "k", "w"}, 1},
          {0, {"GET", "k"}, 1},  // k is no longer tracked: no second message came first
          {1, {"MSET", "k2", "x", "k3", "y"}, 1},
          {0, {}, 2},
          {1, {"HSET", "h", "f", "v"}, 1},
          {0, {}, 1},
          {0, {"GET", "self"}, 1},
          {0, {"SET", "self", "1"}, 2},  // our own change: the reply, then the message
          {0, {"GET", "k"}, 1},
          {1, {"FLUSHALL"}, 1},
          {0, {}, 1},  // everything is invalid: a null
          {0, {"FLUSHDB"}, 2},
          {0, {"CLIENT", "TRACKING", "off"}, 1},
          {0, {"GET", "k"}, 1},
          {1, {"SET", "k", "z"}, 1},
          {0, {"PING"}, 1},
          {0, {"HELLO", "3"}, 1},
          {0, {"CLIENT", "TRACKING", "on"}, 1},
          {0, {"GET", "k"}, 1},
          {0, {"RESET"}, 1},  // tracking off, RESP2 again
          {0, {"HELLO", "3"}, 1},
          {1, {"SET", "k", "r"}, 1},
          {0, {"CLIENT", "TRACKINGINFO"}, 1},
      },
      2);
}

TEST(ClientControl, TrackingNoloopOptinOptout) {
  expect_same(
      {
          {0, {"HELLO", "3"}, 1},
          {0, {"CLIENT", "TRACKING", "on", "NOLOOP"}, 1},
          {0, {"GET", "a"}, 1},
          {0, {"SET", "a", "1"}, 1},  // NOLOOP: no message for our own change
          {0, {"GET", "a"}, 1},
          {1, {"SET", "a", "2"}, 1},
          {0, {}, 1},
          {0, {"CLIENT", "TRACKING", "off"}, 1},
          {0, {"CLIENT", "TRACKING", "on", "OPTIN"}, 1},
          {0, {"GET", "b"}, 1},
          {0, {"CLIENT", "CACHING", "yes"}, 1},
          {0, {"GET", "c"}, 1},
          {0, {"GET", "d"}, 1},
          {1, {"MSET", "b", "1", "c", "1", "d", "1"}, 1},
          {0, {}, 1},  // c only
          {0, {"PING"}, 1},
          {0, {"CLIENT", "TRACKING", "off"}, 1},
          {0, {"CLIENT", "TRACKING", "on", "OPTOUT"}, 1},
          {0, {"CLIENT", "CACHING", "no"}, 1},
          {0, {"GET", "e"}, 1},
          {0, {"GET", "f"}, 1},
          {1, {"MSET", "e", "1", "f", "1"}, 1},
          {0, {}, 1},  // f only
          {0, {"PING"}, 1},
          {0, {"CLIENT", "TRACKINGINFO"}, 1},
      },
      2);
}

TEST(ClientControl, TrackingBroadcastWithPrefixes) {
  expect_same(
      {
          {0, {"HELLO", "3"}, 1},
          {0, {"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "obj:"}, 1},
          {1, {"SET", "user:2", "a"}, 1},
          {0, {}, 1},
          {1, {"MSET", "user:1", "a", "other", "b", "user:0", "c"}, 1},
          {0, {}, 1},  // one message, its keys sorted
          {1, {"SET", "obj:1", "a"}, 1},
          {0, {}, 1},
          {0, {"SET", "user:9", "x"}, 2},  // our own change (no NOLOOP), after the reply
          {2, {"HELLO", "3"}, 1},
          {2, {"CLIENT", "TRACKING", "on", "BCAST", "NOLOOP"}, 1},
          {2, {"SET", "mine", "1"}, 1},
          {1, {"SET", "theirs", "1"}, 1},
          {2, {}, 1},  // only "theirs"
          {0, {"CLIENT", "TRACKINGINFO"}, 1},
      },
      3);
}

TEST(ClientControl, TrackingRedirectToResp2Subscriber) {
  expect_same(
      {
          {0, {"SUBSCRIBE", "__redis__:invalidate"}, 1},
          {1, {"CLIENT", "TRACKING", "on", "REDIRECT", "{id0}"}, 1},
          {1, {"GET", "k"}, 1},
          {2, {"SET", "k", "1"}, 1},
          {0, {}, 1},  // message on __redis__:invalidate
          {1, {"GET", "k"}, 1},
          {2, {"FLUSHALL"}, 1},
          {0, {}, 1},
          {0, {"CLOSE"}, 0},
          {1, {"GET", "k"}, 1},
          {2, {"SET", "k", "2"}, 1},
          {1, {"PING"}, 1},  // RESP2: nothing can tell it the redirect is broken
      },
      3);
}

// The redirect client went away: a RESP3 tracking client is told so (with the id it redirected to).
TEST(ClientControl, TrackingBrokenRedirect) {
  Datanode node;
  auto target = std::make_unique<rawresp::Conn>(node.port);
  std::string id = target->command({"CLIENT", "ID"});
  id = id.substr(1, id.size() - 3);
  rawresp::Conn tracker(node.port), writer(node.port);
  EXPECT_EQ(tracker.command({"HELLO", "3"}).substr(0, 4), "%7\r\n");
  EXPECT_EQ(tracker.command({"CLIENT", "TRACKING", "on", "REDIRECT", id}), "+OK\r\n");
  EXPECT_EQ(tracker.command({"CLIENT", "GETREDIR"}), ":" + id + "\r\n");
  EXPECT_EQ(tracker.command({"GET", "k"}), "_\r\n");
  target.reset();
  EXPECT_TRUE(harness::eventually(
      [&] {
        return writer.command({"CLIENT", "LIST"}).find("id=" + id + " ") == std::string::npos;
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(writer.command({"SET", "k", "1"}), "+OK\r\n");
  EXPECT_EQ(tracker.read_reply(), ">2\r\n$21\r\ntracking-redir-broken\r\n:" + id + "\r\n");
  std::string info = tracker.command({"CLIENT", "TRACKINGINFO"});
  EXPECT_NE(info.find("broken_redirect"), std::string::npos) << info;
  std::string mine = tracker.command({"CLIENT", "INFO"});
  EXPECT_NE(mine.find("flags=tR "), std::string::npos) << mine;
  EXPECT_NE(mine.find("redir=" + id + " "), std::string::npos) << mine;
}

TEST(ClientControl, PauseHoldsWritesThenAll) {
  Datanode node;
  rawresp::Conn admin(node.port), writer(node.port, 300), other(node.port), tx(node.port, 300);
  // A transaction queued before the pause.
  EXPECT_EQ(tx.command({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(tx.command({"INCR", "n"}), "+QUEUED\r\n");
  EXPECT_EQ(admin.command({"CLIENT", "PAUSE", "100000", "WRITE"}), "+OK\r\n");
  // Reads go on; a write waits, and so does what was pipelined behind it.
  EXPECT_EQ(writer.command({"GET", "k"}), "$-1\r\n");
  writer.send_bytes(rawresp::encode({"SET", "k", "v"}) + rawresp::encode({"GET", "k"}));
  EXPECT_EQ(writer.read_reply(), "");  // nothing within the read timeout
  std::string list = other.command({"CLIENT", "LIST"});
  EXPECT_NE(list.find("flags=b"), std::string::npos) << list;
  EXPECT_EQ(other.command({"GET", "k"}), "$-1\r\n");
  // EXEC of a queued write waits too (so would a write being queued, as in Redis).
  tx.send({"EXEC"});
  EXPECT_EQ(tx.read_reply(), "");
  EXPECT_EQ(admin.command({"CLIENT", "UNPAUSE"}), "+OK\r\n");
  EXPECT_EQ(writer.read_reply(), "+OK\r\n");
  EXPECT_EQ(writer.read_reply(), "$1\r\nv\r\n");
  EXPECT_EQ(tx.read_reply(), "*1\r\n:1\r\n");

  // ALL: reads wait as well, until the pause times out by itself.
  EXPECT_EQ(admin.command({"CLIENT", "PAUSE", "400", "ALL"}), "+OK\r\n");
  rawresp::Conn reader(node.port, 200);
  reader.send({"GET", "k"});
  EXPECT_EQ(reader.read_reply(), "");
  EXPECT_TRUE(
      harness::eventually([&] { return reader.read_reply() == "$1\r\nv\r\n"; }, std::chrono::seconds(5)));
  EXPECT_EQ(other.command({"SET", "k", "w"}), "+OK\r\n");
}

TEST(ClientControl, PauseDoesNotHoldReplicas) {
  Datanode master, replica;
  rawresp::Conn m(master.port), r(replica.port);
  EXPECT_EQ(r.command({"REPLICAOF", "127.0.0.1", std::to_string(master.port)}), "+OK\r\n");
  EXPECT_TRUE(harness::eventually(
      [&] { return harness::info_field(*replica.client(), "replication", "master_link_status") == "up"; },
      std::chrono::seconds(10)));
  // A write pause on the replica does not stop the stream from its master.
  EXPECT_EQ(r.command({"CLIENT", "PAUSE", "100000", "WRITE"}), "+OK\r\n");
  EXPECT_EQ(m.command({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_TRUE(harness::eventually(
      [&] {
        return r.command({"GET", "k"}) == "$1\r\nv\r\n";
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(r.command({"CLIENT", "UNPAUSE"}), "+OK\r\n");
}
