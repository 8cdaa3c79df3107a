// store::Database: values, TTL semantics, lazy and active expiry, replica mode, SCAN, sampling.
#include "datanode/store/database.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace {

using store::Database;
using store::Type;
using store::Value;

constexpr int64_t kNow = 1'700'000'000'000;

TEST(StoreDatabase, PutFindEraseAndTypes) {
  Database db(3);
  EXPECT_EQ(db.index(), 3);
  EXPECT_EQ(db.find("a", kNow), nullptr);
  db.put("a", Value(std::string("1")));
  ASSERT_NE(db.find("a", kNow), nullptr);
  EXPECT_EQ(db.find("a", kNow)->str(), "1");
  db.create("l", Type::kList).list().push_back("x");
  EXPECT_EQ(db.find("l", kNow)->type(), Type::kList);
  EXPECT_EQ(db.size(), 2u);
  EXPECT_TRUE(db.erase("a"));
  EXPECT_FALSE(db.erase("a"));
  EXPECT_EQ(db.size(), 1u);
  // Binary-safe and empty keys.
  std::string bin("a\0b", 3);
  db.put(bin, Value(std::string("z")));
  db.put("", Value(std::string("empty")));
  EXPECT_EQ(db.find(bin, kNow)->str(), "z");
  EXPECT_EQ(db.find("", kNow)->str(), "empty");
  EXPECT_EQ(db.find(std::string("a\0c", 3), kNow), nullptr);
}

TEST(StoreDatabase, TtlSemantics) {
  Database db;
  db.put("k", Value(std::string("v")));
  EXPECT_EQ(db.expire_at("k"), -1);
  db.set_expire("k", kNow + 1000);
  EXPECT_EQ(db.expire_at("k"), kNow + 1000);
  EXPECT_EQ(db.volatile_count(), 1u);
  db.set_expire("k", kNow + 2000);  // updates in place
  EXPECT_EQ(db.expire_at("k"), kNow + 2000);
  EXPECT_EQ(db.volatile_count(), 1u);
  db.put("k", Value(std::string("w")), /*keep_ttl=*/true);
  EXPECT_EQ(db.expire_at("k"), kNow + 2000);
  db.put("k", Value(std::string("x")));  // a plain overwrite clears the TTL
  EXPECT_EQ(db.expire_at("k"), -1);
  EXPECT_EQ(db.volatile_count(), 0u);
  db.set_expire("k", kNow + 5);
  EXPECT_TRUE(db.persist("k"));
  EXPECT_FALSE(db.persist("k"));
  EXPECT_FALSE(db.persist("absent"));
  db.set_expire("absent", kNow);  // no-op
  EXPECT_EQ(db.size(), 1u);
  EXPECT_EQ(db.volatile_count(), 0u);
  db.set_expire("k", kNow + 5);
  EXPECT_TRUE(db.erase("k"));
  EXPECT_EQ(db.volatile_count(), 0u);
}

TEST(StoreDatabase, LazyExpiryReportsToListener) {
  Database db(2);
  std::vector<std::pair<int, std::string>> expired;
  db.set_expired_listener([&](int i, std::string_view k) { expired.emplace_back(i, std::string(k)); });
  db.put("k", Value(std::string("v")));
  db.set_expire("k", kNow + 100);
  EXPECT_NE(db.find("k", kNow + 99), nullptr);
  EXPECT_TRUE(expired.empty());
  EXPECT_EQ(db.find("k", kNow + 100), nullptr);  // expiry time reached counts as expired
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], std::make_pair(2, std::string("k")));
  EXPECT_EQ(db.size(), 0u);
  EXPECT_EQ(db.volatile_count(), 0u);
}

TEST(StoreDatabase, ReplicaHidesButKeepsExpiredKeys) {
  Database db;
  int calls = 0;
  db.set_expired_listener([&](int, std::string_view) { ++calls; });
  db.set_expire_actively(false);
  db.put("k", Value(std::string("v")));
  db.set_expire("k", kNow);
  EXPECT_EQ(db.find("k", kNow + 1), nullptr);
  EXPECT_EQ(db.size(), 1u);
  EXPECT_EQ(db.expire_some(kNow + 1, 20), 0u);
  EXPECT_EQ(db.size(), 1u);
  EXPECT_EQ(calls, 0);
  db.set_master_view(true);  // the master's stream still sees it
  EXPECT_NE(db.find("k", kNow + 1), nullptr);
  db.set_master_view(false);
  EXPECT_TRUE(db.erase("k"));  // the master's DEL
}

