// types/stream: ID parsing and arithmetic, the block layout (same-field packing, block boundaries),
// ranges both ways, deletion, trimming, the group counters, and the RDB listpack round trip.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "datanode/rdb/encoder.h"
#include "datanode/rdb/stream_codec.h"
#include "datanode/types/stream.h"

namespace {

using stream::ID;

std::vector<ID> ids(const stream::Stream& s, bool rev = false) {
  std::vector<ID> out;
  s.range({0, 0}, ID::max(), rev, [&](const stream::EntryView& e) {
    out.push_back(e.id);
    return true;
  });
  return out;
}

stream::Stream make(int n, int per_block = 100) {
  stream::Stream s;
  for (int i = 1; i <= n; ++i) {
    std::string v = std::to_string(i);
    s.append({static_cast<uint64_t>(i), 0}, {"f", v}, 0, per_block);
  }
  return s;
}

TEST(StreamType, ParsesIdsAsRedis) {
  EXPECT_EQ(stream::parse_id("1-2", 0, false), (ID{1, 2}));
  EXPECT_EQ(stream::parse_id("5", 7, false), (ID{5, 7}));
  EXPECT_EQ(stream::parse_id("-", 0, false), (ID{0, 0}));
  EXPECT_EQ(stream::parse_id("+", 0, false), ID::max());
  EXPECT_FALSE(stream::parse_id("+", 0, true));
  EXPECT_FALSE(stream::parse_id("1-", 0, false));
  EXPECT_FALSE(stream::parse_id("-1", 0, false));
  EXPECT_FALSE(stream::parse_id("1-2-3", 0, false));
  EXPECT_FALSE(stream::parse_id("18446744073709551616", 0, false));
  EXPECT_FALSE(stream::parse_id(std::string(200, '1'), 0, false));
  bool seq_given = true;
  EXPECT_EQ(stream::parse_id("3-*", 0, true, &seq_given), (ID{3, 0}));
  EXPECT_FALSE(seq_given);
  EXPECT_FALSE(stream::parse_id("3-*", 0, true));
  ID top = ID::max();
  EXPECT_FALSE(top.incr());
  ID low{1, 0};
  EXPECT_TRUE(low.decr());
  EXPECT_EQ(low, (ID{0, UINT64_MAX}));
}

TEST(StreamType, BlocksHoldAtMostMaxEntries) {
  stream::Stream s = make(250);
  EXPECT_EQ(s.length, 250u);
  EXPECT_EQ(s.block_count(), 3u);
  auto all = ids(s);
  ASSERT_EQ(all.size(), 250u);
  EXPECT_EQ(all.front(), (ID{1, 0}));
  EXPECT_EQ(ids(s, true).front(), (ID{250, 0}));
  // Same field names as the block's first entry: only values are stored (a few bytes per entry).
  EXPECT_LT(s.blocks().begin()->second.data.size(), 100u * 8);
}

TEST(StreamType, RangesSeekInsideBlocks) {
  stream::Stream s = make(1000);
  std::vector<ID> got;
  s.range({150, 0}, {152, 0}, false, [&](const stream::EntryView& e) {
    got.push_back(e.id);
    EXPECT_EQ(e.fields[1], std::to_string(e.id.ms));
    return true;
  });
  EXPECT_EQ(got, (std::vector<ID>{{150, 0}, {151, 0}, {152, 0}}));
  got.clear();
  s.range({150, 0}, {300, 0}, true, [&](const stream::EntryView& e) {
    got.push_back(e.id);
    return got.size() < 2;
  });
  EXPECT_EQ(got, (std::vector<ID>{{300, 0}, {299, 0}}));
}

TEST(StreamType, DeleteLeavesTombstonesAndFreesEmptyBlocks) {
  stream::Stream s = make(200);
  EXPECT_TRUE(s.remove({5, 0}));
  EXPECT_FALSE(s.remove({5, 0}));
  EXPECT_FALSE(s.find({5, 0}));
  EXPECT_TRUE(s.find({6, 0}));
  EXPECT_EQ(s.length, 199u);
  for (int i = 101; i <= 200; ++i) EXPECT_TRUE(s.remove({static_cast<uint64_t>(i), 0}));
  EXPECT_EQ(s.block_count(), 1u);
  EXPECT_EQ(s.edge_id(false), (ID{100, 0}));
}

TEST(StreamType, TrimsWholeBlocksWhenApproximate) {
  stream::Stream s = make(1000);
  EXPECT_EQ(s.trim_maxlen(950, true, 10000), 0);
  EXPECT_EQ(s.trim_maxlen(850, true, 10000), 100);
  EXPECT_EQ(s.trim_maxlen(849, false, 0), 51);
  EXPECT_EQ(s.length, 849u);
  EXPECT_EQ(s.first_id, (ID{152, 0}));
  EXPECT_EQ(s.trim_minid({460, 0}, true, 10000), 249);  // 152-200, 201-300, 301-400: each block ends below 460
  EXPECT_EQ(s.trim_minid({470, 0}, false, 0), 69);
  EXPECT_EQ(s.first_id, (ID{470, 0}));
}

TEST(StreamType, GroupCountersFollowRedis) {
  stream::Stream s = make(3);
  stream::Group g;
  EXPECT_EQ(s.lag(g), 3);  // entries_read invalid, last ID 0-0 before the first entry
  s.advance_group(g, {1, 0});
  EXPECT_EQ(g.entries_read, 1);
  EXPECT_EQ(s.lag(g), 2);
  s.remove({2, 0});
  s.max_deleted_id = {2, 0};
  EXPECT_EQ(s.lag(g), -1);  // a tombstone ahead: unknown
  // No tombstone after 3-0: the counter just increments, skipping the deleted entry (as Redis 7.0 does).
  s.advance_group(g, {3, 0});
  EXPECT_EQ(g.entries_read, 2);
  EXPECT_EQ(s.lag(g), 1);
}

TEST(StreamType, CloneKeepsGroupsAndPel) {
  stream::Stream s = make(3);
  stream::Group& g = s.groups["g"];
  stream::Consumer& c = g.consumer("alice", 10);
  g.pel[{1, 0}] = stream::PendingEntry{&c, 5, 2};
  c.pel.insert({1, 0});
  stream::Stream copy = s.clone();
  const stream::Group& cg = copy.groups.at("g");
  const stream::PendingEntry& p = cg.pel.at({1, 0});
  EXPECT_EQ(p.consumer, &cg.consumers.at("alice"));
  EXPECT_EQ(p.delivery_count, 2u);
  EXPECT_EQ(ids(copy).size(), 3u);
}

class StringSource : public rdb::StreamSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  uint64_t length() override {
    uint8_t b = u8();
    switch (b >> 6) {
      case 0: return b & 0x3f;
      case 1: return (static_cast<uint64_t>(b & 0x3f) << 8) | u8();
      default: {
        int n = b == 0x80 ? 4 : 8;
        uint64_t v = 0;
        for (int i = 0; i < n; ++i) v = (v << 8) | u8();
        return v;
      }
    }
  }
  std::string string() override { return std::string(bytes(length())); }
  std::string_view bytes(size_t n) override {
    if (n > data_.size() - pos_) {
      fail("short");
      return {};
    }
    pos_ += n;
    return std::string_view(data_).substr(pos_ - n, n);
  }
  uint64_t le64() override {
    auto b = bytes(8);
    uint64_t v = 0;
    for (size_t i = 0; i < b.size(); ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(b[i])) << (8 * i);
    return v;
  }
  bool failed() const override { return failed_; }
  void fail(std::string) override { failed_ = true; }

