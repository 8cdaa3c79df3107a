// Pub/sub over real sockets: SUBSCRIBE/PSUBSCRIBE replies and counts, message delivery and ordering,
// UNSUBSCRIBE without arguments, the RESP2 subscribed-state rules, PUBSUB introspection, and what a
// Redis Sentinel does with __sentinel__:hello.
#include <gtest/gtest.h>

#include "harness.h"

using harness::Client;
using harness::Datanode;
using harness::Reply;

namespace {
void expect_sub_reply(const Reply& r, const std::string& kind, const std::string& name, int64_t count) {
  ASSERT_EQ(r.type, Reply::Type::kArray);
  ASSERT_EQ(r.elements.size(), 3u);
  EXPECT_EQ(r.elements[0].str, kind);
  EXPECT_EQ(r.elements[1].str, name);
  EXPECT_EQ(r.elements[2].integer, count);
}
}  // namespace

TEST(PubSub, SubscribePublishUnsubscribe) {
  Datanode node;
  Client sub(node.port), pub(node.port);
  expect_sub_reply(sub.command({"SUBSCRIBE", "news", "sports"}), "subscribe", "news", 1);
  expect_sub_reply(sub.read(), "subscribe", "sports", 2);
  expect_sub_reply(sub.command({"PSUBSCRIBE", "n*"}), "psubscribe", "n*", 3);

  EXPECT_EQ(pub.command({"PUBLISH", "news", "hello"}).integer, 2);  // channel + pattern
  Reply m = sub.read();
  ASSERT_EQ(m.elements.size(), 3u);
  EXPECT_EQ(m.elements[0].str, "message");
  EXPECT_EQ(m.elements[1].str, "news");
  EXPECT_EQ(m.elements[2].str, "hello");
  Reply pm = sub.read();
  ASSERT_EQ(pm.elements.size(), 4u);
  EXPECT_EQ(pm.elements[0].str, "pmessage");
  EXPECT_EQ(pm.elements[1].str, "n*");
  EXPECT_EQ(pm.elements[2].str, "news");
  EXPECT_EQ(pm.elements[3].str, "hello");
  EXPECT_EQ(pub.command({"PUBLISH", "nobody", "x"}).integer, 1);  // the pattern only
  sub.read();
  EXPECT_EQ(pub.command({"PUBLISH", "other", "x"}).integer, 0);

  // Introspection.
  Reply chans = pub.command({"PUBSUB", "CHANNELS"});
  EXPECT_EQ(chans.elements.size(), 2u);
  EXPECT_EQ(pub.command({"PUBSUB", "CHANNELS", "s*"}).elements.size(), 1u);
  Reply numsub = pub.command({"PUBSUB", "NUMSUB", "news", "none"});
  ASSERT_EQ(numsub.elements.size(), 4u);
  EXPECT_EQ(numsub.elements[1].integer, 1);
  EXPECT_EQ(numsub.elements[3].integer, 0);
  EXPECT_EQ(pub.command({"PUBSUB", "NUMPAT"}).integer, 1);
  EXPECT_EQ(pub.command({"PUBSUB", "FOO"}).str, "ERR unknown subcommand 'FOO'. Try PUBSUB HELP.");
  std::string info = pub.command({"INFO", "stats"}).str;
  EXPECT_NE(info.find("pubsub_channels:2\r\n"), std::string::npos);
  EXPECT_NE(info.find("pubsub_patterns:1\r\n"), std::string::npos);

  // Unsubscribe from everything: one reply per channel, then the pattern.
  sub.command({"UNSUBSCRIBE"});
  Reply second = sub.read();
  EXPECT_EQ(second.elements[0].str, "unsubscribe");
  EXPECT_EQ(second.elements[2].integer, 1);
  expect_sub_reply(sub.command({"PUNSUBSCRIBE", "n*"}), "punsubscribe", "n*", 0);
  // Out of the subscribed state, normal commands work again.
  EXPECT_EQ(sub.command({"SET", "k", "v"}).str, "OK");
  Reply none = sub.command({"UNSUBSCRIBE"});
  ASSERT_EQ(none.elements.size(), 3u);
  EXPECT_TRUE(none.elements[1].is_nil());
  EXPECT_EQ(none.elements[2].integer, 0);
  EXPECT_EQ(pub.command({"PUBSUB", "NUMPAT"}).integer, 0);
  EXPECT_TRUE(pub.command({"PUBSUB", "CHANNELS"}).elements.empty());
}

