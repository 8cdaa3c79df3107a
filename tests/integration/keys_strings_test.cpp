// Keyspace, expiry and string commands over real sockets: replies and Redis 7 error texts, edge cases,
// lazy and active expiry, SCAN guarantees, databases, keyspace hit/miss statistics.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

using harness::Client;
using harness::Datanode;
using harness::Reply;

namespace {

const char* kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
const char* kNotInt = "ERR value is not an integer or out of range";
const char* kSyntax = "ERR syntax error";

// KEYS_STRINGS_TEST_PORT=<port> runs the same expectations against a server already listening there
// (a real redis-server, to check the expectations themselves).
int external_port() {
  const char* p = getenv("KEYS_STRINGS_TEST_PORT");
  return p ? atoi(p) : 0;
}

class KeysStrings : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (external_port() == 0) node_ = new Datanode();
  }
  static void TearDownTestSuite() {
    delete node_;
    node_ = nullptr;
  }
  void SetUp() override {
    c_ = std::make_unique<Client>(node_ ? node_->port : external_port());
    ASSERT_TRUE(c_->connected());
    ASSERT_EQ(cmd({"FLUSHALL"}).str, "OK");
  }
  Reply cmd(const std::vector<std::string>& args) { return c_->command(args); }
  int64_t num(const std::vector<std::string>& args) {
    Reply r = cmd(args);
    EXPECT_EQ(r.type, Reply::Type::kInteger) << args[0] << ": " << r.str;
    return r.integer;
  }
  std::string str(const std::vector<std::string>& args) { return cmd(args).str; }
  std::vector<std::string> list(const std::vector<std::string>& args) {
    Reply r = cmd(args);
    std::vector<std::string> out;
    for (auto& e : r.elements) out.push_back(e.is_nil() ? "(nil)" : e.str);
    return out;
  }
  int64_t info_field(const std::string& section, const std::string& field) {
    std::string info = str({"INFO", section});
    size_t p = info.find(field + ":");
    if (p == std::string::npos) return -1;
    return std::stoll(info.substr(p + field.size() + 1));
  }

  static Datanode* node_;
  std::unique_ptr<Client> c_;
};

Datanode* KeysStrings::node_ = nullptr;

// ---------------- strings ----------------

TEST_F(KeysStrings, SetOptionsAndErrors) {
  EXPECT_EQ(str({"SET", "k", "v"}), "OK");
  EXPECT_TRUE(cmd({"SET", "k", "v2", "NX"}).is_nil());
  EXPECT_EQ(str({"GET", "k"}), "v");
  EXPECT_EQ(str({"SET", "k", "v2", "XX"}), "OK");
  EXPECT_TRUE(cmd({"SET", "nokey", "v", "XX"}).is_nil());
  EXPECT_EQ(num({"EXISTS", "nokey"}), 0);
  EXPECT_EQ(str({"SET", "k", "v3", "GET"}), "v2");
  EXPECT_TRUE(cmd({"SET", "new", "x", "GET"}).is_nil());
  EXPECT_EQ(str({"GET", "new"}), "x");
  // NX + GET: returns the old value and does not set.
  EXPECT_EQ(str({"SET", "k", "zzz", "NX", "GET"}), "v3");
  EXPECT_EQ(str({"GET", "k"}), "v3");

  EXPECT_EQ(str({"SET", "k", "v", "NX", "XX"}), kSyntax);
  EXPECT_EQ(str({"SET", "k", "v", "EX", "10", "PX", "100"}), kSyntax);
  EXPECT_EQ(str({"SET", "k", "v", "EX", "10", "KEEPTTL"}), kSyntax);
  EXPECT_EQ(str({"SET", "k", "v", "KEEPTTL", "PXAT", "100"}), kSyntax);
  EXPECT_EQ(str({"SET", "k", "v", "EX"}), kSyntax);
  EXPECT_EQ(str({"SET", "k", "v", "PERSIST"}), kSyntax);
  EXPECT_EQ(str({"SET", "k", "v", "FOO"}), kSyntax);
  EXPECT_EQ(str({"SET", "k", "v", "EX", "abc"}), kNotInt);
  EXPECT_EQ(str({"SET", "k", "v", "EX", "0"}), "ERR invalid expire time in 'set' command");
  EXPECT_EQ(str({"SET", "k", "v", "PX", "-5"}), "ERR invalid expire time in 'set' command");
  EXPECT_EQ(str({"SET", "k", "v", "EX", "9223372036854775807"}), "ERR invalid expire time in 'set' command");
  EXPECT_EQ(str({"SET", "k", "v", "PX", "9223372036854775807"}), "ERR invalid expire time in 'set' command");
  EXPECT_EQ(str({"SET"}), "ERR wrong number of arguments for 'set' command");
  EXPECT_EQ(str({"GET", "k"}), "v3");  // none of the failures changed it

  cmd({"RPUSH", "list", "a"});
  if (str({"TYPE", "list"}) == "list") {
    EXPECT_EQ(str({"SET", "list", "v", "GET"}), kWrongType);
    EXPECT_EQ(str({"TYPE", "list"}), "list");
    EXPECT_EQ(str({"GET", "list"}), kWrongType);
    EXPECT_EQ(str({"SET", "list", "plain"}), "OK");  // SET overwrites any type
    EXPECT_EQ(str({"GET", "list"}), "plain");
  }
}

