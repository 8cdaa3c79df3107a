// Blocking sorted-set pops (BZPOPMIN, BZPOPMAX, BZMPOP) over real sockets: each scenario runs against
// redis-server 7.0.15 and against a datanode, and the two transcripts of raw replies must be equal.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

using harness::Datanode;
using std::chrono::milliseconds;

namespace {

using Transcript = std::vector<std::string>;

int blocked_clients(rawresp::Conn& c) {
  std::string info = c.command({"INFO", "clients"});
  size_t pos = info.find("blocked_clients:");
  if (pos == std::string::npos) return -1;
  return std::atoi(info.c_str() + pos + 16);
}

bool wait_blocked(rawresp::Conn& c, int n) {
  return harness::eventually([&] { return blocked_clients(c) == n; }, milliseconds(5000));
}

// Runs `scenario` on both servers and compares what it recorded.
void compare(const std::function<void(int port, Transcript& t)>& scenario) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  Transcript theirs, ours;
  scenario(redis.port, theirs);
  scenario(node.port, ours);
  ASSERT_EQ(theirs.size(), ours.size());
  for (size_t i = 0; i < theirs.size(); ++i) EXPECT_EQ(theirs[i], ours[i]) << "step " << i;
}

}  // namespace

TEST(ZsetBlocking, WokenByZaddFromAnotherClient) {
  compare([](int port, Transcript& t) {
    rawresp::Conn ctl(port), w(port);
    w.send({"BZPOPMIN", "z", "0"});
    t.push_back(wait_blocked(ctl, 1) ? "blocked" : "not blocked");
    t.push_back(ctl.command({"ZADD", "z", "2", "b", "1", "a", "3", "c"}));
    t.push_back(w.read_reply());
    w.send({"BZPOPMAX", "other", "z", "0"});
    t.push_back(w.read_reply());  // served at once
    t.push_back(ctl.command({"ZRANGE", "z", "0", "-1", "WITHSCORES"}));
    t.push_back(w.command({"BZMPOP", "0", "2", "x", "z", "MIN", "COUNT", "5"}));
    t.push_back(ctl.command({"EXISTS", "z"}));
    w.send({"BZMPOP", "0", "2", "x", "y", "MAX", "COUNT", "2"});
    t.push_back(wait_blocked(ctl, 1) ? "blocked" : "not blocked");
    t.push_back(ctl.command({"ZADD", "y", "1.5", "p", "-2", "q", "inf", "r"}));
    t.push_back(w.read_reply());
    t.push_back(ctl.command({"ZRANGE", "y", "0", "-1", "WITHSCORES"}));
  });
}

TEST(ZsetBlocking, SeveralWaitersServedInArrivalOrder) {
  compare([](int port, Transcript& t) {
    rawresp::Conn ctl(port), w1(port), w2(port), w3(port), w4(port);
    w1.send({"BZPOPMIN", "q", "0"});
    t.push_back(wait_blocked(ctl, 1) ? "1" : "-");
    w2.send({"BZPOPMAX", "other", "q", "0"});
    t.push_back(wait_blocked(ctl, 2) ? "2" : "-");
    w3.send({"BZMPOP", "0", "1", "q", "MIN", "COUNT", "2"});
    t.push_back(wait_blocked(ctl, 3) ? "3" : "-");
    w4.send({"BZPOPMIN", "q", "0"});
    t.push_back(wait_blocked(ctl, 4) ? "4" : "-");
    t.push_back(ctl.command({"ZADD", "q", "1", "a", "2", "b", "3", "c", "4", "d"}));
    t.push_back(w1.read_reply());
    t.push_back(w2.read_reply());
    t.push_back(w3.read_reply());
    t.push_back(wait_blocked(ctl, 1) ? "1" : "-");
    t.push_back(ctl.command({"EXISTS", "q"}));
    t.push_back(ctl.command({"ZADD", "q", "9", "z"}));
    t.push_back(w4.read_reply());
  });
}

