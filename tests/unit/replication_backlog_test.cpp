// The replication backlog ring: offsets, wrap-around, what PSYNC can still be served.
#include <gtest/gtest.h>

#include "datanode/replication/backlog.h"

using datanode::ReplicationBacklog;

TEST(ReplicationBacklog, EmptyBacklogStartsAfterCurrentOffset) {
  ReplicationBacklog b(16, 100);
  EXPECT_EQ(b.first_byte_offset(), 101);
  EXPECT_EQ(b.histlen(), 0);
  EXPECT_TRUE(b.covers(101));
  EXPECT_FALSE(b.covers(100));
  EXPECT_FALSE(b.covers(102));
  EXPECT_EQ(b.copy_from(101), "");
}

TEST(ReplicationBacklog, CopiesFromAnyCoveredOffset) {
  ReplicationBacklog b(16, 0);
  b.append("hello ");
  b.append("world");
  EXPECT_EQ(b.end_offset(), 11);
  EXPECT_EQ(b.first_byte_offset(), 1);
  EXPECT_EQ(b.copy_from(1), "hello world");
  EXPECT_EQ(b.copy_from(7), "world");
  EXPECT_EQ(b.copy_from(12), "");
  EXPECT_FALSE(b.covers(13));
}

TEST(ReplicationBacklog, WrapsAroundAndForgetsOldBytes) {
  ReplicationBacklog b(8, 0);
  b.append("abcdef");
  b.append("ghijkl");  // 12 bytes through an 8-byte ring
  EXPECT_EQ(b.histlen(), 8);
  EXPECT_EQ(b.first_byte_offset(), 5);
  EXPECT_FALSE(b.covers(4));
  EXPECT_EQ(b.copy_from(5), "efghijkl");
  EXPECT_EQ(b.copy_from(10), "jkl");
  b.append("0123456789ABCDEF");  // larger than the ring
  EXPECT_EQ(b.end_offset(), 28);
  EXPECT_EQ(b.copy_from(21), "89ABCDEF");
}

TEST(ReplicationBacklog, ManySmallWritesMatchAReferenceStream) {
  ReplicationBacklog b(1000, 0);
  std::string all;
  for (int i = 0; i < 5000; ++i) {
    std::string piece = "*1\r\n$4\r\nPING\r\n" + std::to_string(i);
    b.append(piece);
    all += piece;
  }
  int64_t end = static_cast<int64_t>(all.size());
  EXPECT_EQ(b.end_offset(), end);
  EXPECT_EQ(b.copy_from(end - 999), all.substr(all.size() - 1000));
  EXPECT_EQ(b.copy_from(end - 10), all.substr(all.size() - 11));
}

TEST(ReplicationBacklog, MemoryIsTakenAsDataArrivesNotUpFront) {
  ReplicationBacklog b(size_t{100} << 30, 0);  // 100 GB configured
  EXPECT_EQ(b.size(), size_t{100} << 30);
  EXPECT_LT(b.allocated(), 4096u);
  std::string all;
  for (int i = 0; i < 1000; ++i) {
    std::string piece(100, static_cast<char>('a' + i % 26));
    b.append(piece);
    all += piece;
  }
  EXPECT_GE(b.allocated(), all.size());
  EXPECT_LT(b.allocated(), all.size() * 3);
  EXPECT_EQ(b.copy_from(1), all);
  EXPECT_EQ(b.copy_from(99901), all.substr(99900));
}

TEST(ReplicationBacklog, GrowingThenWrappingKeepsTheStream) {
  ReplicationBacklog b(1000, 50);
  std::string all;
  for (int i = 0; i < 300; ++i) {
    std::string piece = std::to_string(i * 7919) + ",";
    b.append(piece);
    all += piece;
    int64_t end = 50 + static_cast<int64_t>(all.size());
    size_t held = std::min<size_t>(all.size(), 1000);
    ASSERT_EQ(b.copy_from(end - static_cast<int64_t>(held) + 1), all.substr(all.size() - held)) << i;
  }
  EXPECT_LE(b.allocated(), 1000u + 64);
}