TEST_F(KeysStrings, SetExpiryOptions) {
  EXPECT_EQ(str({"SET", "k", "v", "EX", "100"}), "OK");
  int64_t ttl = num({"TTL", "k"});
  EXPECT_TRUE(ttl >= 99 && ttl <= 100) << ttl;
  EXPECT_EQ(str({"SET", "k", "v", "PX", "50000"}), "OK");
  int64_t pttl = num({"PTTL", "k"});
  EXPECT_TRUE(pttl > 40000 && pttl <= 50000) << pttl;
  EXPECT_EQ(str({"SET", "k", "v2", "KEEPTTL"}), "OK");
  EXPECT_GT(num({"PTTL", "k"}), 40000);
  EXPECT_EQ(str({"SET", "k", "v3"}), "OK");
  EXPECT_EQ(num({"TTL", "k"}), -1);
  EXPECT_EQ(str({"SET", "k", "v", "EXAT", "4000000000"}), "OK");
  EXPECT_EQ(num({"EXPIRETIME", "k"}), 4000000000);
  EXPECT_EQ(str({"SET", "k", "v", "PXAT", "4000000000123"}), "OK");
  EXPECT_EQ(num({"PEXPIRETIME", "k"}), 4000000000123);
  EXPECT_EQ(num({"EXPIRETIME", "k"}), 4000000000);
  // An absolute time in the past stores a key that is already gone.
  EXPECT_EQ(str({"SET", "k", "v", "PXAT", "1"}), "OK");
  EXPECT_TRUE(cmd({"GET", "k"}).is_nil());
  EXPECT_EQ(str({"SETEX", "s", "100", "v"}), "OK");
  EXPECT_GT(num({"TTL", "s"}), 98);
  EXPECT_EQ(str({"SETEX", "s", "0", "v"}), "ERR invalid expire time in 'setex' command");
  EXPECT_EQ(str({"SETEX", "s", "x", "v"}), kNotInt);
  EXPECT_EQ(str({"PSETEX", "p", "100000", "v"}), "OK");
  EXPECT_GT(num({"PTTL", "p"}), 90000);
  EXPECT_EQ(str({"PSETEX", "p", "-1", "v"}), "ERR invalid expire time in 'psetex' command");
  EXPECT_EQ(num({"SETNX", "p", "x"}), 0);
  EXPECT_EQ(num({"SETNX", "q", "x"}), 1);
  EXPECT_EQ(str({"GET", "q"}), "x");
}

TEST_F(KeysStrings, GetSetGetDelGetEx) {
  EXPECT_TRUE(cmd({"GETSET", "k", "a"}).is_nil());
  cmd({"EXPIRE", "k", "100"});
  EXPECT_EQ(str({"GETSET", "k", "b"}), "a");
  EXPECT_EQ(num({"TTL", "k"}), -1);  // GETSET clears the TTL
  EXPECT_EQ(str({"GETDEL", "k"}), "b");
  EXPECT_EQ(num({"EXISTS", "k"}), 0);
  EXPECT_TRUE(cmd({"GETDEL", "k"}).is_nil());

  EXPECT_TRUE(cmd({"GETEX", "nokey", "EX", "10"}).is_nil());
  cmd({"SET", "k", "v"});
  EXPECT_EQ(str({"GETEX", "k"}), "v");
  EXPECT_EQ(num({"TTL", "k"}), -1);
  EXPECT_EQ(str({"GETEX", "k", "EX", "100"}), "v");
  EXPECT_GT(num({"TTL", "k"}), 98);
  EXPECT_EQ(str({"GETEX", "k", "PERSIST"}), "v");
  EXPECT_EQ(num({"TTL", "k"}), -1);
  EXPECT_EQ(str({"GETEX", "k", "PXAT", "4000000000000"}), "v");
  EXPECT_EQ(num({"PEXPIRETIME", "k"}), 4000000000000);
  EXPECT_EQ(str({"GETEX", "k", "EX", "0"}), "ERR invalid expire time in 'getex' command");
  EXPECT_EQ(str({"GETEX", "k", "EX", "10", "PERSIST"}), kSyntax);
  EXPECT_EQ(str({"GETEX", "k", "KEEPTTL"}), kSyntax);
  EXPECT_EQ(str({"GETEX", "k", "NX"}), kSyntax);
  EXPECT_EQ(str({"GETEX", "k", "EXAT", "1"}), "v");  // in the past: the key is deleted
  EXPECT_EQ(num({"EXISTS", "k"}), 0);
  cmd({"SADD", "set", "m"});
  if (str({"TYPE", "set"}) == "set") {
    EXPECT_EQ(str({"GETEX", "set"}), kWrongType);
    EXPECT_EQ(str({"GETDEL", "set"}), kWrongType);
    EXPECT_EQ(str({"GETSET", "set", "x"}), kWrongType);
  }
}

