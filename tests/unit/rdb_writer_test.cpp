// The streaming RDB writer (what SAVE, BGSAVE and full syncs produce) and the LZF compressor: round trips
// through the decoder, compression that pays, the checksum switch.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <random>

#include "datanode/rdb/crc64.h"
#include "datanode/rdb/decoder.h"
#include "datanode/rdb/lzf.h"
#include "datanode/rdb/writer.h"

namespace {

std::string read_all(int fd) {
  std::string out;
  char buf[65536];
  lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

std::string written(const std::vector<store::Database>& dbs, const rdb::WriteOptions& o) {
  FILE* f = tmpfile();
  EXPECT_EQ(rdb::write_snapshot(fileno(f), dbs, rdb::SaveInfo{}, o), "");
  std::string out = read_all(fileno(f));
  fclose(f);
  return out;
}

std::vector<store::Database> sample(size_t keys) {
  std::vector<store::Database> dbs;
  dbs.emplace_back(0);
  dbs.emplace_back(1);
  for (size_t i = 0; i < keys; ++i)
    dbs[i % 2].put("key:" + std::to_string(i),
                   store::Value(std::string(100, 'a' + static_cast<char>(i % 26))));
  dbs[1].set_expire("key:1", 4102444800000);
  return dbs;
}

TEST(RdbLzf, RoundTripsWhateverItCompresses) {
  rdb::LzfCompressor lzf;
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::string in;
    size_t len = 21 + rng() % 5000;
    int alphabet = 1 + static_cast<int>(rng() % 40);
    for (size_t i = 0; i < len; ++i) in.push_back(static_cast<char>('a' + rng() % alphabet));
    std::string out;
    if (!lzf.compress(in, in.size() - 4, &out)) continue;
    auto back = rdb::lzf_decompress(out, in.size());
    ASSERT_TRUE(back.has_value()) << round;
    ASSERT_EQ(*back, in) << round;
  }
  std::string repetitive(10000, 'x');
  std::string out;
  ASSERT_TRUE(lzf.compress(repetitive, repetitive.size() - 4, &out));
  EXPECT_LT(out.size(), 200u);
  EXPECT_EQ(rdb::lzf_decompress(out, repetitive.size()), repetitive);
  // Incompressible input does not fit the budget.
  std::string noise;
  for (int i = 0; i < 64; ++i) noise.push_back(static_cast<char>(rng()));
  EXPECT_FALSE(lzf.compress(noise, noise.size() - 4, &out));
}

TEST(RdbWriter, StreamsWhatTheDecoderReadsBack) {
  auto dbs = sample(50000);  // several chunks
  for (bool compression : {true, false}) {
    std::string data = written(dbs, {compression, true});
    size_t keys = 0;
    int64_t expiry = -1;
    rdb::LoadInfo info;
    std::string err = rdb::decode(
        data,
        [&](int db, std::string key, store::Value v, int64_t exp) {
          ++keys;
          if (key == "key:1") {
            EXPECT_EQ(db, 1);
            expiry = exp;
          }
          EXPECT_EQ(v.str().size(), 100u);
        },
        &info);
    EXPECT_EQ(err, "");
    EXPECT_EQ(keys, 50000u);
    EXPECT_EQ(expiry, 4102444800000);
    uint64_t stored = 0;
    for (int i = 0; i < 8; ++i)
      stored |= static_cast<uint64_t>(static_cast<uint8_t>(data[data.size() - 8 + i])) << (8 * i);
    EXPECT_EQ(stored, rdb::crc64(0, std::string_view(data).substr(0, data.size() - 8)));
  }
  EXPECT_LT(written(dbs, {true, true}).size() * 2, written(dbs, {false, true}).size());
}

TEST(RdbWriter, ChecksumOffWritesZeros) {
  auto dbs = sample(10);
  std::string data = written(dbs, {true, false});
  EXPECT_EQ(data.substr(data.size() - 8), std::string(8, '\0'));
  rdb::LoadInfo info;
  EXPECT_EQ(rdb::decode(
                data, [](int, std::string, store::Value, int64_t) {}, &info),
            "");
}

}  // namespace
