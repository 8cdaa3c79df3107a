// The HyperLogLog codec (datanode/types/hll.h) against values taken from redis-server 7.0.15: the same
// elements give byte-identical values (sparse and dense, cached cardinality included) and the same
// counts; sparse <-> dense round trips; hostile strings are reported as corrupt, never read past.
#include "datanode/types/hll.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace {

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// PFADD key e0 .. e<n-1>, then PFCOUNT key (which stores the cached cardinality).
std::string build(int n, uint64_t& count) {
  std::string s = hll::create();
  for (int i = 0; i < n; ++i) hll::add(s, "e" + std::to_string(i), 3000);
  hll::invalidate_cache(s);
  count = hll::estimate(s).value();
  hll::store_cache(s, count);
  return s;
}

}  // namespace

// Figures from redis-server 7.0.15 (PFADD in batches of 1000, PFCOUNT, PFDEBUG ENCODING, GET).
TEST(Hll, SameBytesAndCountsAsRedis) {
  struct Case {
    int n;
    uint64_t count;
    uint8_t encoding;
    size_t length;
    uint64_t fnv;
  };
  const Case cases[] = {
      {1, 1, hll::kSparse, 21, 0x546d16fdfd2c805aULL},
      {10, 10, hll::kSparse, 48, 0xd06c25fbeaa23420ULL},
      {100, 100, hll::kSparse, 285, 0x40dec5e3b1513cfaULL},
      {1000, 1008, hll::kSparse, 1906, 0x4ded8ea0046b668dULL},
      {3000, 2979, hll::kDense, 12304, 0xb581fa7fa1f68d1cULL},
      {10000, 9973, hll::kDense, 12304, 0x91141a0852dc0034ULL},
      {100000, 100853, hll::kDense, 12304, 0xfd1fc23694773e63ULL},
  };
  for (const Case& c : cases) {
    uint64_t count = 0;
    std::string s = build(c.n, count);
    EXPECT_EQ(count, c.count) << c.n;
    EXPECT_EQ(hll::encoding(s), c.encoding) << c.n;
    EXPECT_EQ(s.size(), c.length) << c.n;
    EXPECT_EQ(fnv1a(s), c.fnv) << c.n;
  }
}

TEST(Hll, SmallSparseValueMatchesRedisByteForByte) {
  std::string s = hll::create();
  EXPECT_EQ(s, unhex("48594c4c0100000000000000000000007fff"));
  for (const char* e : {"a", "b", "c"}) hll::add(s, e, 3000);
  hll::invalidate_cache(s);
  EXPECT_EQ(s, unhex("48594c4c01000000000000000000008060f38050b1844bfb80425a"));
  EXPECT_EQ(hll::decode_sparse(s), "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603");
  hll::store_cache(s, hll::estimate(s).value());
  EXPECT_EQ(s, unhex("48594c4c01000000030000000000000060f38050b1844bfb80425a"));
}

TEST(Hll, SparseAndDenseRoundTrip) {
  std::mt19937 rng(7);
  for (int n : {0, 5, 200, 900}) {
    std::string sparse = hll::create();
    for (int i = 0; i < n; ++i) hll::add(sparse, std::to_string(rng()), 1 << 30);
    ASSERT_EQ(hll::encoding(sparse), hll::kSparse);
    std::string dense = sparse;
    ASSERT_TRUE(hll::to_dense(dense));
    ASSERT_EQ(dense.size(), hll::kDenseSize);
    EXPECT_EQ(hll::estimate(sparse), hll::estimate(dense)) << n;
    std::vector<uint8_t> a(hll::kRegisters), b(hll::kRegisters);
    ASSERT_TRUE(hll::merge_into(sparse, a.data()));
    ASSERT_TRUE(hll::merge_into(dense, b.data()));
    EXPECT_EQ(a, b);
    // Rebuilding a sparse value register by register (as PFMERGE does) gives the same registers.
    std::string rebuilt = hll::create();
    for (int i = 0; i < hll::kRegisters; ++i)
      if (a[static_cast<size_t>(i)]) hll::set_register(rebuilt, i, a[static_cast<size_t>(i)], 1 << 30);
    std::vector<uint8_t> c(hll::kRegisters);
    ASSERT_TRUE(hll::merge_into(rebuilt, c.data()));
    EXPECT_EQ(a, c);
  }
}

TEST(Hll, SparseTurnsDenseAtTheSizeLimitOrABigRegister) {
  std::string s = hll::create();
  int i = 0;
  while (hll::encoding(s) == hll::kSparse) {
    hll::add(s, "x" + std::to_string(i++), 300);
    ASSERT_LE(s.size(), std::max<size_t>(300, hll::kDenseSize));
  }
  EXPECT_EQ(s.size(), hll::kDenseSize);
  std::string t = hll::create();
  EXPECT_EQ(hll::set_register(t, 100, 33, 3000), 1);
  EXPECT_EQ(hll::encoding(t), hll::kDense);
  EXPECT_EQ(hll::set_register(t, 100, 20, 3000), 0);
}

TEST(Hll, DenseRegistersDoNotDisturbNeighbours) {
  std::vector<uint8_t> regs(hll::kDenseSize - hll::kHeaderSize, 0);
  std::mt19937 rng(3);
  std::vector<uint8_t> want(hll::kRegisters);
  for (int i = 0; i < hll::kRegisters; ++i) {
    want[static_cast<size_t>(i)] = static_cast<uint8_t>(rng() & 63);
    hll::dense_set(regs.data(), regs.size(), i, want[static_cast<size_t>(i)]);
  }
  for (int i = 0; i < hll::kRegisters; ++i)
    ASSERT_EQ(hll::dense_get(regs.data(), regs.size(), i), want[static_cast<size_t>(i)]);
}

TEST(Hll, CorruptSparseDataIsReported) {
  std::string header = hll::create().substr(0, hll::kHeaderSize);
  std::vector<uint8_t> regs(hll::kRegisters);
  // Too few registers, too many, a VAL run past the end, a cut XZERO, nothing at all.
  for (std::string body : {std::string("\x7f\xfe", 2), std::string("\x7f\xff\x00", 3),
                           std::string("\x7f\xfd\x83", 3), std::string("\x7f", 1), std::string()}) {
    std::string s = header + body;
    ASSERT_TRUE(hll::looks_valid(s));
    EXPECT_FALSE(hll::estimate(s).has_value());
    EXPECT_FALSE(hll::merge_into(s, regs.data()));
    std::string copy = s;
    EXPECT_FALSE(hll::to_dense(copy));
  }
  EXPECT_FALSE(hll::looks_valid("HYLL"));
  EXPECT_FALSE(hll::looks_valid(std::string("HYLX\x01", 5) + std::string(11, '\0')));
  EXPECT_FALSE(hll::looks_valid(std::string("HYLL\x02", 5) + std::string(11, '\0')));
  EXPECT_FALSE(hll::looks_valid(std::string("HYLL\x00", 5) + std::string(11, '\0')));
  // A sparse value with nothing after its header cannot take a register.
  std::string empty = header;
  EXPECT_EQ(hll::set_register(empty, 5, 3, 3000), -1);
}

TEST(Hll, SelfTestPasses) { EXPECT_EQ(hll::self_test(3000), ""); }
