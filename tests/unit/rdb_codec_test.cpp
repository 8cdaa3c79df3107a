// RDB encoder and decoder: checksum, round trips of every type with expiry, the packed encodings a real
// Redis writes (built by hand here), and a dump.rdb produced by a real redis-server when one is installed.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "common/util/clock.h"
#include "datanode/rdb/crc64.h"
#include "datanode/rdb/decoder.h"
#include "datanode/rdb/encoder.h"
#include "datanode/rdb/format.h"
#include "datanode/rdb/lzf.h"
#include "datanode/rdb/packed.h"

namespace {

using store::Type;
using store::Value;

struct Loaded {
  std::map<std::pair<int, std::string>, std::pair<Value, int64_t>> keys;
};

std::string load_into(std::string_view data, Loaded* out, rdb::LoadInfo* info = nullptr) {
  return rdb::decode(
      data,
      [&](int db, std::string key, Value v, int64_t exp) {
        out->keys.emplace(std::make_pair(db, std::move(key)), std::make_pair(std::move(v), exp));
      },
      info);
}

std::vector<std::pair<std::string, double>> zitems(const Value& v) {
  std::vector<std::pair<std::string, double>> out;
  v.zset().for_each([&](const std::string& m, double s) { out.emplace_back(m, s); });
  return out;
}

TEST(RdbCrc64, JonesCheckValue) {
  EXPECT_EQ(rdb::crc64(0, "123456789"), 0xe9c6d914c4b8d9caULL);
  // Incremental use gives the same result as one call.
  uint64_t c = rdb::crc64(0, "1234");
  EXPECT_EQ(rdb::crc64(c, "56789"), 0xe9c6d914c4b8d9caULL);
  std::string big(100000, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  uint64_t whole = rdb::crc64(0, big);
  uint64_t parts = rdb::crc64(rdb::crc64(0, big.data(), 12345), big.data() + 12345, big.size() - 12345);
  EXPECT_EQ(whole, parts);
}

TEST(RdbLzf, LiteralsAndBackReferences) {
  // "abcabcabcabc": literal "abc" (ctrl 2), then a back reference of length 9 at distance 3.
  std::string in = std::string("\x02" "abc", 4) + std::string("\xe0\x00\x02", 3);
  auto out = rdb::lzf_decompress(in, 12);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, "abcabcabcabc");
  EXPECT_FALSE(rdb::lzf_decompress(in, 13).has_value());
  EXPECT_FALSE(rdb::lzf_decompress(std::string("\xe0\x00\x09", 3), 9).has_value());  // reference before start
}

TEST(RdbCodec, RoundTripEveryType) {
  std::vector<store::Database> dbs;
  dbs.emplace_back(0);
  dbs.emplace_back(1);
  dbs.emplace_back(2);
  int64_t future = util::unix_ms() + 100000;
  dbs[0].put("str", Value(std::string("hello")));
  dbs[0].put("int", Value(std::string("12345")));
  dbs[0].put("neg", Value(std::string("-7")));
  dbs[0].put("notint", Value(std::string("007")));
  dbs[0].put("big", Value(std::string(100000, 'z')));
  dbs[0].put(std::string("bin\0key", 7), Value(std::string("\x00\xff\r\n", 4)));
  dbs[0].put("ttl", Value(std::string("v")));
  dbs[0].set_expire("ttl", future);
  {
    Value& l = dbs[0].create("list", Type::kList);
    for (int i = 0; i < 300; ++i) l.list().push_back("e" + std::to_string(i));
    l.list().push_back("42");
  }
  {
    Value& h = dbs[2].create("hash", Type::kHash);
    h.hash().set("f1", "v1");
    h.hash().set("f2", "2");
  }
  {
    Value& s = dbs[2].create("set", Type::kSet);
    s.set().insert("a");
    s.set().insert("1");
  }
  {
    Value& z = dbs[2].create("zset", Type::kZSet);
    z.zset().insert("one", 1);
    z.zset().insert("pi", 3.14159);
    z.zset().insert("ninf", -INFINITY);
  }
  rdb::SaveInfo save;
  save.has_repl = true;
  save.repl_id = std::string(40, 'a');
  save.repl_offset = 12345;
  std::string bytes = rdb::encode_snapshot(dbs, save);
  ASSERT_EQ(bytes.substr(0, 9), "REDIS0010");

  Loaded got;
  rdb::LoadInfo info;
  ASSERT_EQ(load_into(bytes, &got, &info), "");
  EXPECT_EQ(info.repl_id, std::string(40, 'a'));
  EXPECT_EQ(info.repl_offset, 12345);
  EXPECT_EQ(got.keys.size(), 11u);
  EXPECT_EQ(got.keys.at({0, "str"}).first.str(), "hello");
  EXPECT_EQ(got.keys.at({0, "int"}).first.str(), "12345");
  EXPECT_EQ(got.keys.at({0, "neg"}).first.str(), "-7");
  EXPECT_EQ(got.keys.at({0, "notint"}).first.str(), "007");
  EXPECT_EQ(got.keys.at({0, "big"}).first.str(), std::string(100000, 'z'));
  EXPECT_EQ(got.keys.at({0, std::string("bin\0key", 7)}).first.str(), std::string("\x00\xff\r\n", 4));
  EXPECT_EQ(got.keys.at({0, "ttl"}).second, future);
  EXPECT_EQ(got.keys.at({0, "str"}).second, -1);
  const Value& l = got.keys.at({0, "list"}).first;
  ASSERT_EQ(l.type(), Type::kList);
  ASSERT_EQ(l.list().size(), 301u);
  EXPECT_EQ(l.list()[0], "e0");
  EXPECT_EQ(l.list()[300], "42");
  const Value& h = got.keys.at({2, "hash"}).first;
  ASSERT_EQ(h.type(), Type::kHash);
  EXPECT_EQ(h.hash().size(), 2u);
  EXPECT_EQ(h.hash().get("f2").value_or(""), "2");
  const Value& s = got.keys.at({2, "set"}).first;
  ASSERT_EQ(s.type(), Type::kSet);
  EXPECT_TRUE(s.set().contains("a"));
  EXPECT_TRUE(s.set().contains("1"));
  auto z = zitems(got.keys.at({2, "zset"}).first);
  ASSERT_EQ(z.size(), 3u);
  EXPECT_EQ(z[0].first, "ninf");
  EXPECT_TRUE(std::isinf(z[0].second));
  EXPECT_EQ(z[2].first, "pi");
  EXPECT_DOUBLE_EQ(z[2].second, 3.14159);
}

TEST(RdbCodec, DetectsCorruption) {
  std::vector<store::Database> dbs;
  dbs.emplace_back(0);
  dbs[0].put("k", Value(std::string("value")));
  std::string bytes = rdb::encode_snapshot(dbs, {});
  Loaded got;
  std::string flipped = bytes;
  flipped[flipped.size() - 12] ^= 0x01;  // inside the value, before EOF
  EXPECT_EQ(load_into(flipped, &got), "Wrong RDB checksum");
  EXPECT_NE(load_into(bytes.substr(0, bytes.size() - 20), &got), "");
  EXPECT_NE(load_into("NOTRDB000", &got), "");
}

// Helpers that build packed blobs the way Redis lays them out.
std::string lp_build(const std::vector<std::string>& raw_entries) {
  std::string body;
  for (const auto& e : raw_entries) {
    body += e;
    body.push_back(static_cast<char>(e.size()));  // back-length: entries here are < 128 bytes
  }
  uint32_t total = static_cast<uint32_t>(6 + body.size() + 1);
  std::string out;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((total >> (8 * i)) & 0xff));
  uint16_t n = static_cast<uint16_t>(raw_entries.size());
  out.push_back(static_cast<char>(n & 0xff));
  out.push_back(static_cast<char>(n >> 8));
  return out + body + "\xff";
}

