// Bitmap commands (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO) replayed against a
// real redis-server and compared byte for byte: ranges in bytes and bits, negative indexes, every error
// text, WRONGTYPE, and a seeded random mix of writes whose results must agree to the last byte.
#include <gtest/gtest.h>

#include <random>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"
#include "script_util.h"

using scriptutil::script;
using Commands = std::vector<std::vector<std::string>>;

TEST(Bitmaps, SameRepliesAsRealRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  auto diffs = reference::differences_resp2_and_3(redis.port, node.port, script(R"(
FLUSHALL
SETBIT b 7 1
SETBIT b 7 1
SETBIT b 7 0
SETBIT b 100 1
GET b
GETBIT b 100
GETBIT b 101
GETBIT b 100000
GETBIT nokey 3
SETBIT b -1 1
SETBIT b 4294967296 1
SETBIT b 4294967295 2
SETBIT b x 1
SETBIT b 1 2
SETBIT b 1 -1
SETBIT b 1 x
SETBIT b #1 1
GETBIT b -1
GETBIT b x
GETBIT b 4294967296
SET s foobar
BITCOUNT s
BITCOUNT s 0 0
BITCOUNT s 1 1
BITCOUNT s 1 1 BYTE
BITCOUNT s 5 30 BIT
BITCOUNT s -2 -1
BITCOUNT s -1 -2
BITCOUNT s -100 100
BITCOUNT s 3 1
BITCOUNT s 0 -1 BIT
BITCOUNT s -7 -3 BIT
BITCOUNT s 0 47 bit
BITCOUNT s 1 47 BIT
BITCOUNT s 9 9 BIT
BITCOUNT s 0
BITCOUNT s 0 1 BOO
BITCOUNT s 0 1 BIT extra
BITCOUNT s a 1
BITCOUNT s 0 b
BITCOUNT nokey
BITCOUNT nokey 0
BITCOUNT nokey a b
SET z ""
BITCOUNT z
BITCOUNT z 0 -1
BITCOUNT z 0 -1 BIT
SET p \xff\xf0\x00
SETBIT q 0 1
SETBIT q 17 1
BITPOS q 1
BITPOS q 0
BITPOS q 1 1
BITPOS q 1 3
BITPOS q 0 3
BITPOS q 1 0 -1
BITPOS q 1 1 2 BIT
BITPOS q 1 2 17 BIT
BITPOS q 1 18 BIT
BITPOS q 0 0 0 BIT
BITPOS q 1 -1 -1 BIT
BITPOS q 1 -7 -1 BIT
BITPOS q 0 1 1
SET ones \xff\xff\xff
SETBIT ones 0 1
SETBIT f 0 1
SETBIT f 1 1
SETBIT f 2 1
SETBIT f 3 1
SETBIT f 4 1
SETBIT f 5 1
SETBIT f 6 1
SETBIT f 7 1
BITPOS f 0
BITPOS f 0 0
BITPOS f 0 0 0
BITPOS f 0 0 -1
BITPOS f 0 0 7 BIT
BITPOS f 0 0 100 BIT
BITPOS f 0 0 BIT
BITPOS f 0 3 BIT
BITPOS f 1 3 BIT
BITPOS f 1 3 2 BIT
BITPOS f 2
BITPOS f -1
BITPOS f x
BITPOS f 1 x
BITPOS f 1 0 x
BITPOS f 1 0 1 BOO
BITPOS f 1 0 1 BIT extra
BITPOS nokey 1
BITPOS nokey 0
BITPOS nokey 2
BITPOS z 0
BITPOS z 1
SET a1 abcdef
SET a2 xyz
BITOP AND dest a1 a2
GET dest
BITOP OR dest a1 a2 nokey
GET dest
BITOP XOR dest a1 a2
GET dest
BITOP NOT dest a1
GET dest
BITOP not dest a1 a2
BITOP NAND dest a1
BITOP AND dest nokey nokey2
EXISTS dest
BITOP AND a1 a1 a2
GET a1
LPUSH l x
BITOP AND dest a2 l
SETBIT l 1 1
GETBIT l 1
BITCOUNT l
BITPOS l 1
BITFIELD l GET u8 0
BITFIELD_RO l GET u8 0
BITFIELD l SET u8 0 1
BITFIELD nokey GET u8 0 GET i8 4
EXISTS nokey
BITFIELD bf SET i8 0 100 GET i8 0 INCRBY i8 0 100 GET u4 0
BITFIELD bf OVERFLOW SAT INCRBY i8 0 200 INCRBY i8 0 -300 INCRBY u4 0 100 INCRBY u4 0 -100
BITFIELD bf OVERFLOW FAIL INCRBY i8 0 200 GET i8 0 INCRBY u2 100 1 INCRBY u2 100 10
BITFIELD bf OVERFLOW WRAP INCRBY u2 100 7 INCRBY i5 3 100 INCRBY i64 0 9223372036854775807
BITFIELD bf SET i64 0 -9223372036854775808 INCRBY i64 0 -1 GET i64 0
BITFIELD bf OVERFLOW SAT SET i64 0 -9223372036854775808 INCRBY i64 0 -1 GET i64 0 INCRBY u63 1 -1
BITFIELD bf SET u8 #1 255 GET u8 8 GET u8 #1 GET i8 #1 SET u3 #2 9 GET u3 6
BITFIELD bf OVERFLOW SAT SET u8 #3 -1 SET i4 #3 100 SET u8 #4 300
BITFIELD bf OVERFLOW FAIL SET u8 #5 -1 SET i4 #6 -9 SET u8 #6 300 SET u63 0 -1
BITFIELD bf OVERFLOW WRAP SET u8 #5 -1 SET i4 #6 -9 SET u8 #7 300
GET bf
BITFIELD bf GET u64 0
BITFIELD bf GET i65 0
BITFIELD bf GET u0 0
BITFIELD bf GET x8 0
BITFIELD bf GET i 0
BITFIELD bf GET u-1 0
BITFIELD bf GET u8 -1
BITFIELD bf GET u8 #-1
BITFIELD bf GET u8 ##1
BITFIELD bf GET u8 4294967296
BITFIELD bf GET u8 #536870912
BITFIELD bf GET u8 #536870911
BITFIELD bf SET u8 0 x
BITFIELD bf INCRBY u8 0 1.5
BITFIELD bf OVERFLOW FOO GET u8 0
BITFIELD bf OVERFLOW
BITFIELD bf GET u8
BITFIELD bf SET u8 0
BITFIELD bf FOO u8 0
BITFIELD bf
BITFIELD_RO bf GET u8 0 GET i16 #1
BITFIELD_RO bf SET u8 0 1
BITFIELD_RO bf INCRBY u8 0 1
BITFIELD_RO bf OVERFLOW SAT GET u8 0
BITFIELD_RO bf
BITFIELD_RO nokey GET u8 0
BITFIELD created OVERFLOW FAIL SET u8 100 1000
GET created
EXISTS created
SET num 12345
GETBIT num 2
BITCOUNT num
SETBIT num 7 0
GET num
BITFIELD big GET u8 0 SET u16 #100 65535
STRLEN big
)"));
  EXPECT_EQ(diffs, std::vector<std::string>{});
  Commands empty = {{"SET", "e", ""},
                    {"BITCOUNT", "e"},
                    {"BITCOUNT", "e", "0", "-1", "BIT"},
                    {"BITPOS", "e", "0"},
                    {"BITPOS", "e", "1"},
                    {"BITPOS", "e", "0", "0", "-1", "BIT"},
                    {"GETBIT", "e", "0"},
                    {"BITFIELD_RO", "e", "GET", "i8", "0"},
                    {"SET", "raw", std::string("\xff\xf0\x00\x01", 4)},
                    {"BITPOS", "raw", "0"},
                    {"BITPOS", "raw", "1", "2"},
                    {"BITPOS", "raw", "0", "1", "1"},
                    {"BITCOUNT", "raw", "1", "3"},
                    {"BITPOS", "raw", "1", "12", "-1", "BIT"}};
  EXPECT_EQ(reference::differences_resp2_and_3(redis.port, node.port, empty), std::vector<std::string>{});
  // Long runs of zeros and ones (the word-at-a-time paths).
  Commands runs = {{"SETRANGE", "z", "700", "\x01"},
                   {"SET", "o", std::string(300, '\xff') + "\x7f" + std::string(40, '\xff')}};
  for (const char* key : {"z", "o"}) {
    for (const char* bit : {"0", "1"}) {
      runs.push_back({"BITPOS", key, bit});
      runs.push_back({"BITPOS", key, bit, "9"});
      runs.push_back({"BITPOS", key, bit, "9", "-1"});
      runs.push_back({"BITPOS", key, bit, "77", "5000", "BIT"});
      runs.push_back({"BITPOS", key, bit, "-400", "-2"});
      runs.push_back({"BITCOUNT", key, "3", "-3", "BIT"});
    }
  }
  EXPECT_EQ(reference::differences_resp2_and_3(redis.port, node.port, runs), std::vector<std::string>{});
}

// Errors that depend on proto-max-bulk-len: the offset limit follows the setting, as in Redis.
TEST(Bitmaps, OffsetLimitFollowsProtoMaxBulkLen) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  auto diffs = reference::differences_resp2_and_3(redis.port, node.port, script(R"(
CONFIG SET proto-max-bulk-len 1048576
SETBIT k 8388608 1
SETBIT k 8388607 1
STRLEN k
BITFIELD k SET u8 #1048576 1
BITFIELD k SET u8 #1048575 1
BITFIELD k GET u8 8388608
CONFIG SET proto-max-bulk-len 536870912
)"));
  EXPECT_EQ(diffs, std::vector<std::string>{});
}

// A seeded random mix of bitmap writes on a few keys: every reply and the final strings agree.
TEST(Bitmaps, RandomWritesAgreeWithRealRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  std::mt19937 rng(12345);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const char* keys[] = {"k1", "k2", "k3"};
  const char* overflows[] = {"WRAP", "SAT", "FAIL"};
  Commands cmds;
  for (int i = 0; i < 600; ++i) {
    std::string key = keys[pick(3)];
    int kind = pick(6);
    if (kind == 0) {
      cmds.push_back({"SETBIT", key, std::to_string(pick(300)), std::to_string(pick(2))});
    } else if (kind == 1) {
      bool sign = pick(2);
      int width = 1 + pick(sign ? 64 : 63);
      std::string type = (sign ? "i" : "u") + std::to_string(width);
      int64_t value = static_cast<int64_t>((static_cast<uint64_t>(rng()) << 32) | rng()) >> pick(64);
      cmds.push_back({"BITFIELD", key, "OVERFLOW", overflows[pick(3)], pick(2) ? "INCRBY" : "SET", type,
                      std::to_string(pick(200)), std::to_string(value), "GET", type,
                      std::to_string(pick(200))});
    } else if (kind == 2) {
      cmds.push_back({"BITCOUNT", key, std::to_string(pick(80) - 40), std::to_string(pick(80) - 40),
                      pick(2) ? "BIT" : "BYTE"});
    } else if (kind == 3) {
      Commands::value_type c = {"BITPOS", key, std::to_string(pick(2)), std::to_string(pick(300) - 150)};
      if (pick(2)) c.push_back(std::to_string(pick(300) - 150));
      if (c.size() == 5 && pick(2)) c.push_back(pick(2) ? "BIT" : "BYTE");
      cmds.push_back(c);
    } else if (kind == 4) {
      const char* ops[] = {"AND", "OR", "XOR"};
      cmds.push_back({"BITOP", ops[pick(3)], keys[pick(3)], key, keys[pick(3)]});
    } else {
      cmds.push_back({"BITOP", "NOT", keys[pick(3)], key});
    }
  }
  for (const char* k : keys) cmds.push_back({"GET", k});
  auto diffs = reference::differences_resp2_and_3(redis.port, node.port, cmds);
  EXPECT_EQ(diffs, std::vector<std::string>{});
}
