// What the keyspace and string commands send to the AOF and replicas: relative expiries become
// absolute PEXPIREAT / SET ... PXAT, past expiries become DEL, INCRBYFLOAT becomes SET ... KEEPTTL.
// Runs the commands in-process through Server::execute with a recording propagation sink.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/util/clock.h"
#include "datanode/server/server.h"
#include "datanode/server/settings.h"

namespace {

using Argv = std::vector<std::string>;

class Recorder : public datanode::PropagationSink {
 public:
  void feed(int db, const std::vector<std::string_view>& argv) override {
    Argv a(argv.begin(), argv.end());
    a.insert(a.begin(), std::to_string(db));
    seen.push_back(std::move(a));
  }
  std::vector<Argv> seen;
};

class Propagation : public ::testing::Test {
 protected:
  Propagation() {
    datanode::register_settings(settings_, registry_);
    server_ = std::make_unique<datanode::Server>(settings_, registry_);
    server_->add_sink(&rec_);
    client_.authenticated = true;
  }
  ~Propagation() override { server_->remove_sink(&rec_); }

  // Runs one command; returns its raw RESP reply.
  std::string run(const Argv& args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    std::string buf;
    resp::Writer out(&buf);
    server_->execute(client_, views, out);
    return buf;
  }
  // Runs one command and returns what it propagated (db number first).
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

int64_t as_int(const std::string& s) { return std::stoll(s); }

TEST_F(Propagation, RelativeExpiriesBecomeAbsolute) {
  run({"SET", "k", "v"});
  int64_t before = util::unix_ms();
  auto p = propagated({"EXPIRE", "k", "100"});
  ASSERT_EQ(p.size(), 1u);
  ASSERT_EQ(p[0].size(), 4u);
  EXPECT_EQ(p[0][1], "PEXPIREAT");
  EXPECT_EQ(p[0][2], "k");
  int64_t at = as_int(p[0][3]);
  EXPECT_GE(at, before + 100000);
  EXPECT_LE(at, util::unix_ms() + 100000);

  p = propagated({"PEXPIRE", "k", "5000", "GT"});
  ASSERT_EQ(p.size(), 0u);  // refused by GT: nothing propagated
  p = propagated({"PEXPIRE", "k", "500000", "GT"});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0][1], "PEXPIREAT");
  EXPECT_EQ(p[0].back(), "GT");  // the flags travel with it
  p = propagated({"EXPIREAT", "k", "4000000000"});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], (Argv{"0", "PEXPIREAT", "k", "4000000000000"}));
  p = propagated({"PEXPIREAT", "k", "4000000000001"});
  EXPECT_EQ(p[0], (Argv{"0", "PEXPIREAT", "k", "4000000000001"}));
  EXPECT_TRUE(propagated({"EXPIRE", "nokey", "10"}).empty());
  EXPECT_EQ(propagated({"PERSIST", "k"}), (std::vector<Argv>{{"0", "PERSIST", "k"}}));
  EXPECT_TRUE(propagated({"PERSIST", "k"}).empty());
}

TEST_F(Propagation, PastExpiryDeletesAndPropagatesDel) {
  run({"SET", "k", "v"});
  EXPECT_EQ(propagated({"EXPIRE", "k", "-10"}), (std::vector<Argv>{{"0", "DEL", "k"}}));
  EXPECT_EQ(run({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(Propagation, SetWithExpiryBecomesPxat) {
  int64_t before = util::unix_ms();
  auto p = propagated({"SET", "k", "v", "EX", "10", "NX"});
  ASSERT_EQ(p.size(), 1u);
  ASSERT_EQ(p[0].size(), 6u);
  EXPECT_EQ((Argv{p[0][1], p[0][2], p[0][3], p[0][4]}), (Argv{"SET", "k", "v", "PXAT"}));
  EXPECT_GE(as_int(p[0][5]), before + 10000);
  p = propagated({"SETEX", "k", "10", "w"});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0][1], "SET");
  EXPECT_EQ(p[0][4], "PXAT");
  p = propagated({"PSETEX", "k", "10000", "w"});
  EXPECT_EQ(p[0][4], "PXAT");
  p = propagated({"SET", "k", "v", "PXAT", "4000000000000"});
  EXPECT_EQ(p[0], (Argv{"0", "SET", "k", "v", "PXAT", "4000000000000"}));
  // GET is dropped from what replicas see; a refused SET propagates nothing.
  EXPECT_EQ(propagated({"SET", "k", "x", "GET"}), (std::vector<Argv>{{"0", "SET", "k", "x"}}));
  EXPECT_TRUE(propagated({"SET", "k", "y", "NX"}).empty());
  EXPECT_EQ(propagated({"SET", "k", "y", "KEEPTTL"}), (std::vector<Argv>{{"0", "SET", "k", "y", "KEEPTTL"}}));
}

TEST_F(Propagation, GetexGetsetGetdelIncrbyfloat) {
  run({"SET", "k", "v"});
  EXPECT_TRUE(propagated({"GETEX", "k"}).empty());
  auto p = propagated({"GETEX", "k", "EX", "100"});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0][1], "PEXPIREAT");
  EXPECT_EQ(propagated({"GETEX", "k", "PERSIST"}), (std::vector<Argv>{{"0", "PERSIST", "k"}}));
  EXPECT_TRUE(propagated({"GETEX", "k", "PERSIST"}).empty());
  EXPECT_EQ(propagated({"GETEX", "k", "PXAT", "1"}), (std::vector<Argv>{{"0", "DEL", "k"}}));
  EXPECT_EQ(propagated({"GETSET", "k", "n"}), (std::vector<Argv>{{"0", "SET", "k", "n"}}));
  EXPECT_EQ(propagated({"GETDEL", "k"}), (std::vector<Argv>{{"0", "DEL", "k"}}));
  EXPECT_TRUE(propagated({"GETDEL", "k"}).empty());
  EXPECT_EQ(propagated({"INCRBYFLOAT", "f", "1.5"}), (std::vector<Argv>{{"0", "SET", "f", "1.5", "KEEPTTL"}}));
  EXPECT_EQ(propagated({"INCRBYFLOAT", "f", "0.25"}), (std::vector<Argv>{{"0", "SET", "f", "1.75", "KEEPTTL"}}));
  EXPECT_TRUE(propagated({"INCRBYFLOAT", "f", "x"}).empty());
}