TEST(StoreDatabase, ActiveExpiryRemovesOnlyExpiredKeysWithoutTouchingThem) {
  Database db;
  size_t reported = 0;
  db.set_expired_listener([&](int, std::string_view) { ++reported; });
  for (int i = 0; i < 5000; ++i) {
    std::string k = "k" + std::to_string(i);
    db.put(k, Value(std::string("v")));
    if (i % 2 == 0) db.set_expire(k, kNow + 10);   // half expire soon
    else if (i % 5 == 0) db.set_expire(k, kNow + 1000000);
  }
  EXPECT_EQ(db.expire_some(kNow, 20), 0u);
  size_t removed = 0;
  for (int round = 0; round < 1000 && db.volatile_count() > 500; ++round) removed += db.expire_some(kNow + 10, 20);
  EXPECT_EQ(removed, 2500u);
  EXPECT_EQ(reported, 2500u);
  EXPECT_EQ(db.size(), 2500u);
  EXPECT_EQ(db.volatile_count(), 500u);
  for (int i = 1; i < 5000; i += 2) ASSERT_NE(db.find("k" + std::to_string(i), kNow + 10), nullptr);
}

TEST(StoreDatabase, ScanSeesEveryKeyAndRespectsCount) {
  Database db;
  for (int i = 0; i < 1000; ++i) db.put("k" + std::to_string(i), Value(std::string("v")));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    size_t before = seen.size();
    cursor = db.scan(cursor, 10, [&](std::string_view k, const Value&) { seen.insert(std::string(k)); });
    EXPECT_LE(seen.size() - before, 30u);  // about COUNT per call (a bucket chain may add a few)
    ++calls;
  } while (cursor != 0 && calls < 10000);
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_GT(calls, 20);
  // Callbacks taking std::string still work.
  size_t n = 0;
  db.for_each([&](const std::string& k, const Value& v) {
    n += !k.empty() && v.type() == Type::kString;
  });
  EXPECT_EQ(n, 1000u);
}

TEST(StoreDatabase, EntriesIterateAsPairs) {
  Database db;
  db.put("a", Value(std::string("1")));
  db.put("b", Value(std::string("2")));
  std::set<std::string> got;
  for (const auto& [k, v] : db.entries()) got.insert(std::string(k) + "=" + v.str());
  EXPECT_EQ(got, (std::set<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(db.entries().size(), 2u);
}

TEST(StoreDatabase, RandomKeySkipsAndRemovesExpired) {
  Database db;
  EXPECT_EQ(db.random_key(kNow), nullptr);
  db.put("live", Value(std::string("v")));
  for (int i = 0; i < 20; ++i) {
    db.put("dead" + std::to_string(i), Value(std::string("v")));
    db.set_expire("dead" + std::to_string(i), kNow - 1);
  }
  const std::string* k = db.random_key(kNow);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(*k, "live");
}

TEST(StoreDatabase, RenameMovesValueAndTtl) {
  Database db;
  db.put("a", Value(std::string("1")));
  db.set_expire("a", kNow + 500);
  db.put("b", Value(std::string("old")));
  db.rename("a", "b");
  EXPECT_EQ(db.find("a", kNow), nullptr);
  EXPECT_EQ(db.find("b", kNow)->str(), "1");
  EXPECT_EQ(db.expire_at("b"), kNow + 500);
  EXPECT_EQ(db.volatile_count(), 1u);
  db.put("c", Value(std::string("x")));
  db.set_expire("c", kNow + 7);
  db.put("d", Value(std::string("y")));
  db.rename("d", "c");  // a key without TTL replaces one with a TTL
  EXPECT_EQ(db.expire_at("c"), -1);
  EXPECT_EQ(db.volatile_count(), 1u);
}

TEST(StoreDatabase, SwapContentsKeepsIndexAndClearFreesAll) {
  Database a(0), b(1);
  a.put("x", Value(std::string("1")));
  a.set_expire("x", kNow + 100);
  b.put("y", Value(std::string("2")));
  a.swap_contents(b);
  EXPECT_EQ(a.index(), 0);
  EXPECT_NE(a.find("y", kNow), nullptr);
  EXPECT_EQ(b.expire_at("x"), kNow + 100);
  b.clear();
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.volatile_count(), 0u);
  EXPECT_EQ(b.find("x", kNow), nullptr);
}

TEST(StoreDatabase, IdleTimeTracksAccess) {
  Database db;
  db.put("k", Value(std::string("v")));
  db.find("k", kNow);
  EXPECT_EQ(db.idle_seconds("k", kNow + 10500), 10);
  db.peek("k", kNow + 20000);  // peeking does not count as access
  EXPECT_EQ(db.idle_seconds("k", kNow + 20000), 20);
  db.find("k", kNow + 20000);
  EXPECT_EQ(db.idle_seconds("k", kNow + 20000), 0);
  EXPECT_EQ(db.idle_seconds("absent", kNow), -1);
}

TEST(StoreDatabase, SurvivesMoveInsideVector) {
  std::vector<Database> dbs;
  for (int i = 0; i < 16; ++i) {
    dbs.emplace_back(i);
    dbs.back().put("k" + std::to_string(i), Value(std::string("v")));
  }
  for (int i = 0; i < 16; ++i) EXPECT_NE(dbs[static_cast<size_t>(i)].find("k" + std::to_string(i), kNow), nullptr);
}

}  // namespace
