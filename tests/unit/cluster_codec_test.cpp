// Cluster building blocks without a server: hash slots (spec vectors), slot runs, the bus codec
// (offsets, round trip, hostile lengths) and nodes.conf parsing/rendering in Redis' format.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "datanode/cluster/bus_codec.h"
#include "datanode/cluster/nodes_conf.h"
#include "datanode/cluster/slots.h"
#include "datanode/store/database.h"

using namespace cluster;

TEST(ClusterSlots, HashSlotVectors) {
  EXPECT_EQ(crc16("123456789", 9), 0x31C3);
  EXPECT_EQ(key_hash_slot("foo"), 12182);
  EXPECT_EQ(key_hash_slot("bar"), 5061);
  EXPECT_EQ(key_hash_slot("{user1000}.following"), 3443);
  EXPECT_EQ(key_hash_slot("foo{}{bar}"), 8363);
  EXPECT_EQ(key_hash_slot("foo{{bar}}zap"), 4015);
  EXPECT_EQ(key_hash_slot("foo{bar}{zap}"), 5061);
}

TEST(ClusterSlots, RunsAreMaximal) {
  SlotBitmap b{};
  for (int s = 0; s <= 5460; ++s) slot_set(b, s);
  slot_set(b, 5462);
  slot_set(b, 16383);
  EXPECT_EQ(slot_runs_text(b), "0-5460 5462 16383");
  EXPECT_EQ(slot_count(b), 5463);
}

TEST(ClusterCodec, HeaderOffsetsAndRoundTrip) {
  Message m;
  m.type = kMsgPing;
  m.port = 30001;
  m.cport = 40001;
  m.flags = kMaster | kMyself;
  m.current_epoch = 12;
  m.config_epoch = 9;
  m.offset = 4973;
  m.sender = std::string(40, 'a');
  slot_set(m.myslots, 0);
  slot_set(m.myslots, 9);
  m.hostname = "node1.example";
  GossipEntry g;
  g.id = std::string(40, 'b');
  g.ip = "127.0.0.1";
  g.port = 30002;
  g.cport = 40002;
  g.flags = kMaster;
  g.pong_received = 1796168988;
  m.gossip.push_back(g);
  std::string b = encode(m);
  ASSERT_EQ(b.size(), kHeaderLen + kGossipLen + 24);
  EXPECT_EQ(b.substr(0, 4), "RCmb");
  EXPECT_EQ(static_cast<uint8_t>(b[80]), 0x01);  // slot 0: byte 0, bit 0
  EXPECT_EQ(static_cast<uint8_t>(b[81]), 0x02);  // slot 9: byte 1, bit 1
  EXPECT_EQ(static_cast<uint8_t>(b[2253]), 4);   // EXT_DATA
  EXPECT_EQ(b.substr(kHeaderLen + kGossipLen, 8), std::string("\x00\x00\x00\x18\x00\x00\x00\x00", 8));
  std::string why;
  auto d = decode(b, &why);
  ASSERT_TRUE(d) << why;
  EXPECT_EQ(d->port, 30001);
  EXPECT_EQ(d->cport, 40001);
  EXPECT_EQ(d->current_epoch, 12u);
  EXPECT_EQ(d->config_epoch, 9u);
  EXPECT_EQ(d->hostname, "node1.example");
  ASSERT_EQ(d->gossip.size(), 1u);
  EXPECT_EQ(d->gossip[0].ip, "127.0.0.1");
  EXPECT_EQ(d->gossip[0].pong_received, 1796168988u);
  EXPECT_TRUE(d->slaveof.empty());
  EXPECT_EQ(frame_length(b), static_cast<int64_t>(b.size()));
}

TEST(ClusterCodec, HostileFramesAreRefused) {
  Message m;
  m.sender = std::string(40, 'a');
  std::string b = encode(m);
  std::string why;
  EXPECT_EQ(frame_length(b.substr(0, 7)), 0);
  std::string bad_sig = b;
  bad_sig[0] = 'X';
  EXPECT_EQ(frame_length(bad_sig), -1);
  std::string too_short = b;
  too_short[4] = too_short[5] = too_short[6] = 0;
  too_short[7] = 16;
  EXPECT_EQ(frame_length(too_short), -1);
  // A gossip count the frame does not hold.
  std::string huge = b;
  huge[14] = huge[15] = static_cast<char>(0xff);
  EXPECT_FALSE(decode(huge, &why));
  EXPECT_NE(why.find("wrong length"), std::string::npos);
  // An extension whose length runs past the frame.
  std::string ext = b + std::string("\x00\x00\x10\x00\x00\x00\x00\x00", 8);
  ext[2253] = 4;
  ext[2215] = 1;
  ext[4] = 0, ext[5] = 0, ext[6] = static_cast<char>((ext.size() >> 8) & 0xff),
  ext[7] = static_cast<char>(ext.size() & 0xff);
  EXPECT_FALSE(decode(ext, &why));
  // FAIL of the wrong size; unknown types are well formed.
  Message f;
  f.type = kMsgFail;
  f.about = std::string(40, 'c');
  std::string fb = encode(f);
  EXPECT_TRUE(decode(fb, &why));
  EXPECT_FALSE(decode(fb.substr(0, fb.size() - 1), &why));
  std::string unknown = b;
  unknown[13] = 42;
  EXPECT_TRUE(decode(unknown, &why));
  // Another protocol version: dropped without a reason.
  std::string v2 = b;
  v2[9] = 2;
  EXPECT_FALSE(decode(v2, &why));
  EXPECT_TRUE(why.empty());
}

