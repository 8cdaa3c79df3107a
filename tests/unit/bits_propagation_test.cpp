// What bitmap, HyperLogLog and RESTORE commands send to the AOF and replicas, as Redis: SETBIT, BITOP,
// BITFIELD and PFADD as given and only when they changed something; PFCOUNT when it refreshed the cached
// cardinality; RESTORE with a relative TTL as the absolute time plus ABSTTL, and RESTORE ... REPLACE of
// an already expired value as DEL. Runs commands in-process through Server::execute.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "datanode/rdb/value_payload.h"
#include "datanode/server/server.h"
#include "datanode/server/settings.h"

namespace {

using Argv = std::vector<std::string>;

class Recorder : public datanode::PropagationSink {
 public:
  void feed(int, const std::vector<std::string_view>& argv) override {
    seen.emplace_back(argv.begin(), argv.end());
  }
  std::vector<Argv> seen;
};

class BitsPropagation : public ::testing::Test {
 protected:
  BitsPropagation() {
    datanode::register_settings(settings_, registry_);
    server_ = std::make_unique<datanode::Server>(settings_, registry_);
    server_->add_sink(&rec_);
    client_.authenticated = true;
  }
  ~BitsPropagation() override { server_->remove_sink(&rec_); }

  std::string run(const Argv& args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    std::string buf;
    resp::Writer out(&buf);
    server_->execute(client_, views, out);
    return buf;
  }
  std::vector<Argv> propagated(const Argv& args) {
    rec_.seen.clear();
    run(args);
    return rec_.seen;
  }

  datanode::Settings settings_;
  config::Registry registry_;
  std::unique_ptr<datanode::Server> server_;
  datanode::Client client_;
  Recorder rec_;
};

}  // namespace

TEST_F(BitsPropagation, BitmapWritesAsGivenWhenTheyChangeSomething) {
  EXPECT_EQ(propagated({"SETBIT", "b", "7", "1"}), (std::vector<Argv>{{"SETBIT", "b", "7", "1"}}));
  EXPECT_EQ(propagated({"SETBIT", "b", "7", "1"}), std::vector<Argv>{});
  EXPECT_EQ(propagated({"SETBIT", "b", "3", "0"}), std::vector<Argv>{});
  EXPECT_EQ(propagated({"SETBIT", "b", "30", "0"}), (std::vector<Argv>{{"SETBIT", "b", "30", "0"}}));
  EXPECT_EQ(propagated({"BITOP", "NOT", "c", "b"}), (std::vector<Argv>{{"BITOP", "NOT", "c", "b"}}));
  EXPECT_EQ(propagated({"BITOP", "AND", "c", "none"}), (std::vector<Argv>{{"BITOP", "AND", "c", "none"}}));
  EXPECT_EQ(propagated({"BITOP", "AND", "c", "none"}), std::vector<Argv>{});
  EXPECT_EQ(propagated({"BITFIELD", "b", "GET", "u8", "0"}), std::vector<Argv>{});
  EXPECT_EQ(propagated({"BITFIELD", "b", "SET", "u8", "0", "5"}),
            (std::vector<Argv>{{"BITFIELD", "b", "SET", "u8", "0", "5"}}));
  EXPECT_EQ(propagated({"BITFIELD", "b", "SET", "u8", "0", "5"}), std::vector<Argv>{});
  EXPECT_EQ(propagated({"BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"}),
            std::vector<Argv>{});
}

TEST_F(BitsPropagation, HyperLogLogWrites) {
  EXPECT_EQ(propagated({"PFADD", "h", "a", "b"}), (std::vector<Argv>{{"PFADD", "h", "a", "b"}}));
  EXPECT_EQ(propagated({"PFADD", "h", "a"}), std::vector<Argv>{});
  // The first count stores the cardinality in the value: replicas must see it to stay byte-identical.
  EXPECT_EQ(propagated({"PFCOUNT", "h"}), (std::vector<Argv>{{"PFCOUNT", "h"}}));
  EXPECT_EQ(propagated({"PFCOUNT", "h"}), std::vector<Argv>{});
  EXPECT_EQ(propagated({"PFCOUNT", "h", "h"}), std::vector<Argv>{});
  EXPECT_EQ(propagated({"PFMERGE", "m", "h"}), (std::vector<Argv>{{"PFMERGE", "m", "h"}}));
  EXPECT_EQ(propagated({"PFDEBUG", "TODENSE", "m"}), (std::vector<Argv>{{"PFDEBUG", "TODENSE", "m"}}));
  EXPECT_EQ(propagated({"PFDEBUG", "TODENSE", "m"}), std::vector<Argv>{});
}

TEST_F(BitsPropagation, RestoreWithAbsoluteTtl) {
  std::string payload = rdb::dump_payload(store::Value(std::string("hello")));
  EXPECT_EQ(propagated({"RESTORE", "k", "0", payload}), (std::vector<Argv>{{"RESTORE", "k", "0", payload}}));
  auto seen = propagated({"RESTORE", "t", "100000", payload, "REPLACE"});
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_EQ(seen[0].size(), 6u);
  EXPECT_EQ(seen[0][0], "RESTORE");
  EXPECT_GT(std::stoll(seen[0][2]), 1600000000000LL);
  EXPECT_EQ(seen[0][4], "REPLACE");
  EXPECT_EQ(seen[0][5], "ABSTTL");
  EXPECT_EQ(propagated({"RESTORE", "a", "5000000000000", payload, "ABSTTL"}),
            (std::vector<Argv>{{"RESTORE", "a", "5000000000000", payload, "ABSTTL"}}));
  // Already expired: REPLACE deletes the old value (a DEL); without an old value nothing happens.
  EXPECT_EQ(propagated({"RESTORE", "k", "1", payload, "ABSTTL", "REPLACE"}),
            (std::vector<Argv>{{"DEL", "k"}}));
  EXPECT_EQ(propagated({"RESTORE", "k", "1", payload, "ABSTTL", "REPLACE"}), std::vector<Argv>{});
  EXPECT_EQ(run({"EXISTS", "k"}), ":0\r\n");
}

TEST(ValuePayload, RoundTripsEveryType) {
  store::Value list = store::Value::make(store::Type::kList);
  list.list() = {"a", "12", std::string(300, 'x')};
  store::Value set = store::Value::make(store::Type::kSet);
  set.set().insert("m");
  set.set().insert("7");
  store::Value hash = store::Value::make(store::Type::kHash);
  hash.hash().set("f", "v");
  store::Value zset = store::Value::make(store::Type::kZSet);
  zset.zset().insert("a", 1.5);
  zset.zset().insert("b", -1e300);
  for (const store::Value* v : {&list, &set, &hash, &zset}) {
    std::string p = rdb::dump_payload(*v);
    ASSERT_TRUE(rdb::verify_payload(p));
    auto back = rdb::load_payload(p);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->type(), v->type());
    EXPECT_EQ(back->length(), v->length());
    EXPECT_EQ(rdb::dump_payload(*back).size(), p.size());
  }
  std::string p = rdb::dump_payload(store::Value(std::string("-42")));
  EXPECT_EQ(p.substr(0, 3), std::string("\x00\xc0\xd6", 3));  // int8-encoded, as Redis writes it
  p[1] ^= 1;
  EXPECT_FALSE(rdb::verify_payload(p));
}