TEST(ZsetBlocking, TimeoutsAndErrors) {
  compare([](int port, Transcript& t) {
    rawresp::Conn c(port);
    for (const auto& cmd : std::vector<std::vector<std::string>>{
             {"BZPOPMIN", "k", "0.1"},
             {"BZPOPMAX", "k", "j", "0.05"},
             {"BZMPOP", "0.1", "1", "k", "MAX"},
             {"BZPOPMIN", "k", "-1"},
             {"BZPOPMIN", "k", "abc"},
             {"BZPOPMAX", "k", "inf"},
             {"BZMPOP", "-1", "1", "k", "MIN"},
             {"BZMPOP", "x", "1", "k", "MIN"},
             {"BZMPOP", "0", "0", "k", "MIN"},
             {"BZMPOP", "0", "x", "k", "MIN"},
             {"BZMPOP", "0", "2", "k", "MIN"},
             {"BZMPOP", "0", "1", "k", "MIDDLE"},
             {"BZMPOP", "0", "1", "k", "MIN", "COUNT", "0"},
             {"BZMPOP", "0", "1", "k", "MIN", "COUNT", "x"},
             {"BZMPOP", "0", "1", "k", "MIN", "COUNT"},
             {"BZMPOP", "0", "1", "k", "MIN", "COUNT", "1", "COUNT", "2"},
             {"BZMPOP", "0", "1", "k"},
             {"BZPOPMIN", "k"},
             {"BZMPOP", "0", "1"},
             {"SET", "s", "str"},
             {"BZPOPMIN", "s", "0"},
             {"BZMPOP", "0", "2", "none", "s", "MAX"},
             {"ZADD", "zz", "1", "m"},
             {"BZPOPMAX", "zz", "s", "0"},
             {"BZPOPMAX", "s", "zz", "0"},
             {"ZMPOP", "1", "zz", "MIN"},
             {"ZMPOP", "2", "nothing", "zz", "MIN"},
             {"PING"},
         })
      t.push_back(c.command(cmd));
  });
}

TEST(ZsetBlocking, InsideMultiAnswersAtOnce) {
  compare([](int port, Transcript& t) {
    rawresp::Conn c(port);
    t.push_back(c.command({"MULTI"}));
    t.push_back(c.command({"BZPOPMIN", "k", "0"}));
    t.push_back(c.command({"BZMPOP", "0", "1", "k", "MIN"}));
    t.push_back(c.command({"ZADD", "k", "1", "a"}));
    t.push_back(c.command({"BZPOPMAX", "k", "0"}));
    t.push_back(c.command({"EXEC"}));
  });
}

TEST(ZsetBlocking, ListAndZsetWaitersOnOneKeyWakeByType) {
  compare([](int port, Transcript& t) {
    rawresp::Conn ctl(port), lw(port), zw(port);
    lw.send({"BLPOP", "k", "0"});
    t.push_back(wait_blocked(ctl, 1) ? "1" : "-");
    zw.send({"BZPOPMIN", "k", "0"});
    t.push_back(wait_blocked(ctl, 2) ? "2" : "-");
    t.push_back(ctl.command({"ZADD", "k", "5", "five"}));
    t.push_back(zw.read_reply());
    t.push_back(wait_blocked(ctl, 1) ? "1" : "-");
    t.push_back(ctl.command({"RPUSH", "k", "v"}));
    t.push_back(lw.read_reply());
    // A string at the key wakes nobody.
    zw.send({"BZPOPMAX", "k", "0"});
    t.push_back(wait_blocked(ctl, 1) ? "1" : "-");
    t.push_back(ctl.command({"SET", "k", "x"}));
    std::this_thread::sleep_for(milliseconds(100));
    t.push_back(std::to_string(blocked_clients(ctl)));
    t.push_back(ctl.command({"DEL", "k"}));
    t.push_back(ctl.command({"ZADD", "k", "1", "one"}));
    t.push_back(zw.read_reply());
  });
}

TEST(ZsetBlocking, ClientUnblockAndPipelinedRequests) {
  compare([](int port, Transcript& t) {
    rawresp::Conn ctl(port), w(port);
    std::string id = w.command({"CLIENT", "ID"});
    id = id.substr(1, id.size() - 3);
    w.send_bytes(rawresp::encode({"BZPOPMIN", "k", "0"}) + rawresp::encode({"ZADD", "after", "1", "x"}));
    t.push_back(wait_blocked(ctl, 1) ? "1" : "-");
    t.push_back(ctl.command({"EXISTS", "after"}));
    t.push_back(ctl.command({"CLIENT", "UNBLOCK", id}));
    t.push_back(w.read_reply());
    t.push_back(w.read_reply());
    w.send({"BZMPOP", "0", "1", "k", "MIN"});
    t.push_back(wait_blocked(ctl, 1) ? "1" : "-");
    t.push_back(ctl.command({"CLIENT", "UNBLOCK", id, "ERROR"}));
    t.push_back(w.read_reply());
  });
}