 private:
  uint8_t u8() {
    auto b = bytes(1);
    return b.empty() ? 0 : static_cast<uint8_t>(b[0]);
  }
  std::string data_;
  size_t pos_ = 0;
  bool failed_ = false;
};

TEST(StreamType, RdbRoundTrip) {
  stream::Stream s = make(150);
  s.append({151, 0}, {"other", "x", "f", "12345678901"}, 0, 100);
  s.remove({10, 0});
  s.max_deleted_id = {10, 0};
  stream::Group& g = s.groups["g"];
  g.last_id = {20, 0};
  g.entries_read = 20;
  stream::Consumer& c = g.consumer("alice", 99);
  g.pel[{3, 0}] = stream::PendingEntry{&c, 1234, 2};
  c.pel.insert({3, 0});
  g.consumer("idle", 98);
  std::string out;
  rdb::Encoder e(&out);
  rdb::encode_stream(e, s);
  StringSource src(out);
  auto back = rdb::decode_stream(19, src);
  ASSERT_TRUE(back);
  EXPECT_EQ(ids(*back), ids(s));
  EXPECT_EQ(back->length, s.length);
  EXPECT_EQ(back->entries_added, s.entries_added);
  EXPECT_EQ(back->max_deleted_id, s.max_deleted_id);
  stream::EntryView v;
  ASSERT_TRUE(back->find({151, 0}, &v));
  EXPECT_EQ(v.fields[3], "12345678901");
  const stream::Group& bg = back->groups.at("g");
  EXPECT_EQ(bg.entries_read, 20);
  EXPECT_EQ(bg.pel.at({3, 0}).consumer->name, "alice");
  EXPECT_EQ(bg.consumers.size(), 2u);
  // Every truncation is refused, never a crash.
  for (size_t cut = 0; cut < out.size(); cut += 7) {
    StringSource part(out.substr(0, cut));
    EXPECT_FALSE(rdb::decode_stream(19, part));
  }
}

}  // namespace
