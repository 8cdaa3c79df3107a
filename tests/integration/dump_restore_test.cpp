// DUMP/RESTORE between a real redis-server 7.0.15 and the datanode, both ways: all nine kinds of value
// (the five types, HyperLogLog, bitmap, geo, streams with groups and PEL) in every encoding Redis writes (int and LZF strings, listpack/quicklist lists with plain nodes, intset and
// hashtable sets, listpack and hashtable hashes, listpack and skiplist sorted sets) reads back the same;
// payloads in older encodings (ziplist, RDB 9) restore the same on both; every error and TTL rule agrees.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

using Commands = std::vector<std::vector<std::string>>;

namespace {

uint64_t crc64(std::string_view s) {
  uint64_t crc = 0;
  for (unsigned char c : s) {
    crc ^= c;
    for (int i = 0; i < 8; ++i) crc = (crc & 1) ? (crc >> 1) ^ 0x95AC9329AC4BC9B5ULL : crc >> 1;
  }
  return crc;
}

// A payload from a value body: the version (little endian) and the CRC64 footer.
std::string payload(std::string body, int version = 10) {
  body.push_back(static_cast<char>(version & 0xff));
  body.push_back(static_cast<char>(version >> 8));
  uint64_t crc = crc64(body);
  for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return body;
}

std::string bulk_body(const std::string& raw) {
  size_t eol = raw.find("\r\n");
  if (raw.empty() || raw[0] != '$' || eol == std::string::npos) return "";
  return raw.substr(eol + 2, raw.size() - eol - 4);
}

// A reply as one line; integers after "radix-tree-nodes" (rax internals) are left out.
std::string flat(const harness::Reply& r) {
  if (r.elements.empty()) return r.str.empty() ? std::to_string(r.integer) : r.str;
  std::string out = "[";
  bool skip = false;
  for (const auto& e : r.elements) {
    out += skip ? std::string("R") : flat(e);
    out += ",";
    skip = e.str == "radix-tree-nodes";
  }
  return out + "]";
}

// A stream: entries, the stream's metadata, its groups, and each group's PEL without idle times.
std::string stream_contents(harness::Client& c, const std::string& key) {
  std::string out = flat(c.command({"XRANGE", key, "-", "+"})) + flat(c.command({"XINFO", "STREAM", key})) +
                    flat(c.command({"XINFO", "GROUPS", key}));
  for (const auto& g : c.command({"XINFO", "GROUPS", key}).elements) {
    for (const auto& consumer : c.command({"XINFO", "CONSUMERS", key, g.elements.at(1).str}).elements)
      out += consumer.elements.at(1).str + ":" + std::to_string(consumer.elements.at(3).integer) + ";";
    for (const auto& row : c.command({"XPENDING", key, g.elements.at(1).str, "-", "+", "1000"}).elements)
      out += row.elements.at(0).str + "/" + row.elements.at(1).str + "/" +
             std::to_string(row.elements.at(3).integer) + ";";
  }
  return out;
}

// What a key holds, in a form that compares across servers (hashes and sets sorted). HyperLogLogs and
// bitmaps are strings (their bytes are compared), geo sets are sorted sets (their 52-bit scores are).
std::string contents(harness::Client& c, const std::string& key) {
  std::string type = c.command({"TYPE", key}).str;
  std::vector<std::string> items;
  harness::Reply r;
  if (type == "stream") return "stream:" + stream_contents(c, key);
  if (type == "string") return "string:" + c.command({"GET", key}).str;
  if (type == "list")
    r = c.command({"LRANGE", key, "0", "-1"});
  else if (type == "set")
    r = c.command({"SMEMBERS", key});
  else if (type == "hash")
    r = c.command({"HGETALL", key});
  else if (type == "zset")
    r = c.command({"ZRANGE", key, "0", "-1", "WITHSCORES"});
  else
    return type;
  if (type == "hash") {
    for (size_t i = 0; i + 1 < r.elements.size(); i += 2)
      items.push_back(r.elements[i].str + "=" + r.elements[i + 1].str);
  } else {
    for (const auto& e : r.elements) items.push_back(e.str);
  }
  if (type == "hash" || type == "set") std::sort(items.begin(), items.end());
  std::string out = type + ":";
  for (const auto& i : items) out += i + "|";
  return out;
}

// Fills a server with keys of every type and encoding; returns the key names.
std::vector<std::string> populate(harness::Client& c) {
  std::vector<std::string> keys;
  auto add = [&](const std::string& key, std::vector<std::string> cmd) {
    c.command(cmd);
    keys.push_back(key);
  };
  add("s:text", {"SET", "s:text", "hello"});
  add("s:int", {"SET", "s:int", "12345"});
  add("s:neg", {"SET", "s:neg", "-5"});
  add("s:max", {"SET", "s:max", "9223372036854775807"});
  add("s:lzf", {"SET", "s:lzf", std::string(100, 'x') + "tail"});
  add("s:bin", {"SET", "s:bin", std::string("\0\x01\xff\r\n", 5)});
  add("s:empty", {"SET", "s:empty", ""});
  add("l:small", {"RPUSH", "l:small", "a", "b", "1", "-300000", "70000"});
  std::vector<std::string> big = {"RPUSH", "l:big"};
  for (int i = 0; i < 400; ++i)
    big.push_back(std::string(60, static_cast<char>('a' + i % 26)) + std::to_string(i));
  add("l:big", big);
  add("l:plain", {"RPUSH", "l:plain", "x", std::string(10000, 'p'), "y"});
  add("set:ints", {"SADD", "set:ints", "1", "2", "3", "-7", "100000"});
  std::vector<std::string> ints = {"SADD", "set:bigints"};
  for (int i = 0; i < 600; ++i) ints.push_back(std::to_string(i * 7));
  add("set:bigints", ints);
  add("set:text", {"SADD", "set:text", "a", "b", "c"});
  std::vector<std::string> members = {"SADD", "set:big"};
  for (int i = 0; i < 600; ++i) members.push_back("m" + std::to_string(i));
  add("set:big", members);
  add("h:small", {"HSET", "h:small", "f1", "v1", "f2", "2"});
  std::vector<std::string> fields = {"HSET", "h:big"};
  for (int i = 0; i < 200; ++i) {
    fields.push_back("f" + std::to_string(i));
    fields.push_back(std::string(80, 'v'));
  }
  add("h:big", fields);
  add("z:small", {"ZADD", "z:small", "1.5", "a", "-2", "b", "3", "c", "inf", "top", "-inf", "bottom"});
  std::vector<std::string> scores = {"ZADD", "z:big"};
  for (int i = 0; i < 200; ++i) {
    scores.push_back(std::to_string(i * 0.25));
    scores.push_back("m" + std::to_string(i));
  }
  add("z:big", scores);
  // The four kinds on top of the five types: HyperLogLog (sparse and dense), bitmap, geo, stream.
  add("hll:sparse", {"PFADD", "hll:sparse", "a", "b", "c"});
  std::vector<std::string> pf = {"PFADD", "hll:dense"};
  for (int i = 0; i < 3000; ++i) pf.push_back("e" + std::to_string(i));
  add("hll:dense", pf);
  add("bits", {"SETBIT", "bits", "100001", "1"});
  c.command({"BITFIELD", "bits", "SET", "u16", "#5", "4242"});
  add("geo", {"GEOADD", "geo", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"});
  for (int i = 1; i <= 230; ++i)
    c.command({"XADD", "stream", std::to_string(i) + "-" + std::to_string(i % 3), "f", std::to_string(i)});
  c.command({"XDEL", "stream", "7-1"});
  c.command({"XGROUP", "CREATE", "stream", "g", "0"});
  c.command({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "4", "STREAMS", "stream", ">"});
  c.command({"XGROUP", "CREATE", "stream", "g2", "$", "ENTRIESREAD", "3"});
  add("stream", {"XGROUP", "CREATECONSUMER", "stream", "g2", "bob"});
  add("stream:empty", {"XADD", "stream:empty", "MAXLEN", "0", "5-5", "f", "v"});
  return keys;
}

}  // namespace

TEST(DumpRestore, Crc64MatchesRedis) { EXPECT_EQ(crc64("123456789"), 0xe9c6d914c4b8d9caULL); }

// DUMP on one server, RESTORE on the other: the value reads back identically, both directions.
TEST(DumpRestore, EveryTypeMovesBothWays) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  for (bool from_redis : {true, false}) {
    int from_port = from_redis ? redis.port : node.port, to_port = from_redis ? node.port : redis.port;
    harness::Client from(from_port), to(to_port);
    rawresp::Conn from_raw(from_port);
    from.command({"FLUSHALL"});
    to.command({"FLUSHALL"});
    for (const std::string& key : populate(from)) {
      std::string dumped = bulk_body(from_raw.command({"DUMP", key}));
      ASSERT_FALSE(dumped.empty()) << key;
      harness::Reply r = to.command({"RESTORE", key, "0", dumped});
      EXPECT_EQ(r.str, "OK") << key << (from_redis ? " redis -> ours" : " ours -> redis");
      EXPECT_EQ(contents(to, key), contents(from, key)) << key;
      EXPECT_EQ(to.command({"TTL", key}).integer, -1) << key;
    }
    // The copies keep working as what they are on the other side.
    for (const std::vector<std::string>& cmd :
         std::vector<std::vector<std::string>>{{"PFCOUNT", "hll:dense"},
                                               {"PFADD", "hll:sparse", "z"},
                                               {"PFCOUNT", "hll:sparse"},
                                               {"GEODIST", "geo", "Palermo", "Catania"},
                                               {"BITCOUNT", "bits"},
                                               {"XADD", "stream", "1000-0", "f", "x"},
                                               {"XLEN", "stream"}})
      EXPECT_EQ(flat(to.command(cmd)), flat(from.command(cmd))) << cmd[0] << " " << cmd[1];
  }
}

// Payloads in the encodings of older Redis versions (RDB 9: ziplist, quicklist of ziplists, zipped
// sorted sets and hashes) restore the same on both servers.
TEST(DumpRestore, OlderEncodingsRestoreAlike) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  auto le = [](uint64_t v, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return s;
  };
  // A ziplist of entries given as (encoded entry without prevlen).
  auto ziplist = [&](const std::vector<std::string>& entries) {
    std::string body;
    size_t prev = 0, tail = 10;
    for (const auto& e : entries) {
      tail = 10 + body.size();
      body.push_back(static_cast<char>(prev));
      body += e;
      prev = e.size() + 1;
    }
    std::string zl = le(10 + body.size() + 1, 4) + le(tail, 4) + le(entries.size(), 2) + body + "\xff";
    return zl;
  };
  auto str = [](const std::string& s) { return std::string(1, static_cast<char>(s.size())) + s; };
  auto blob = [](const std::string& b) { return std::string(1, static_cast<char>(b.size())) + b; };
  std::string imm1("\xf2", 1), imm2("\xf3", 1);
  std::string list_zl = std::string("\x0a", 1) + blob(ziplist({str("a"), str("bb"), imm1}));
  std::string quicklist = std::string("\x0e\x01", 2) + blob(ziplist({str("x"), imm2, str("yz")}));
  std::string zset_zl = std::string("\x0c", 1) + blob(ziplist({str("a"), imm1, str("b"), imm2}));
  std::string hash_zl = std::string("\x0d", 1) + blob(ziplist({str("f"), str("v"), str("g"), imm2}));
  std::string intset = std::string("\x0b", 1) + blob(le(2, 4) + le(2, 4) + le(1, 2) + le(5, 2));
  std::string old_zset =
      std::string("\x03\x02", 2) + str("m") + str("1.5") + str("n") + std::string("\xfe", 1);
  Commands cmds;
  int n = 0;
  for (const std::string& body : {list_zl, quicklist, zset_zl, hash_zl, intset, old_zset}) {
    std::string key = "old" + std::to_string(n++);
    cmds.push_back({"RESTORE", key, "0", payload(body, 9)});
    cmds.push_back({"TYPE", key});
    cmds.push_back({"DUMP", "nokey"});
  }
  cmds.push_back({"LRANGE", "old0", "0", "-1"});
  cmds.push_back({"LRANGE", "old1", "0", "-1"});
  cmds.push_back({"ZRANGE", "old2", "0", "-1", "WITHSCORES"});
  cmds.push_back({"HGET", "old3", "f"});
  cmds.push_back({"HGET", "old3", "g"});
  cmds.push_back({"SISMEMBER", "old4", "5"});
  cmds.push_back({"SCARD", "old4"});
  cmds.push_back({"ZRANGE", "old5", "0", "-1", "WITHSCORES"});
  EXPECT_EQ(reference::differences_resp2_and_3(redis.port, node.port, cmds), std::vector<std::string>{});
}