TEST(ZsetBlocking, PropagatedAsZpop) {
  Datanode node("appendonly = true\nappendfsync = \"always\"");
  rawresp::Conn ctl(node.port), w1(node.port), w2(node.port);
  w1.send({"BZPOPMIN", "a", "0"});
  ASSERT_TRUE(wait_blocked(ctl, 1));
  w2.send({"BZMPOP", "0", "1", "b", "MAX", "COUNT", "5"});
  ASSERT_TRUE(wait_blocked(ctl, 2));
  ctl.command({"ZADD", "a", "1", "x", "2", "y"});
  ctl.command({"ZADD", "b", "1", "x", "2", "y"});
  EXPECT_EQ(w1.read_reply(), "*3\r\n$1\r\na\r\n$1\r\nx\r\n$1\r\n1\r\n");
  EXPECT_EQ(w2.read_reply(),
            "*2\r\n$1\r\nb\r\n*2\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n");
  EXPECT_EQ(w1.command({"BZPOPMAX", "a", "0"}), "*3\r\n$1\r\na\r\n$1\r\ny\r\n$1\r\n2\r\n");
  std::string aof;
  bool found = harness::eventually(
      [&] {
        aof = harness::run("cat $(find " + node.dir.path() +
                           " -name '*.aof*' ! -name '*manifest*') 2>/dev/null");
        return aof.find("ZPOPMAX\r\n$1\r\na") != std::string::npos;
      },
      milliseconds(5000));
  ASSERT_TRUE(found) << aof;
  EXPECT_NE(aof.find("*2\r\n$7\r\nZPOPMIN\r\n$1\r\na\r\n"), std::string::npos) << aof;
  EXPECT_NE(aof.find("*3\r\n$7\r\nZPOPMAX\r\n$1\r\nb\r\n$1\r\n2\r\n"), std::string::npos) << aof;
  EXPECT_NE(aof.find("*2\r\n$7\r\nZPOPMAX\r\n$1\r\na\r\n"), std::string::npos) << aof;
  EXPECT_EQ(aof.find("BZ"), std::string::npos) << aof;
}

// In RESP3 (scores as doubles, a timeout as a null), every write that leaves a sorted set at a watched key
// wakes the waiter: ZADD, ZINCRBY, ZUNIONSTORE, ZRANGESTORE, GEOADD, GEOSEARCHSTORE, RENAME, COPY,
// MOVE from another database, RESTORE, SWAPDB; a MULTI that adds and removes in one go wakes nobody.
TEST(ZsetBlocking, Resp3WakeupsByEveryZsetWrite) {
  compare([](int port, Transcript& t) {
    rawresp::Conn ctl(port), w(port), other_db(port);
    w.command({"HELLO", "3"});
    other_db.command({"SELECT", "1"});
    ctl.command({"ZADD", "src", "1", "a", "2", "b", "3", "c"});
    std::string dumped = ctl.command({"DUMP", "src"});
    dumped = dumped.substr(dumped.find("\r\n") + 2);
    dumped.resize(dumped.size() - 2);
    t.push_back(w.command({"BZPOPMIN", "none", "0.05"}));
    t.push_back(w.command({"BZMPOP", "0.05", "1", "none", "MIN"}));
    const std::vector<std::vector<std::vector<std::string>>> wakers = {
        {{"ZADD", "k", "1.5", "m"}},
        {{"ZINCRBY", "k", "2.25", "m"}},
        {{"ZUNIONSTORE", "k", "1", "src", "WEIGHTS", "0.5"}},
        {{"ZRANGESTORE", "k", "src", "1", "2"}},
        {{"GEOADD", "k", "13.361389", "38.115556", "Palermo"}},
        {{"GEOADD", "geo", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"},
         {"GEOSEARCHSTORE", "k", "geo", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STOREDIST"}},
        {{"ZADD", "tmp", "7", "x"}, {"RENAME", "tmp", "k"}},
        {{"COPY", "src", "k"}},
        {{"RESTORE", "k", "0", dumped}},
        {{"MULTI"}, {"ZADD", "k", "1", "gone"}, {"ZREM", "k", "gone"}, {"EXEC"}, {"ZADD", "k", "9", "late"}},
    };
    for (const auto& cmds : wakers) {
      w.send({"BZMPOP", "0", "2", "none", "k", "MAX", "COUNT", "10"});
      t.push_back(wait_blocked(ctl, 1) ? "1" : "-");
      for (const auto& cmd : cmds) t.push_back(ctl.command(cmd));
      t.push_back(w.read_reply());
      ctl.command({"DEL", "k", "geo"});
    }
    // MOVE from database 1 and SWAPDB bring a sorted set to a watched key of database 0.
    w.send({"BZPOPMAX", "k", "0"});
    t.push_back(wait_blocked(ctl, 1) ? "1" : "-");
    t.push_back(other_db.command({"ZADD", "k", "4", "moved"}));
    t.push_back(other_db.command({"MOVE", "k", "0"}));
    t.push_back(w.read_reply());
    w.send({"BZPOPMIN", "k", "0"});
    t.push_back(wait_blocked(ctl, 1) ? "1" : "-");
    t.push_back(other_db.command({"ZADD", "k", "5", "swapped"}));
    t.push_back(ctl.command({"SWAPDB", "0", "1"}));
    t.push_back(w.read_reply());
  });
}