TEST_F(Propagation, PlainWritesPropagateAsIsAndNoOpsDoNot) {
  EXPECT_EQ(propagated({"SET", "a", "1"}), (std::vector<Argv>{{"0", "SET", "a", "1"}}));
  EXPECT_EQ(propagated({"INCR", "a"}), (std::vector<Argv>{{"0", "INCR", "a"}}));
  EXPECT_EQ(propagated({"DEL", "a", "b"}), (std::vector<Argv>{{"0", "DEL", "a", "b"}}));
  EXPECT_TRUE(propagated({"DEL", "a"}).empty());
  EXPECT_TRUE(propagated({"GET", "a"}).empty());
  EXPECT_TRUE(propagated({"SETNX", "x", "1"}).size() == 1);
  EXPECT_TRUE(propagated({"SETNX", "x", "2"}).empty());
  EXPECT_TRUE(propagated({"RENAME", "nokey", "y"}).empty());
  EXPECT_EQ(propagated({"RENAME", "x", "y"}), (std::vector<Argv>{{"0", "RENAME", "x", "y"}}));
  run({"SELECT", "3"});
  EXPECT_EQ(propagated({"SET", "z", "1"}), (std::vector<Argv>{{"3", "SET", "z", "1"}}));
  EXPECT_EQ(propagated({"FLUSHALL"}), (std::vector<Argv>{{"3", "FLUSHALL"}}));
}

TEST_F(Propagation, LazyExpiryPropagatesDel) {
  run({"SET", "k", "v", "PXAT", std::to_string(util::unix_ms() + 1)});
  int64_t until = util::unix_ms() + 5;
  while (util::unix_ms() < until) {
  }
  EXPECT_EQ(propagated({"GET", "k"}), (std::vector<Argv>{{"0", "DEL", "k"}}));
}

TEST_F(Propagation, WritesTouchModifiedKeys) {
  std::vector<std::string> touched;
  server_->add_key_listener([&](int db, std::string_view key) { touched.push_back(std::to_string(db) + ":" + std::string(key)); });
  run({"SET", "a", "1"});
  run({"MSET", "b", "1", "c", "2"});
  run({"RENAME", "a", "d"});
  run({"EXPIRE", "d", "100"});
  run({"GET", "b"});
  EXPECT_EQ(touched, (std::vector<std::string>{"0:a", "0:b", "0:c", "0:a", "0:d", "0:d"}));
}

}  // namespace

namespace {

TEST_F(Propagation, ReplicaAppliesMastersDelToLogicallyExpiredKey) {
  server_->set_replica(true);
  client_.flags |= datanode::kClientMaster;
  run({"SET", "k", "v", "PXAT", "1"});  // a replica does not delete on its own
  EXPECT_EQ(server_->db(0).size(), 1u);
  EXPECT_EQ(run({"EXISTS", "k"}), ":0\r\n");  // but hides it
  EXPECT_EQ(run({"DEL", "k"}), ":1\r\n");
  EXPECT_EQ(server_->db(0).size(), 0u);
  server_->set_replica(false);
}

}  // namespace