TEST(RdbPacked, ListpackEncodings) {
  std::vector<std::string> entries = {
      std::string("\x83" "abc", 4),  // 6-bit string
      std::string("\x05", 1),        // 7-bit uint 5
      std::string("\xdf\xff", 2),    // 13-bit int -1
      std::string("\xf1\x00\x80", 3),  // int16 -32768
      std::string("\xf3\x40\x42\x0f\x00", 5),  // int32 1000000
      std::string("\xf2\xff\xff\xff", 4),      // int24 -1
  };
  auto got = rdb::decode_listpack(lp_build(entries));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, (std::vector<std::string>{"abc", "5", "-1", "-32768", "1000000", "-1"}));
  EXPECT_FALSE(rdb::decode_listpack("\x07\x00\x00\x00\x00\x00").has_value());
}

TEST(RdbPacked, ZiplistAndIntset) {
  // zlbytes, zltail, zllen, entries: "ab" (prevlen 0, 00000010), immediate 7 (0xf8), int16 300.
  std::string entries = std::string("\x00\x02" "ab", 4) + std::string("\x04\xf8", 2) +
                        std::string("\x02\xc0\x2c\x01", 4);
  uint32_t total = static_cast<uint32_t>(10 + entries.size() + 1);
  std::string zl;
  for (int i = 0; i < 4; ++i) zl.push_back(static_cast<char>((total >> (8 * i)) & 0xff));
  zl += std::string("\x00\x00\x00\x00\x03\x00", 6) + entries + "\xff";
  auto got = rdb::decode_ziplist(zl);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, (std::vector<std::string>{"ab", "7", "300"}));

  std::string is = std::string("\x02\x00\x00\x00\x02\x00\x00\x00\xfe\xff\x05\x00", 12);
  auto ints = rdb::decode_intset(is);
  ASSERT_TRUE(ints.has_value());
  EXPECT_EQ(*ints, (std::vector<std::string>{"-2", "5"}));
}