TEST(PubSub, SubscribedStateRules) {
  Datanode node;
  Client sub(node.port);
  sub.command({"SUBSCRIBE", "ch"});
  EXPECT_EQ(sub.command({"GET", "k"}).str,
            "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
            "this context");
  Reply pong = sub.command({"PING"});
  ASSERT_EQ(pong.elements.size(), 2u);
  EXPECT_EQ(pong.elements[0].str, "pong");
  EXPECT_EQ(pong.elements[1].str, "");
  std::string list = Client(node.port).command({"CLIENT", "LIST"}).str;
  EXPECT_NE(list.find("flags=P"), std::string::npos) << list;
  EXPECT_NE(list.find("sub=1 psub=0"), std::string::npos) << list;
  EXPECT_EQ(sub.command({"RESET"}).str, "RESET");
  EXPECT_EQ(sub.command({"GET", "k"}).type, Reply::Type::kNil);
}

TEST(PubSub, ManySubscribersInOrderAndClosedSubscriberForgotten) {
  Datanode node;
  Client pub(node.port);
  {
    std::vector<std::unique_ptr<Client>> subs;
    for (int i = 0; i < 5; ++i) {
      subs.push_back(std::make_unique<Client>(node.port));
      subs.back()->command({"SUBSCRIBE", "__sentinel__:hello"});
    }
    EXPECT_EQ(pub.command({"PUBLISH", "__sentinel__:hello", "127.0.0.1,26379,abc,0,mymaster,127.0.0.1,6379,0"}).integer, 5);
    for (int i = 0; i < 10; ++i) pub.command({"PUBLISH", "__sentinel__:hello", std::to_string(i)});
    for (auto& s : subs) {
      EXPECT_EQ(s->read().elements[2].str, "127.0.0.1,26379,abc,0,mymaster,127.0.0.1,6379,0");
      for (int i = 0; i < 10; ++i) EXPECT_EQ(s->read().elements[2].str, std::to_string(i));
    }
  }
  EXPECT_TRUE(harness::eventually([&] { return pub.command({"PUBLISH", "__sentinel__:hello", "x"}).integer == 0; },
                                  std::chrono::seconds(5)));
}

TEST(PubSub, SlowSubscriberIsDisconnectedByOutputLimit) {
  Datanode node("client-output-buffer-limit-pubsub = \"256kb 0 0\"");
  Client sub(node.port), pub(node.port);
  sub.command({"SUBSCRIBE", "flood"});
  // The subscriber never reads: its output grows until the hard limit closes it.
  std::string payload(16 * 1024, 'x');
  bool dropped = false;
  for (int i = 0; i < 2000 && !dropped; ++i) {
    pub.command({"PUBLISH", "flood", payload});
    if (i % 50 == 0) dropped = pub.command({"PUBSUB", "NUMSUB", "flood"}).elements[1].integer == 0;
  }
  EXPECT_TRUE(harness::eventually(
      [&] { return pub.command({"PUBSUB", "NUMSUB", "flood"}).elements[1].integer == 0; }, std::chrono::seconds(10)));
  std::string info = pub.command({"INFO", "stats"}).str;
  EXPECT_EQ(info.find("client_output_buffer_limit_disconnections:0\r\n"), std::string::npos) << info;
  EXPECT_NE(node.process.log().find("scheduled to be closed ASAP for overcoming of output buffer limits"),
            std::string::npos);
}