TEST(ClusterNodesConf, ParsesRedisFormatAndRendersItBack) {
  std::string text =
      "49e5ddf2b1fba1ac5e06d2b3c8d9b5a4b7a7a2d1 127.0.0.1:32007@41007 slave "
      "3b57df30b1fba1ac5e06d2b3c8d9b5a4b7a7a2d1 0 "
      "1796169015540 9 connected\n"
      "3b57df30b1fba1ac5e06d2b3c8d9b5a4b7a7a2d1 127.0.0.1:32001@51001,node1.example myself,master - 0 "
      "1796169015000 9 "
      "connected 0-2723 2725-6826 10923-12287\n"
      "c79e1c2bb1fba1ac5e06d2b3c8d9b5a4b7a7a2d1 127.0.0.1:32003@41003 master,fail - 1796169011074 "
      "1796169010000 10 "
      "disconnected\n"
      "vars currentEpoch 12 lastVoteEpoch 12\n";
  State st;
  ASSERT_EQ(parse_nodes_conf(text, st), "");
  ASSERT_NE(st.myself, nullptr);
  EXPECT_EQ(st.myself->hostname, "node1.example");
  EXPECT_EQ(st.myself->cport, 51001);
  EXPECT_EQ(st.myself->numslots, 2724 + 4102 + 1365);
  EXPECT_EQ(st.current_epoch, 12u);
  EXPECT_EQ(st.last_vote_epoch, 12u);
  std::string out = render_nodes_conf(st, 0);
  // The ping/pong columns restart from the load time (as Redis does); everything else is kept.
  EXPECT_NE(
      out.find(
          "3b57df30b1fba1ac5e06d2b3c8d9b5a4b7a7a2d1 127.0.0.1:32001@51001,node1.example myself,master - 0 "),
      std::string::npos)
      << out;
  EXPECT_NE(out.find(" 9 connected 0-2723 2725-6826 10923-12287\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" slave 3b57df30b1fba1ac5e06d2b3c8d9b5a4b7a7a2d1 0 "), std::string::npos) << out;
  EXPECT_NE(out.find(" 9 disconnected\n"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("vars currentEpoch 12 lastVoteEpoch 12\n"));

  State bad;
  EXPECT_NE(parse_nodes_conf("abc 1.2.3.4:1@2 master - 0 0 0 connected\n", bad), "");
  State no_myself;
  EXPECT_EQ(parse_nodes_conf("vars currentEpoch 1 lastVoteEpoch 0\n", no_myself), "no myself line");
  State bad_flag;
  EXPECT_NE(
      parse_nodes_conf(std::string(40, 'a') + " 1.2.3.4:1@2 myself,bogus - 0 0 0 connected\n", bad_flag), "");
  State bad_slot;
  EXPECT_NE(parse_nodes_conf(std::string(40, 'a') + " 1.2.3.4:1@2 myself,master - 0 0 0 connected 5-16384\n",
                             bad_slot),
            "");
}

// nodes.conf is rewritten in place (Redis 7.0): a shorter text is padded with newlines to the old
// length, then truncated; a file left padded (a kill before the truncate) still loads the same.
TEST(ClusterNodesConf, InPlaceWritePadsThenTruncates) {
  char path[] = "/tmp/nodes-conf-unit-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string id(40, 'a');
  std::string longer = id + " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-100 200 300-400\n" +
                       "vars currentEpoch 1 lastVoteEpoch 0\n";
  std::string shorter = id + " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-100\n" +
                        "vars currentEpoch 1 lastVoteEpoch 0\n";
  EXPECT_EQ(write_nodes_conf(fd, longer, true), "");
  EXPECT_EQ(write_nodes_conf(fd, shorter, false), "");
  std::string back(1024, '\0');
  ssize_t n = pread(fd, back.data(), back.size(), 0);
  back.resize(n > 0 ? static_cast<size_t>(n) : 0);
  EXPECT_EQ(back, shorter);
  State padded;
  ASSERT_EQ(parse_nodes_conf(shorter + std::string(longer.size() - shorter.size(), '\n'), padded), "");
  EXPECT_EQ(padded.myself->numslots, 101);
  EXPECT_EQ(padded.current_epoch, 1u);
  close(fd);
  unlink(path);
}

// The keys-by-slot index follows every way a key enters or leaves a database.
TEST(ClusterSlotIndex, FollowsPutEraseRenameExpireClear) {
  store::Database db(0);
  db.put("before", store::Value::make(store::Type::kString));
  db.enable_slot_index();
  const store::SlotIndex* idx = db.slot_index();
  ASSERT_NE(idx, nullptr);
  EXPECT_EQ(idx->count(key_hash_slot("before")), 1u);
  db.put("{t}a", store::Value::make(store::Type::kString));
  db.put("{t}b", store::Value::make(store::Type::kString));
  db.put("{t}b", store::Value::make(store::Type::kString));  // overwrite: still one key
  int t = key_hash_slot("{t}");
  EXPECT_EQ(idx->count(t), 2u);
  EXPECT_EQ(idx->keys(t, 10).size(), 2u);
  EXPECT_EQ(idx->keys(t, 1).size(), 1u);
  db.erase("{t}a");
  EXPECT_EQ(idx->count(t), 1u);
  db.rename("{t}b", "foo");
  EXPECT_EQ(idx->count(t), 0u);
  EXPECT_EQ(idx->count(12182), 1u);
  ASSERT_EQ(idx->keys(12182, 10).size(), 1u);
  EXPECT_EQ(idx->keys(12182, 10)[0], "foo");
  db.set_expire("foo", 1);
  EXPECT_EQ(db.find("foo", 1000), nullptr);  // expired on access
  EXPECT_EQ(idx->count(12182), 0u);
  db.clear();
  EXPECT_EQ(idx->count(key_hash_slot("before")), 0u);
}
