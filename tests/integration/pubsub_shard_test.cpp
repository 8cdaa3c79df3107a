// Sharded pub/sub (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH, PUBSUB SHARDCHANNELS/SHARDNUMSUB) against
// redis-server 7.0.15: each scenario runs on both servers and the raw reply transcripts must be equal.
#include <gtest/gtest.h>

#include <functional>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

using harness::Datanode;

namespace {

using Transcript = std::vector<std::string>;

void compare(const std::function<void(int port, Transcript& t)>& scenario, bool resp3 = false) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  if (resp3 && rawresp::Conn(node.port).command({"HELLO", "3"}).rfind("-NOPROTO", 0) == 0)
    GTEST_SKIP() << "this build does not speak RESP3 yet";
  Transcript theirs, ours;
  scenario(redis.port, theirs);
  scenario(node.port, ours);
  ASSERT_EQ(theirs.size(), ours.size());
  for (size_t i = 0; i < theirs.size(); ++i) EXPECT_EQ(theirs[i], ours[i]) << "step " << i;
}

// The value of one field of a CLIENT INFO line.
std::string info_field(const std::string& info, const std::string& name) {
  size_t pos = info.find(" " + name + "=");
  if (pos == std::string::npos) return "?";
  pos += name.size() + 2;
  return info.substr(pos, info.find(' ', pos) - pos);
}

}  // namespace

TEST(ShardPubSub, SubscribePublishAndIntrospection) {
  compare([](int port, Transcript& t) {
    rawresp::Conn sub(port), pub(port), classic(port);
    sub.send({"SSUBSCRIBE", "orders", "news"});
    t.push_back(sub.read_reply());
    t.push_back(sub.read_reply());
    t.push_back(sub.command({"SSUBSCRIBE", "orders"}));  // already subscribed: same count
    t.push_back(classic.command({"SUBSCRIBE", "orders"}));
    t.push_back(pub.command({"SPUBLISH", "orders", "o1"}));
    t.push_back(sub.read_reply());
    // Classic and shard channels are separate namespaces.
    t.push_back(pub.command({"PUBLISH", "orders", "classic"}));
    t.push_back(classic.read_reply());
    t.push_back(pub.command({"SPUBLISH", "nobody", "x"}));
    t.push_back(pub.command({"PUBSUB", "SHARDCHANNELS", "o*"}));
    t.push_back(pub.command({"PUBSUB", "SHARDCHANNELS", "zzz*"}));
    t.push_back(pub.command({"PUBSUB", "SHARDNUMSUB", "orders", "news", "nobody"}));
    t.push_back(pub.command({"PUBSUB", "SHARDNUMSUB"}));
    t.push_back(pub.command({"PUBSUB", "CHANNELS"}));
    t.push_back(pub.command({"PUBSUB", "NUMSUB", "orders", "news"}));
    t.push_back(pub.command({"PUBSUB", "SHARDCHANNELS", "a", "b"}));
    rawresp::Conn watcher(port);
    t.push_back(watcher.command({"PSUBSCRIBE", "*"}));
    t.push_back(pub.command({"SPUBLISH", "news", "n1"}));  // patterns never see shard messages
    t.push_back(sub.read_reply());
    t.push_back(pub.command({"PUBLISH", "plain", "p1"}));
    t.push_back(watcher.read_reply());
    t.push_back(sub.command({"SUNSUBSCRIBE", "news"}));
    t.push_back(sub.command({"SUNSUBSCRIBE"}));
    t.push_back(sub.command({"SUNSUBSCRIBE"}));
    t.push_back(sub.command({"SUNSUBSCRIBE", "never"}));
    t.push_back(sub.command({"GET", "k"}));  // no longer subscribed
    t.push_back(watcher.command({"PUNSUBSCRIBE"}));
    t.push_back(pub.command({"PUBSUB", "CHANNELS", "x", "y"}));
  });
}