// --- A dump produced by a real redis-server ---

int pick_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

std::string sh(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(RdbCodec, DecodesRealRedisDump) {
  if (system("command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "redis-server/redis-cli not installed";
  char tmpl[] = "/tmp/rdbtest.XXXXXX";
  std::string dir = mkdtemp(tmpl);
  int port = pick_port();
  std::string cli = "redis-cli -p " + std::to_string(port) + " ";
  sh("redis-server --port " + std::to_string(port) + " --bind 127.0.0.1 --dir " + dir +
     " --save '' --appendonly no --daemonize yes --pidfile " + dir + "/r.pid --logfile " + dir + "/r.log");
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    up = sh(cli + "PING 2>/dev/null").find("PONG") != std::string::npos;
    if (!up) usleep(50000);
  }
  ASSERT_TRUE(up) << "redis-server did not start";
  std::string script;
  script += "SET s hello\nSET n 123\nSET big " + std::string(1000, 'a') + std::string(1000, 'b') + "\n";
  script += "SET neg -70000\nSET e v\nPEXPIRE e 1000000\n";
  script += "RPUSH l a b 1 2 300 -5\n";
  std::string many = "RPUSH bl";
  for (int i = 0; i < 200; ++i) many += " " + std::string(70, static_cast<char>('a' + i % 26));
  script += many + "\n";
  script += "SADD si 1 2 3 -4 100000\nSADD ss x y z\n";
  std::string bigset = "SADD bs";
  for (int i = 0; i < 600; ++i) bigset += " m" + std::to_string(i);
  script += bigset + "\n";
  script += "HSET h f1 v1 f2 2\nZADD z 1 a 2.5 b -3 c\n";
  std::string bigz = "ZADD bz";
  for (int i = 0; i < 200; ++i) bigz += " " + std::to_string(i) + " member" + std::to_string(i);
  script += bigz + "\n";
  std::string bigh = "HSET bh";
  for (int i = 0; i < 600; ++i) bigh += " f" + std::to_string(i) + " v" + std::to_string(i);
  script += bigh + "\nSELECT 3\nSET in3 three\nSAVE\n";
  {
    std::ofstream f(dir + "/script.txt");
    f << script;
  }
  sh(cli + "< " + dir + "/script.txt >/dev/null");
  std::ifstream pidf(dir + "/r.pid");
  int pid = 0;
  pidf >> pid;
  std::ifstream in(dir + "/dump.rdb", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string dump = ss.str();
  if (pid > 0) kill(pid, SIGKILL);
  sh("rm -rf " + dir);
  ASSERT_FALSE(dump.empty()) << "no dump.rdb written";

  Loaded got;
  rdb::LoadInfo info;
  ASSERT_EQ(load_into(dump, &got, &info), "");
  EXPECT_EQ(got.keys.at({0, "s"}).first.str(), "hello");
  EXPECT_EQ(got.keys.at({0, "n"}).first.str(), "123");
  EXPECT_EQ(got.keys.at({0, "neg"}).first.str(), "-70000");
  EXPECT_EQ(got.keys.at({0, "big"}).first.str(), std::string(1000, 'a') + std::string(1000, 'b'));
  EXPECT_GT(got.keys.at({0, "e"}).second, 0);
  EXPECT_EQ(got.keys.at({0, "l"}).first.list(), (store::List{"a", "b", "1", "2", "300", "-5"}));
  EXPECT_EQ(got.keys.at({0, "bl"}).first.list().size(), 200u);
  EXPECT_EQ(got.keys.at({0, "bl"}).first.list()[199], std::string(70, static_cast<char>('a' + 199 % 26)));
  EXPECT_EQ(got.keys.at({0, "si"}).first.set().size(), 5u);
  EXPECT_TRUE(got.keys.at({0, "si"}).first.set().contains("-4"));
  EXPECT_TRUE(got.keys.at({0, "ss"}).first.set().contains("y"));
  EXPECT_EQ(got.keys.at({0, "bs"}).first.set().size(), 600u);
  EXPECT_EQ(got.keys.at({0, "h"}).first.hash().get("f2").value_or(""), "2");
  EXPECT_EQ(got.keys.at({0, "bh"}).first.hash().size(), 600u);
  EXPECT_EQ(got.keys.at({0, "bh"}).first.hash().get("f599").value_or(""), "v599");
  auto z = zitems(got.keys.at({0, "z"}).first);
  ASSERT_EQ(z.size(), 3u);
  EXPECT_EQ(z[0].first, "c");
  EXPECT_DOUBLE_EQ(z[1].second, 1.0);
  EXPECT_DOUBLE_EQ(z[2].second, 2.5);
  EXPECT_EQ(zitems(got.keys.at({0, "bz"}).first).size(), 200u);
  EXPECT_EQ(got.keys.at({3, "in3"}).first.str(), "three");
}

}  // namespace