TEST_F(KeysStrings, MsetMgetMsetnx) {
  EXPECT_EQ(str({"MSET", "a", "1", "b", "2"}), "OK");
  EXPECT_EQ(list({"MGET", "a", "b", "c"}), (std::vector<std::string>{"1", "2", "(nil)"}));
  EXPECT_EQ(str({"MSET", "a", "1", "b"}), "ERR wrong number of arguments for 'mset' command");
  EXPECT_EQ(num({"MSETNX", "c", "3", "a", "9"}), 0);
  EXPECT_EQ(num({"EXISTS", "c"}), 0);
  EXPECT_EQ(num({"MSETNX", "c", "3", "d", "4"}), 1);
  EXPECT_EQ(list({"MGET", "c", "d"}), (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(str({"MSETNX", "x", "1", "y"}), "ERR wrong number of arguments for 'msetnx' command");
  cmd({"RPUSH", "l", "x"});
  if (str({"TYPE", "l"}) == "list") { EXPECT_EQ(list({"MGET", "l", "a"}), (std::vector<std::string>{"(nil)", "1"})); }
}

TEST_F(KeysStrings, AppendStrlenRanges) {
  EXPECT_EQ(num({"APPEND", "k", "Hello"}), 5);
  EXPECT_EQ(num({"APPEND", "k", " World"}), 11);
  EXPECT_EQ(num({"STRLEN", "k"}), 11);
  EXPECT_EQ(num({"STRLEN", "nokey"}), 0);
  EXPECT_EQ(str({"GETRANGE", "k", "0", "4"}), "Hello");
  EXPECT_EQ(str({"GETRANGE", "k", "-5", "-1"}), "World");
  EXPECT_EQ(str({"GETRANGE", "k", "0", "-1"}), "Hello World");
  EXPECT_EQ(str({"GETRANGE", "k", "5", "3"}), "");
  EXPECT_EQ(str({"GETRANGE", "k", "-1", "-5"}), "");
  EXPECT_EQ(str({"GETRANGE", "k", "-100", "100"}), "Hello World");
  EXPECT_EQ(str({"GETRANGE", "k", "20", "30"}), "");
  EXPECT_EQ(str({"GETRANGE", "nokey", "0", "10"}), "");
  EXPECT_EQ(str({"GETRANGE", "k", "a", "1"}), kNotInt);
  EXPECT_EQ(str({"SUBSTR", "k", "6", "-1"}), "World");

  EXPECT_EQ(num({"SETRANGE", "k", "6", "Redis"}), 11);
  EXPECT_EQ(str({"GET", "k"}), "Hello Redis");
  EXPECT_EQ(num({"SETRANGE", "pad", "3", "x"}), 4);
  EXPECT_EQ(str({"GET", "pad"}), std::string("\0\0\0x", 4));
  EXPECT_EQ(num({"SETRANGE", "empty", "5", ""}), 0);
  EXPECT_EQ(num({"EXISTS", "empty"}), 0);
  EXPECT_EQ(num({"SETRANGE", "k", "100", ""}), 11);
  EXPECT_EQ(str({"SETRANGE", "k", "-1", "x"}), "ERR offset is out of range");
  EXPECT_EQ(str({"SETRANGE", "k", "536870911", "xx"}),
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  EXPECT_EQ(str({"SETRANGE", "big", "536870912", "x"}),
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  cmd({"SADD", "s", "x"});
  if (str({"TYPE", "s"}) == "set") {
    EXPECT_EQ(str({"APPEND", "s", "x"}), kWrongType);
    EXPECT_EQ(str({"STRLEN", "s"}), kWrongType);
    EXPECT_EQ(str({"SETRANGE", "s", "0", "x"}), kWrongType);
    EXPECT_EQ(str({"GETRANGE", "s", "0", "1"}), kWrongType);
  }
}

TEST_F(KeysStrings, Counters) {
  EXPECT_EQ(num({"INCR", "n"}), 1);
  EXPECT_EQ(num({"INCRBY", "n", "10"}), 11);
  EXPECT_EQ(num({"DECR", "n"}), 10);
  EXPECT_EQ(num({"DECRBY", "n", "20"}), -10);
  EXPECT_EQ(str({"GET", "n"}), "-10");
  cmd({"EXPIRE", "n", "100"});
  EXPECT_EQ(num({"INCR", "n"}), -9);
  EXPECT_GT(num({"TTL", "n"}), 98);  // counters keep the TTL
  EXPECT_EQ(str({"INCRBY", "n", "x"}), kNotInt);
  EXPECT_EQ(str({"INCRBY", "n", "1.5"}), kNotInt);
  cmd({"SET", "s", "abc"});
  EXPECT_EQ(str({"INCR", "s"}), kNotInt);
  cmd({"SET", "s", " 1"});
  EXPECT_EQ(str({"INCR", "s"}), kNotInt);
  cmd({"SET", "s", "01"});
  EXPECT_EQ(str({"INCR", "s"}), kNotInt);
  cmd({"SET", "max", "9223372036854775807"});
  EXPECT_EQ(str({"INCR", "max"}), "ERR increment or decrement would overflow");
  cmd({"SET", "min", "-9223372036854775808"});
  EXPECT_EQ(str({"DECR", "min"}), "ERR increment or decrement would overflow");
  EXPECT_EQ(str({"DECRBY", "n", "-9223372036854775808"}), "ERR decrement would overflow");
  EXPECT_EQ(str({"INCRBY", "n", "9223372036854775808"}), kNotInt);

  EXPECT_EQ(str({"INCRBYFLOAT", "f", "10.5"}), "10.5");
  EXPECT_EQ(str({"INCRBYFLOAT", "f", "0.1"}), "10.6");
  EXPECT_EQ(str({"INCRBYFLOAT", "f", "-5.6"}), "5");
  EXPECT_EQ(str({"INCRBYFLOAT", "f", "5.0e3"}), "5005");
  EXPECT_EQ(str({"INCRBYFLOAT", "f", "abc"}), "ERR value is not a valid float");
  EXPECT_EQ(str({"INCRBYFLOAT", "f", "inf"}), "ERR increment would produce NaN or Infinity");
  cmd({"SET", "s", "1.5x"});
  EXPECT_EQ(str({"INCRBYFLOAT", "s", "1"}), "ERR value is not a valid float");
  cmd({"SET", "i", "3"});
  EXPECT_EQ(str({"INCRBYFLOAT", "i", "1.25"}), "4.25");
  cmd({"RPUSH", "l", "x"});
  if (str({"TYPE", "l"}) == "list") {
    EXPECT_EQ(str({"INCR", "l"}), kWrongType);
    EXPECT_EQ(str({"INCRBYFLOAT", "l", "1"}), kWrongType);
  }
}

TEST_F(KeysStrings, BinarySafeValuesAndKeys) {
  std::string k("a\0b\r\n", 5), v("\0\xff\r\nx", 5);
  EXPECT_EQ(str({"SET", k, v}), "OK");
  EXPECT_EQ(str({"GET", k}), v);
  EXPECT_EQ(num({"STRLEN", k}), 5);
  EXPECT_TRUE(cmd({"GET", std::string("a\0c\r\n", 5)}).is_nil());
  std::string big(1 << 20, 'x');
  EXPECT_EQ(str({"SET", "big", big}), "OK");
  EXPECT_EQ(str({"GET", "big"}).size(), big.size());
}

TEST_F(KeysStrings, Lcs) {
  cmd({"MSET", "key1", "ohmytext", "key2", "mynewtext"});
  EXPECT_EQ(str({"LCS", "key1", "key2"}), "mytext");
  EXPECT_EQ(num({"LCS", "key1", "key2", "LEN"}), 6);
  Reply r = cmd({"LCS", "key1", "key2", "IDX"});
  ASSERT_EQ(r.elements.size(), 4u);
  EXPECT_EQ(r.elements[0].str, "matches");
  ASSERT_EQ(r.elements[1].elements.size(), 2u);
  EXPECT_EQ(r.elements[1].elements[0].elements[0].elements[0].integer, 4);
  EXPECT_EQ(r.elements[1].elements[0].elements[0].elements[1].integer, 7);
  EXPECT_EQ(r.elements[1].elements[0].elements[1].elements[0].integer, 5);
  EXPECT_EQ(r.elements[1].elements[0].elements[1].elements[1].integer, 8);
  EXPECT_EQ(r.elements[1].elements[1].elements[0].elements[0].integer, 2);
  EXPECT_EQ(r.elements[1].elements[1].elements[0].elements[1].integer, 3);
  EXPECT_EQ(r.elements[3].integer, 6);
  r = cmd({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"});
  ASSERT_EQ(r.elements[1].elements.size(), 1u);
  ASSERT_EQ(r.elements[1].elements[0].elements.size(), 3u);
  EXPECT_EQ(r.elements[1].elements[0].elements[2].integer, 4);
  EXPECT_EQ(str({"LCS", "key1", "nokey"}), "");
  EXPECT_EQ(str({"LCS", "key1", "key2", "IDX", "LEN"}), "ERR If you want both the length and indexes, please just use IDX.");
  EXPECT_EQ(str({"LCS", "key1", "key2", "FOO"}), kSyntax);
  EXPECT_EQ(str({"LCS", "key1", "key2", "MINMATCHLEN", "x"}), kNotInt);
  cmd({"RPUSH", "l", "x"});
  if (str({"TYPE", "l"}) == "list") {
    EXPECT_EQ(str({"LCS", "key1", "l"}), "ERR The specified keys must contain string values");
  }
}

// ---------------- keyspace ----------------

TEST_F(KeysStrings, DelExistsTypeTouch) {
  cmd({"MSET", "a", "1", "b", "2"});
  EXPECT_EQ(num({"EXISTS", "a", "a", "b", "c"}), 3);
  EXPECT_EQ(str({"TYPE", "a"}), "string");
  EXPECT_EQ(str({"TYPE", "none"}), "none");
  EXPECT_EQ(num({"TOUCH", "a", "b", "c"}), 2);
  EXPECT_EQ(num({"DEL", "a", "c", "a"}), 1);
  EXPECT_EQ(num({"UNLINK", "b"}), 1);
  EXPECT_EQ(num({"DBSIZE"}), 0);
  EXPECT_EQ(str({"DEL"}), "ERR wrong number of arguments for 'del' command");
  cmd({"HSET", "h", "f", "v"});
  cmd({"SADD", "s", "m"});
  cmd({"ZADD", "z", "1", "m"});
  cmd({"RPUSH", "l", "x"});
  for (auto [k, t] : std::vector<std::pair<std::string, std::string>>{{"h", "hash"}, {"s", "set"}, {"z", "zset"}, {"l", "list"}}) {
    std::string got = str({"TYPE", k});
    if (got != "none") { EXPECT_EQ(got, t); }
  }
}

TEST_F(KeysStrings, RenameAndRenamenx) {
  EXPECT_EQ(str({"RENAME", "nokey", "x"}), "ERR no such key");
  EXPECT_EQ(str({"RENAMENX", "nokey", "x"}), "ERR no such key");
  cmd({"SET", "a", "1"});
  cmd({"PEXPIRE", "a", "100000"});
  EXPECT_EQ(str({"RENAME", "a", "a"}), "OK");
  EXPECT_EQ(num({"RENAMENX", "a", "a"}), 0);
  EXPECT_EQ(str({"RENAME", "a", "b"}), "OK");
  EXPECT_EQ(num({"EXISTS", "a"}), 0);
  EXPECT_EQ(str({"GET", "b"}), "1");
  EXPECT_GT(num({"PTTL", "b"}), 90000);  // the TTL moves with the value
  cmd({"SET", "c", "3"});
  EXPECT_EQ(num({"RENAMENX", "b", "c"}), 0);
  EXPECT_EQ(num({"RENAMENX", "b", "d"}), 1);
  EXPECT_EQ(str({"RENAME", "d", "c"}), "OK");  // overwrites, TTL comes along
  EXPECT_EQ(str({"GET", "c"}), "1");
  EXPECT_GT(num({"PTTL", "c"}), 90000);
}

TEST_F(KeysStrings, KeysGlob) {
  cmd({"MSET", "hello", "1", "hallo", "1", "hxllo", "1", "hllo", "1", "heeeello", "1", "h*llo", "1"});
  auto sorted = [&](const std::string& pat) {
    auto v = list({"KEYS", pat});
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted("h?llo"), (std::vector<std::string>{"h*llo", "hallo", "hello", "hxllo"}));
  EXPECT_EQ(sorted("h*llo").size(), 6u);
  EXPECT_EQ(sorted("h[ae]llo"), (std::vector<std::string>{"hallo", "hello"}));
  EXPECT_EQ(sorted("h[^e]llo"), (std::vector<std::string>{"h*llo", "hallo", "hxllo"}));
  EXPECT_EQ(sorted("h[a-b]llo"), (std::vector<std::string>{"hallo"}));
  EXPECT_EQ(sorted("h\\*llo"), (std::vector<std::string>{"h*llo"}));
  EXPECT_EQ(sorted("*").size(), 6u);
  EXPECT_TRUE(sorted("nomatch*").empty());
  cmd({"SET", "gone", "1", "PX", "1"});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(sorted("*").size(), 6u);  // expired keys are not listed
}

TEST_F(KeysStrings, ScanBasicsAndErrors) {
  for (int i = 0; i < 500; ++i) cmd({"SET", "key:" + std::to_string(i), "v"});
  cmd({"RPUSH", "alist", "x"});
  std::set<std::string> seen;
  std::string cursor = "0";
  int rounds = 0;
  do {
    Reply r = cmd({"SCAN", cursor, "COUNT", "20"});
    ASSERT_EQ(r.elements.size(), 2u);
    cursor = r.elements[0].str;
    for (auto& e : r.elements[1].elements) seen.insert(e.str);
    ++rounds;
  } while (cursor != "0" && rounds < 10000);
  bool has_lists = str({"TYPE", "alist"}) == "list";
  EXPECT_EQ(seen.size(), has_lists ? 501u : 500u);
  EXPECT_GT(rounds, 10);

  // MATCH and TYPE filter.
  std::set<std::string> matched;
  cursor = "0";
  do {
    Reply r = cmd({"SCAN", cursor, "MATCH", "key:1*", "TYPE", "STRING", "COUNT", "100"});
    cursor = r.elements[0].str;
    for (auto& e : r.elements[1].elements) matched.insert(e.str);
  } while (cursor != "0");
  EXPECT_EQ(matched.size(), 111u);  // 1, 10-19, 100-199
  if (has_lists) {
    Reply r;
    std::vector<std::string> lists;
    cursor = "0";
    do {
      r = cmd({"SCAN", cursor, "TYPE", "list", "COUNT", "1000"});
      cursor = r.elements[0].str;
      for (auto& e : r.elements[1].elements) lists.push_back(e.str);
    } while (cursor != "0");
    EXPECT_EQ(lists, std::vector<std::string>{"alist"});
  }

  EXPECT_EQ(str({"SCAN", "abc"}), "ERR invalid cursor");
  EXPECT_EQ(str({"SCAN", "18446744073709551616"}), "ERR invalid cursor");
  EXPECT_EQ(str({"SCAN", "0", "COUNT", "0"}), kSyntax);
  EXPECT_EQ(str({"SCAN", "0", "COUNT", "x"}), kNotInt);
  EXPECT_EQ(str({"SCAN", "0", "MATCH"}), kSyntax);
  EXPECT_EQ(str({"SCAN", "0", "FOO", "bar"}), kSyntax);
  Reply empty_db = cmd({"SCAN", "0", "TYPE", "nosuchtype"});
  EXPECT_EQ(empty_db.elements.size(), 2u);
}

TEST_F(KeysStrings, ScanReturnsStableKeysWhileTheTableGrowsAndShrinks) {
  for (int i = 0; i < 300; ++i) cmd({"SET", "stable:" + std::to_string(i), "v"});
  std::set<std::string> seen;
  std::string cursor = "0";
  int round = 0;
  do {
    Reply r = cmd({"SCAN", cursor, "COUNT", "5"});
    cursor = r.elements[0].str;
    for (auto& e : r.elements[1].elements) seen.insert(e.str);
    // Grow a lot during the first half of the scan, then delete it all again so the table shrinks.
    if (round < 40)
      for (int j = 0; j < 100; ++j) cmd({"SET", "churn:" + std::to_string(round * 100 + j), "v"});
    else if (round < 80)
      for (int j = 0; j < 100; ++j) cmd({"DEL", "churn:" + std::to_string((round - 40) * 100 + j)});
    ++round;
  } while (cursor != "0" && round < 100000);
  for (int i = 0; i < 300; ++i) EXPECT_TRUE(seen.count("stable:" + std::to_string(i))) << i;
}

TEST_F(KeysStrings, RandomKey) {
  EXPECT_TRUE(cmd({"RANDOMKEY"}).is_nil());
  cmd({"MSET", "a", "1", "b", "2", "c", "3"});
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) seen.insert(str({"RANDOMKEY"}));
  EXPECT_EQ(seen, (std::set<std::string>{"a", "b", "c"}));
}

TEST_F(KeysStrings, ExpireFamilyAndFlags) {
  EXPECT_EQ(num({"EXPIRE", "nokey", "10"}), 0);
  EXPECT_EQ(num({"TTL", "nokey"}), -2);
  EXPECT_EQ(num({"PTTL", "nokey"}), -2);
  EXPECT_EQ(num({"EXPIRETIME", "nokey"}), -2);
  cmd({"SET", "k", "v"});
  EXPECT_EQ(num({"TTL", "k"}), -1);
  EXPECT_EQ(num({"PEXPIRETIME", "k"}), -1);
  EXPECT_EQ(num({"EXPIRE", "k", "100"}), 1);
  EXPECT_EQ(num({"TTL", "k"}), 100);
  EXPECT_EQ(num({"PEXPIRE", "k", "200000"}), 1);
  EXPECT_EQ(num({"TTL", "k"}), 200);
  EXPECT_EQ(num({"EXPIREAT", "k", "4000000000"}), 1);
  EXPECT_EQ(num({"EXPIRETIME", "k"}), 4000000000);
  EXPECT_EQ(num({"PEXPIREAT", "k", "4000000000500"}), 1);
  EXPECT_EQ(num({"PEXPIRETIME", "k"}), 4000000000500);
  EXPECT_EQ(num({"EXPIRETIME", "k"}), 4000000001);  // rounded like Redis

  // NX / XX / GT / LT.
  EXPECT_EQ(num({"EXPIRE", "k", "100", "NX"}), 0);
  EXPECT_EQ(num({"EXPIRE", "k", "100", "XX"}), 1);
  EXPECT_EQ(num({"EXPIRE", "k", "50", "GT"}), 0);
  EXPECT_EQ(num({"EXPIRE", "k", "200", "GT"}), 1);
  EXPECT_EQ(num({"EXPIRE", "k", "300", "LT"}), 0);
  EXPECT_EQ(num({"EXPIRE", "k", "150", "lt"}), 1);
  EXPECT_EQ(num({"TTL", "k"}), 150);
  EXPECT_EQ(num({"PERSIST", "k"}), 1);
  EXPECT_EQ(num({"PERSIST", "k"}), 0);
  EXPECT_EQ(num({"PERSIST", "nokey"}), 0);
  EXPECT_EQ(num({"EXPIRE", "k", "100", "XX"}), 0);
  EXPECT_EQ(num({"EXPIRE", "k", "100", "GT"}), 0);  // no TTL counts as infinite
  EXPECT_EQ(num({"EXPIRE", "k", "100", "LT"}), 1);
  EXPECT_EQ(num({"PERSIST", "k"}), 1);
  EXPECT_EQ(num({"EXPIRE", "k", "100", "NX"}), 1);

  EXPECT_EQ(str({"EXPIRE", "k", "10", "NX", "XX"}),
            "ERR NX and XX, GT or LT options at the same time are not compatible");
  EXPECT_EQ(str({"EXPIRE", "k", "10", "NX", "GT"}),
            "ERR NX and XX, GT or LT options at the same time are not compatible");
  EXPECT_EQ(str({"EXPIRE", "k", "10", "GT", "LT"}), "ERR GT and LT options at the same time are not compatible");
  EXPECT_EQ(str({"EXPIRE", "k", "10", "FOO"}), "ERR Unsupported option FOO");
  EXPECT_EQ(str({"EXPIRE", "k", "abc"}), kNotInt);
  EXPECT_EQ(str({"EXPIRE", "k", "99999999999999999"}), "ERR invalid expire time in 'expire' command");
  EXPECT_EQ(str({"PEXPIRE", "k", "9223372036854775807"}), "ERR invalid expire time in 'pexpire' command");
  EXPECT_EQ(str({"EXPIREAT", "k", "9223372036854775807"}), "ERR invalid expire time in 'expireat' command");
  EXPECT_EQ(str({"EXPIRE", "k"}), "ERR wrong number of arguments for 'expire' command");
  EXPECT_GT(num({"TTL", "k"}), 0);  // unchanged by the failures

  // A time in the past deletes the key.
  EXPECT_EQ(num({"EXPIRE", "k", "-1"}), 1);
  EXPECT_EQ(num({"EXISTS", "k"}), 0);
  cmd({"SET", "k", "v"});
  EXPECT_EQ(num({"EXPIREAT", "k", "1"}), 1);
  EXPECT_EQ(num({"EXISTS", "k"}), 0);
  cmd({"SET", "k", "v"});
  EXPECT_EQ(num({"PEXPIRE", "k", "0"}), 1);
  EXPECT_EQ(num({"EXISTS", "k"}), 0);
}

TEST_F(KeysStrings, LazyExpiry) {
  cmd({"SET", "k", "v", "PX", "50"});
  EXPECT_EQ(str({"GET", "k"}), "v");
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  EXPECT_TRUE(cmd({"GET", "k"}).is_nil());
  EXPECT_EQ(num({"TTL", "k"}), -2);
  EXPECT_EQ(num({"EXISTS", "k"}), 0);
  EXPECT_EQ(num({"DBSIZE"}), 0);
}

TEST_F(KeysStrings, ActiveExpiryRemovesUntouchedKeys) {
  for (int i = 0; i < 200; ++i) cmd({"SET", "vol:" + std::to_string(i), "v"});
  for (int i = 0; i < 200; ++i) cmd({"PEXPIRE", "vol:" + std::to_string(i), "100"});
  cmd({"SET", "keep", "v"});
  cmd({"EXPIRE", "keep2", "1000"});
  EXPECT_EQ(num({"DBSIZE"}), 201);
  // Only DBSIZE (which never looks keys up) until the cycle has swept them all.
  bool gone = harness::eventually([&] { return num({"DBSIZE"}) == 1; }, std::chrono::seconds(10));
  EXPECT_TRUE(gone) << "dbsize " << num({"DBSIZE"});
  EXPECT_EQ(str({"GET", "keep"}), "v");
  int64_t expired = info_field("stats", "expired_keys");
  if (expired >= 0) { EXPECT_GE(expired, 200); }
}

TEST_F(KeysStrings, SelectDbsizeMoveSwapdbCopy) {
  EXPECT_EQ(str({"SELECT", "16"}), "ERR DB index is out of range");
  EXPECT_EQ(str({"SELECT", "-1"}), "ERR DB index is out of range");
  EXPECT_EQ(str({"SELECT", "x"}), kNotInt);
  cmd({"SET", "k", "db0"});
  cmd({"PEXPIRE", "k", "100000"});
  EXPECT_EQ(str({"SELECT", "1"}), "OK");
  EXPECT_TRUE(cmd({"GET", "k"}).is_nil());
  EXPECT_EQ(num({"DBSIZE"}), 0);
  cmd({"SET", "k", "db1"});
  EXPECT_EQ(num({"MOVE", "k", "0"}), 0);  // exists in the target
  cmd({"SET", "m", "moved"});
  EXPECT_EQ(num({"MOVE", "m", "0"}), 1);
  EXPECT_EQ(num({"EXISTS", "m"}), 0);
  EXPECT_EQ(num({"MOVE", "nokey", "0"}), 0);
  EXPECT_EQ(str({"MOVE", "k", "1"}), "ERR source and destination objects are the same");
  EXPECT_EQ(str({"MOVE", "k", "99"}), "ERR DB index is out of range");
  EXPECT_EQ(str({"MOVE", "k", "x"}), kNotInt);

  EXPECT_EQ(str({"SELECT", "0"}), "OK");
  EXPECT_EQ(str({"GET", "m"}), "moved");
  EXPECT_EQ(str({"SWAPDB", "0", "1"}), "OK");
  EXPECT_EQ(str({"GET", "k"}), "db1");
  EXPECT_EQ(str({"SELECT", "1"}), "OK");
  EXPECT_EQ(str({"GET", "k"}), "db0");
  EXPECT_GT(num({"PTTL", "k"}), 90000);  // TTLs travel with the data
  EXPECT_EQ(str({"SWAPDB", "x", "0"}), "ERR invalid first DB index");
  EXPECT_EQ(str({"SWAPDB", "0", "x"}), "ERR invalid second DB index");
  EXPECT_EQ(str({"SWAPDB", "0", "99"}), "ERR DB index is out of range");
  EXPECT_EQ(str({"SWAPDB", "1", "1"}), "OK");

  // COPY (in db 1: k = "db0" with a TTL).
  EXPECT_EQ(num({"COPY", "k", "k2"}), 1);
  EXPECT_EQ(str({"GET", "k2"}), "db0");
  EXPECT_GT(num({"PTTL", "k2"}), 90000);
  EXPECT_EQ(num({"COPY", "k", "k2"}), 0);
  cmd({"SET", "other", "x"});
  EXPECT_EQ(num({"COPY", "other", "k2", "REPLACE"}), 1);
  EXPECT_EQ(str({"GET", "k2"}), "x");
  EXPECT_EQ(num({"TTL", "k2"}), -1);
  EXPECT_EQ(num({"COPY", "nokey", "k3"}), 0);
  EXPECT_EQ(num({"COPY", "k", "k", "DB", "5"}), 1);
  EXPECT_EQ(str({"COPY", "k", "k"}), "ERR source and destination objects are the same");
  EXPECT_EQ(str({"COPY", "k", "k", "DB", "1"}), "ERR source and destination objects are the same");
  EXPECT_EQ(str({"COPY", "k", "x", "DB", "99"}), "ERR DB index is out of range");
  EXPECT_EQ(str({"COPY", "k", "x", "DB", "y"}), kNotInt);
  EXPECT_EQ(str({"COPY", "k", "x", "REPLACE", "foo"}), kSyntax);
  EXPECT_EQ(str({"COPY", "k", "x", "DB"}), kSyntax);
  EXPECT_EQ(str({"SELECT", "5"}), "OK");
  EXPECT_EQ(str({"GET", "k"}), "db0");
  // COPY makes an independent copy of aggregates.
  cmd({"RPUSH", "src", "a"});
  if (str({"TYPE", "src"}) == "list") {
    EXPECT_EQ(num({"COPY", "src", "dst"}), 1);
    cmd({"RPUSH", "src", "b"});
    EXPECT_EQ(num({"LLEN", "dst"}), 1);
  }
}

TEST_F(KeysStrings, FlushdbFlushall) {
  cmd({"SET", "a", "1"});
  cmd({"SELECT", "2"});
  cmd({"SET", "b", "1"});
  EXPECT_EQ(str({"FLUSHDB", "FOO"}), kSyntax);
  EXPECT_EQ(str({"FLUSHDB", "SYNC", "x"}), kSyntax);
  EXPECT_EQ(str({"FLUSHDB", "ASYNC"}), "OK");
  EXPECT_EQ(num({"DBSIZE"}), 0);
  cmd({"SELECT", "0"});
  EXPECT_EQ(num({"DBSIZE"}), 1);
  EXPECT_EQ(str({"FLUSHALL", "SYNC"}), "OK");
  EXPECT_EQ(num({"DBSIZE"}), 0);
  EXPECT_EQ(str({"FLUSHALL", "x"}), kSyntax);
}

TEST_F(KeysStrings, ObjectSubcommands) {
  cmd({"SET", "i", "12345"});
  cmd({"SET", "small", "1"});
  cmd({"SET", "s", "hello"});
  cmd({"SET", "r", std::string(50, 'x')});
  EXPECT_EQ(str({"OBJECT", "ENCODING", "i"}), "int");
  EXPECT_EQ(str({"OBJECT", "ENCODING", "s"}), "embstr");
  EXPECT_EQ(str({"OBJECT", "ENCODING", "r"}), "raw");
  EXPECT_TRUE(cmd({"OBJECT", "ENCODING", "nokey"}).is_nil());
  EXPECT_EQ(num({"OBJECT", "REFCOUNT", "s"}), 1);
  EXPECT_EQ(num({"OBJECT", "REFCOUNT", "small"}), 2147483647);
  EXPECT_GE(num({"OBJECT", "IDLETIME", "s"}), 0);
  EXPECT_EQ(str({"OBJECT", "FREQ", "s"}).rfind("ERR An LFU maxmemory policy is not selected", 0), 0u);
  EXPECT_EQ(str({"OBJECT", "FOO", "s"}), "ERR unknown subcommand 'FOO'. Try OBJECT HELP.");
  EXPECT_EQ(str({"OBJECT", "ENCODING"}), "ERR wrong number of arguments for 'object|encoding' command");
  EXPECT_EQ(str({"OBJECT"}), "ERR wrong number of arguments for 'object' command");
  Reply help = cmd({"OBJECT", "HELP"});
  ASSERT_GT(help.elements.size(), 5u);
  EXPECT_EQ(help.elements[0].str, "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  cmd({"RPUSH", "l", "a"});
  if (str({"TYPE", "l"}) == "list") { EXPECT_EQ(str({"OBJECT", "ENCODING", "l"}), "quicklist"); }
  cmd({"SADD", "is", "1", "2"});
  if (str({"TYPE", "is"}) == "set") { EXPECT_EQ(str({"OBJECT", "ENCODING", "is"}), "intset"); }
  cmd({"HSET", "h", "f", "v"});
  if (str({"TYPE", "h"}) == "hash") { EXPECT_EQ(str({"OBJECT", "ENCODING", "h"}), "listpack"); }
}

TEST_F(KeysStrings, KeyspaceHitsAndMisses) {
  int64_t hits0 = info_field("stats", "keyspace_hits");
  int64_t misses0 = info_field("stats", "keyspace_misses");
  if (hits0 < 0 || misses0 < 0) GTEST_SKIP() << "INFO stats does not report keyspace hits yet";
  cmd({"SET", "a", "1"});  // writes do not count
  cmd({"GET", "a"});
  cmd({"GET", "nokey"});
  cmd({"MGET", "a", "a", "nokey"});
  cmd({"EXISTS", "a"});
  EXPECT_EQ(info_field("stats", "keyspace_hits") - hits0, 4);
  EXPECT_EQ(info_field("stats", "keyspace_misses") - misses0, 2);
}

TEST_F(KeysStrings, ManyKeysThroughResizes) {
  // Pipelined, so it stays quick: 20000 keys in, every one readable, then all deleted again.
  std::string batch;
  for (int i = 0; i < 20000; ++i) {
    std::string k = "many:" + std::to_string(i);
    batch += "*3\r\n$3\r\nSET\r\n$" + std::to_string(k.size()) + "\r\n" + k + "\r\n$1\r\nv\r\n";
  }
  EXPECT_EQ(c_->raw(batch).str, "OK");
  for (int i = 1; i < 20000; ++i) ASSERT_EQ(c_->read().str, "OK");
  EXPECT_EQ(num({"DBSIZE"}), 20000);
  EXPECT_EQ(str({"GET", "many:12345"}), "v");
  EXPECT_EQ(list({"KEYS", "many:1999?"}).size(), 10u);
  EXPECT_EQ(str({"FLUSHDB"}), "OK");
}

}  // namespace