TEST(ShardPubSub, Resp2SubscribedStateRules) {
  compare([](int port, Transcript& t) {
    rawresp::Conn c(port), other(port);
    t.push_back(c.command({"SSUBSCRIBE", "ch"}));
    t.push_back(c.command({"GET", "k"}));
    t.push_back(c.command({"SPUBLISH", "ch", "x"}));
    t.push_back(c.command({"PING"}));
    t.push_back(c.command({"PING", "hi"}));
    t.push_back(c.command({"SUBSCRIBE", "classic"}));  // its count excludes shard channels
    t.push_back(c.command({"SSUBSCRIBE", "ch2"}));
    t.push_back(c.command({"UNSUBSCRIBE"}));
    t.push_back(c.command({"SET", "k", "v"}));  // still subscribed to shard channels
    std::string info = other.command({"CLIENT", "LIST"});
    for (const char* f : {"sub", "psub", "ssub"}) t.push_back(std::string(f) + "=" + info_field(info, f));
    t.push_back(c.command({"SUNSUBSCRIBE", "ch", "ch2"}));
    t.push_back(c.command({"SET", "k", "v"}));
    t.push_back(c.command({"SSUBSCRIBE", "a"}));
    t.push_back(c.command({"RESET"}));
    t.push_back(c.command({"GET", "k"}));
    t.push_back(other.command({"PUBSUB", "SHARDNUMSUB", "a"}));
  });
}

TEST(ShardPubSub, ClientListCountsAndErrors) {
  compare([](int port, Transcript& t) {
    rawresp::Conn c(port), ctl(port);
    t.push_back(c.command({"SSUBSCRIBE", "a", "b", "c"}));
    c.read_reply();
    c.read_reply();
    t.push_back(c.command({"PSUBSCRIBE", "p*"}));
    std::string info = ctl.command({"CLIENT", "LIST"});
    // The subscriber's line is the first one (lowest id).
    for (const char* f : {"sub", "psub", "ssub", "flags"})
      t.push_back(std::string(f) + "=" + info_field(info, f));
    t.push_back(ctl.command({"SSUBSCRIBE"}));
    t.push_back(ctl.command({"SPUBLISH", "a"}));
    t.push_back(ctl.command({"SPUBLISH", "a", "b", "c"}));
    t.push_back(ctl.command({"MULTI"}));
    t.push_back(ctl.command({"SSUBSCRIBE", "x"}));
    t.push_back(ctl.command({"SPUBLISH", "a", "from-multi"}));
    t.push_back(ctl.command({"EXEC"}));
    t.push_back(c.read_reply());
    t.push_back(ctl.command({"PUBSUB", "SHARDNUMSUB", "x", "a"}));
  });
}

TEST(ShardPubSub, Resp3PushesAndFreeCommands) {
  compare(
      [](int port, Transcript& t) {
        rawresp::Conn c(port), pub(port);
        c.command({"HELLO", "3"});
        t.push_back(c.command({"SSUBSCRIBE", "ch"}));
        t.push_back(c.command({"SET", "k", "v"}));  // RESP3 clients may run anything while subscribed
        t.push_back(pub.command({"SPUBLISH", "ch", "m"}));
        t.push_back(c.read_reply());
        t.push_back(c.command({"SUNSUBSCRIBE"}));
      },
      true);
}

TEST(ShardPubSub, ClosedSubscriberIsForgotten) {
  Datanode node;
  rawresp::Conn pub(node.port);
  {
    rawresp::Conn sub(node.port);
    sub.command({"SSUBSCRIBE", "gone"});
    EXPECT_EQ(pub.command({"PUBSUB", "SHARDNUMSUB", "gone"}), "*2\r\n$4\r\ngone\r\n:1\r\n");
  }
  EXPECT_TRUE(harness::eventually(
      [&] {
        return pub.command({"SPUBLISH", "gone", "x"}) == ":0\r\n";
      },
      std::chrono::milliseconds(5000)));
  EXPECT_EQ(pub.command({"PUBSUB", "SHARDCHANNELS"}), "*0\r\n");
}

TEST(ShardPubSub, SpublishStaysOutOfTheAof) {
  Datanode node("appendonly = true\nappendfsync = \"always\"");
  rawresp::Conn c(node.port);
  EXPECT_EQ(c.command({"SPUBLISH", "ch", "hello"}), ":0\r\n");
  EXPECT_EQ(c.command({"SET", "k", "v"}), "+OK\r\n");
  std::string aof;
  ASSERT_TRUE(harness::eventually(
      [&] {
        aof = node.dir.read("appendonly.aof");
        return aof.find("$1\r\nk\r\n") != std::string::npos;
      },
      std::chrono::milliseconds(10000)))
      << aof;
  EXPECT_EQ(aof.find("SPUBLISH"), std::string::npos) << aof;
}
