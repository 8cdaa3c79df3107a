// store/rewrite: the commands that rebuild each type of key, chunking, expiry, skipped expired keys.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "datanode/store/rewrite.h"

namespace {

using Cmds = std::vector<std::vector<std::string>>;

Cmds collect(std::string_view key, const store::Value& v, int64_t at, size_t per = 64) {
  Cmds out;
  store::rewrite_key(key, v, at, [&](const std::vector<std::string_view>& argv) {
    out.emplace_back(argv.begin(), argv.end());
  }, per);
  return out;
}

TEST(AofRewrite, StringWithTtl) {
  Cmds c = collect("k", store::Value(std::string("v")), 1234567);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0], (std::vector<std::string>{"SET", "k", "v"}));
  EXPECT_EQ(c[1], (std::vector<std::string>{"PEXPIREAT", "k", "1234567"}));
}

TEST(AofRewrite, ListIsChunked) {
  store::Value v = store::Value::make(store::Type::kList);
  for (int i = 0; i < 10; ++i) v.list().push_back(std::to_string(i));
  Cmds c = collect("l", v, -1, 4);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0], (std::vector<std::string>{"RPUSH", "l", "0", "1", "2", "3"}));
  EXPECT_EQ(c[2], (std::vector<std::string>{"RPUSH", "l", "8", "9"}));
}

TEST(AofRewrite, HashSetZset) {
  store::Value h = store::Value::make(store::Type::kHash);
  h.hash().set("f", "v");
  Cmds c = collect("h", h, -1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0], (std::vector<std::string>{"HSET", "h", "f", "v"}));

  store::Value s = store::Value::make(store::Type::kSet);
  s.set().insert("m");
  c = collect("s", s, -1);
  EXPECT_EQ(c[0], (std::vector<std::string>{"SADD", "s", "m"}));

  store::Value z = store::Value::make(store::Type::kZSet);
  z.zset().insert("b", 2.5);
  z.zset().insert("a", 1);
  c = collect("z", z, -1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0], (std::vector<std::string>{"ZADD", "z", "1", "a", "2.5", "b"}));
}

TEST(AofRewrite, DatabaseSkipsExpiredKeys) {
  store::Database db(0);
  db.put("live", store::Value(std::string("1")));
  db.put("gone", store::Value(std::string("2")));
  db.set_expire("gone", 1000);
  db.put("later", store::Value(std::string("3")));
  db.set_expire("later", 5000);
  Cmds out;
  size_t n = store::rewrite_database(db, 2000, [&](const std::vector<std::string_view>& argv) {
    out.emplace_back(argv.begin(), argv.end());
  });
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(out.size(), 3u);  // SET live, SET later, PEXPIREAT later
  for (const auto& cmd : out) EXPECT_NE(cmd[1], "gone");
}

}  // namespace