TEST(DumpRestore, ErrorsAndTtlAgreeWithRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  std::string good = payload(std::string("\x00\x05hello", 7));
  std::string bad_crc = good;
  bad_crc.back() ^= 1;
  std::string empty_list = payload(std::string("\x01\x00", 2));
  std::string empty_set = payload(std::string("\x02\x00", 2));
  std::string truncated = payload(std::string("\x00\x10hello", 7));
  std::string stream = payload(std::string("\x0f\x00", 2));
  std::string opcode = payload(std::string("\xfe\x00", 2));
  std::string nan_score =
      payload(std::string("\x05\x01\x01m", 4) + std::string("\x00\x00\x00\x00\x00\x00\xf8\x7f", 8));
  std::string huge_lzf = payload(std::string("\x00\xc3\x02\x80\x10\x00\x00\x00\x01\x41", 10));
  Commands cmds = {
      {"DUMP", "nokey"},
      {"RESTORE", "k", "0", good},
      {"GET", "k"},
      {"RESTORE", "k", "0", good},
      {"RESTORE", "k", "0", good, "REPLACE"},
      {"RESTORE", "k2", "0", bad_crc},
      {"RESTORE", "k2", "0", payload(std::string("\x00\x01x", 3), 11)},
      {"RESTORE", "k2", "0", payload(std::string("\x00\x01x", 3), 1)},
      {"GET", "k2"},
      {"RESTORE", "k3", "0", "short"},
      {"RESTORE", "k3", "0", ""},
      {"RESTORE", "k3", "-1", good},
      {"RESTORE", "k3", "x", good},
      {"RESTORE", "k", "-1", good},
      {"RESTORE", "k3", "0", good, "FOO"},
      {"RESTORE", "k3", "0", good, "IDLETIME"},
      {"RESTORE", "k3", "0", good, "IDLETIME", "-1"},
      {"RESTORE", "k3", "0", good, "IDLETIME", "x"},
      {"RESTORE", "k3", "0", good, "FREQ", "256"},
      {"RESTORE", "k3", "0", good, "FREQ", "-1"},
      {"RESTORE", "k3", "0", good, "FREQ", "1", "IDLETIME", "1"},
      {"RESTORE", "k3", "0", good, "IDLETIME", "1", "FREQ", "1"},
      {"RESTORE", "k3", "0", good, "IDLETIME", "100"},
      {"RESTORE", "k4", "0", good, "FREQ", "100"},
      {"RESTORE", "e1", "0", empty_list},
      {"RESTORE", "e2", "0", empty_set},
      {"RESTORE", "e3", "0", truncated},
      {"RESTORE", "e4", "0", stream},
      {"RESTORE", "e5", "0", opcode},
      {"RESTORE", "e6", "0", nan_score},
      {"RESTORE", "e7", "0", huge_lzf},
      {"EXISTS", "e1", "e2", "e3", "e4", "e5", "e6", "e7"},
      {"RESTORE", "t1", "100000", good},
      {"RESTORE", "t2", "1", good, "ABSTTL"},
      {"EXISTS", "t2"},
      {"RESTORE", "k", "1", good, "ABSTTL", "REPLACE"},
      {"EXISTS", "k"},
      {"RESTORE", "t3", "99999999999999", good, "ABSTTL"},
      {"PEXPIRETIME", "t3"},
      {"RESTORE", "t4", "0", good, "ABSTTL"},
      {"TTL", "t4"},
      {"LPUSH", "l", "a"},
      {"RESTORE", "l", "0", good, "REPLACE"},
      {"TYPE", "l"},
      {"DUMP"},
      {"RESTORE", "k", "0"},
  };
  EXPECT_EQ(reference::differences_resp2_and_3(redis.port, node.port, cmds), std::vector<std::string>{});
  harness::Client ours(node.port);
  // IDLETIME sets the access clock as if the key was last used that long ago.
  ASSERT_EQ(ours.command({"RESTORE", "idle", "0", good, "IDLETIME", "1000"}).str, "OK");
  int64_t idle = ours.command({"OBJECT", "IDLETIME", "idle"}).integer;
  EXPECT_GE(idle, 1000);
  EXPECT_LE(idle, 1002);
  int64_t ttl = ours.command({"PTTL", "t1"}).integer;
  EXPECT_GT(ttl, 90000);
  EXPECT_LE(ttl, 100000);
}
