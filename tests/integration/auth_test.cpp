// Authentication everywhere, compared with real Redis 7: the AUTH gate on the datanode and on the sentinel
// (every command class refused before AUTH, byte for byte the replies redis-server / redis-sentinel
// give), replication links with a wrong or missing masterauth (in both directions with redis-server),
// sentinel links with a wrong auth-pass or sentinel-pass, and protected mode seen from a client in a
// network namespace of its own.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"
#include "sentinel_lab.h"

using harness::Client;
using harness::Datanode;
using harness::eventually;
using harness::Process;
using harness::Reply;
using harness::TempDir;
using namespace std::chrono_literals;

namespace {

const std::string kPass = "s3cret-pass";

std::string program_path(const std::string& name) {
  std::string p = harness::run("command -v " + name);
  while (!p.empty() && (p.back() == '\n' || p.back() == '\r' || p.back() == ' ')) p.pop_back();
  return p;
}

struct RedisServer {
  explicit RedisServer(std::vector<std::string> extra = {}) : port(harness::free_port()) {
    std::vector<std::string> args = {"--port",
                                     std::to_string(port),
                                     "--bind",
                                     "127.0.0.1",
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--dir",
                                     dir.path(),
                                     "--repl-diskless-sync-delay",
                                     "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    process = Process(program_path("redis-server"), args, dir.file("redis.log"));
    ready = harness::wait_for_port(port, 10s);
  }
  TempDir dir;
  int port;
  Process process;
  bool ready = false;
};

std::string info_field(int port, const std::string& field, const std::string& pass = kPass) {
  Client c(port);
  if (!pass.empty()) c.command({"AUTH", pass});
  return harness::info_field(c, "replication", field);
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

using reference::differences;

// Sends raw bytes in one write on a fresh connection and reads `replies` whole replies.
std::string raw_exchange(int port, const std::string& bytes, size_t replies) {
  rawresp::Conn c(port, 3000);
  c.send_bytes(bytes);
  std::string out;
  for (size_t i = 0; i < replies; ++i) out += c.read_reply();
  return out;
}

// What every command class answers before AUTH (and a few that are allowed), then after AUTH.
const std::vector<std::vector<std::string>> kBeforeAuth = {
    {"GET", "k"},
    {"SET", "k", "v"},
    {"DEL", "k"},
    {"KEYS", "*"},
    {"DBSIZE"},
    {"FLUSHALL"},
    {"LPUSH", "l", "a"},
    {"HSET", "h", "f", "v"},
    {"SADD", "s", "m"},
    {"ZADD", "z", "1", "m"},
    {"EXPIRE", "k", "10"},
    {"CONFIG", "GET", "maxmemory"},
    {"CONFIG", "SET", "requirepass", ""},
    {"INFO"},
    {"INFO", "replication"},
    {"CLIENT", "LIST"},
    {"CLIENT", "SETNAME", "x"},
    {"CLIENT", "ID"},
    {"SUBSCRIBE", "ch"},
    {"PSUBSCRIBE", "p*"},
    {"PUBLISH", "ch", "m"},
    {"MULTI"},
    {"EXEC"},
    {"DISCARD"},
    {"WATCH", "k"},
    {"REPLICAOF", "NO", "ONE"},
    {"SLAVEOF", "NO", "ONE"},
    {"REPLCONF", "listening-port", "1"},
    {"PSYNC", "?", "-1"},
    {"SYNC"},
    {"PING"},
    {"ECHO", "x"},
    {"SELECT", "1"},
    {"COMMAND", "COUNT"},
    {"MONITOR"},
    {"SHUTDOWN"},
    {"BGREWRITEAOF"},
    {"WAIT", "0", "0"},
    {"ROLE"},
    {"TIME"},
    // Unknown commands and wrong arity are told apart before the AUTH check, as in Redis.
    {"NOSUCHCOMMAND", "a"},
    {"GET"},
    {"AUTH"},
    {"AUTH", "a", "b", "c"},
    {"AUTH", "wrong"},
    {"AUTH", "default", "wrong"},
    {"AUTH", "nouser", kPass},
    {"HELLO"},
    {"HELLO", "2"},
    {"HELLO", "3"},
    {"HELLO", "4"},
    {"HELLO", "x"},
    {"HELLO", "2", "AUTH", "default", "bad"},
    {"HELLO", "2", "BOGUS"},
    {"RESET"},
    {"GET", "k"},
    // Authenticated: everything works; RESET logs the client out again.
    {"AUTH", kPass},
    {"SET", "k", "v"},
    {"GET", "k"},
    {"RESET"},
    {"GET", "k"},
    {"AUTH", "default", kPass},
    {"GET", "k"},
    {"DEL", "k"}};

TEST(AuthDatanode, EveryCommandBeforeAuthAnswersAsRedis) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server not installed";
  RedisServer redis({"--requirepass", kPass});
  ASSERT_TRUE(redis.ready);
  Datanode node("requirepass = \"" + kPass + "\"\n");
  for (const std::string& d : differences(redis.port, node.port, kBeforeAuth)) ADD_FAILURE() << d;

  // The explicit expectations, so that a changed Redis is noticed too.
  rawresp::Conn c(node.port);
  EXPECT_EQ(c.command({"GET", "k"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(c.command({"AUTH", "wrong"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(c.command({"EXEC"}),
            "-EXECABORT Transaction discarded because of: NOAUTH Authentication required.\r\n");
  EXPECT_EQ(c.command({"QUIT"}), "+OK\r\n");

  // HELLO with AUTH authenticates (its reply carries ids, so only its shape is compared).
  Client h(node.port);
  Reply r = h.command({"HELLO", "2", "AUTH", "default", kPass});
  ASSERT_EQ(r.type, Reply::Type::kArray) << r.str;
  EXPECT_EQ(r.elements.size(), 14u);
  EXPECT_EQ(h.command({"PING"}).str, "PONG");
}

TEST(AuthDatanode, NoPasswordConfiguredAuthAnswersAsRedis) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server not installed";
  RedisServer redis;
  ASSERT_TRUE(redis.ready);
  Datanode node;
  for (const std::string& d : differences(redis.port, node.port,
                                          {{"AUTH", "x"},
                                           {"AUTH", "default", "anything"},
                                           {"AUTH", "other", "x"},
                                           {"HELLO", "2", "AUTH", "other", "x"},
                                           {"HELLO", "3", "AUTH", "other", "x"},
                                           {"PING"}}))
    ADD_FAILURE() << d;
}

TEST(AuthDatanode, InlineAndPipelinedCommandsAfterAFailedAuthAreRefusedAndWriteNothing) {
  Datanode node("requirepass = \"" + kPass + "\"\nappendonly = true\nappendfsync = \"always\"\n");
  // One write: a failed AUTH, then inline and multibulk commands that would write.
  std::string bytes = "AUTH wrong\r\nSET refusedkey v\r\n" + rawresp::encode({"LPUSH", "refusedlist", "a"}) +
                      "MULTI\r\nINCR refusedcounter\r\nEXEC\r\nGET refusedkey\r\n";
  std::string got = raw_exchange(node.port, bytes, 7);
  EXPECT_EQ(got,
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
            "-NOAUTH Authentication required.\r\n-NOAUTH Authentication required.\r\n"
            "-NOAUTH Authentication required.\r\n-NOAUTH Authentication required.\r\n"
            "-EXECABORT Transaction discarded because of: NOAUTH Authentication required.\r\n"
            "-NOAUTH Authentication required.\r\n");
  // Inline AUTH with the right password, then inline commands work.
  EXPECT_EQ(raw_exchange(node.port, "AUTH " + kPass + "\r\nSET okkey 1\r\nGET okkey\r\n", 3),
            "+OK\r\n+OK\r\n$1\r\n1\r\n");

  Client c(node.port);
  ASSERT_EQ(c.command({"AUTH", "default", kPass}).str, "OK");
  EXPECT_EQ(c.command({"EXISTS", "refusedkey", "refusedlist", "refusedcounter"}).integer, 0);
  EXPECT_EQ(c.command({"DBSIZE"}).integer, 1);
  // The AOF holds the accepted write and none of the refused ones.
  std::string aof;
  for (const auto& e : std::filesystem::recursive_directory_iterator(node.dir.path())) {
    if (!e.is_regular_file() || e.path().filename().string().find("aof") == std::string::npos) continue;
    std::ifstream in(e.path(), std::ios::binary);
    aof += std::string(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_NE(aof.find("okkey"), std::string::npos);
  EXPECT_EQ(aof.find("refused"), std::string::npos);
}

// --- Replication links -------------------------------------------------------------------------------

std::string datanode_replica_toml(int master_port, const std::string& masterauth) {
  std::string t = "replicaof = \"127.0.0.1 " + std::to_string(master_port) + "\"\n";
  if (!masterauth.empty()) t += "masterauth = \"" + masterauth + "\"\n";
  return t;
}

// Our replica of a master (ours or redis-server) that requires kPass, started with `masterauth`: it never
// syncs, says why in its log, keeps retrying, and syncs once CONFIG SET masterauth fixes it.
// `master_pass` is the master's requirepass; the fix sets masterauth to it.
void expect_replica_refused_then_fixed(int master_port, const std::string& masterauth,
                                       const std::string& expected_log,
                                       const std::string& master_pass = kPass) {
  {
    Client m(master_port);
    if (!master_pass.empty()) {
      ASSERT_EQ(m.command({"AUTH", master_pass}).str, "OK");
    }
    ASSERT_EQ(m.command({"SET", "before-fix", "1"}).str, "OK");
  }
  Datanode replica(datanode_replica_toml(master_port, masterauth));
  Process& p = replica.process;
  ASSERT_TRUE(eventually([&] { return count(p.log(), expected_log) >= 3; }, 20s))
      << "expected at least three '" << expected_log << "' in:\n"
      << p.log();
  EXPECT_TRUE(p.running());
  EXPECT_EQ(info_field(replica.port, "master_link_status", ""), "down");
  EXPECT_EQ(info_field(replica.port, "role", ""), "slave");
  Client r(replica.port);
  EXPECT_EQ(r.command({"EXISTS", "before-fix"}).integer, 0);

  ASSERT_EQ(r.command({"CONFIG", "SET", "masterauth", master_pass}).str, "OK");
  ASSERT_TRUE(eventually([&] { return info_field(replica.port, "master_link_status", "") == "up"; }, 20s))
      << p.log();
  EXPECT_EQ(r.command({"GET", "before-fix"}).str, "1");
  {
    Client m(master_port);
    if (!master_pass.empty()) m.command({"AUTH", master_pass});
    m.command({"SET", "after-fix", "2"});
  }
  EXPECT_TRUE(eventually([&] { return r.command({"GET", "after-fix"}).str == "2"; }, 10s));
}

TEST(AuthReplication, OurReplicaWithWrongMasterauthToOurMaster) {
  Datanode master("requirepass = \"" + kPass + "\"\n");
  expect_replica_refused_then_fixed(
      master.port, "wrong",
      "Unable to AUTH to MASTER: -WRONGPASS invalid username-password pair or user is disabled.");
}

TEST(AuthReplication, OurReplicaWithoutMasterauthToOurMaster) {
  Datanode master("requirepass = \"" + kPass + "\"\n");
  expect_replica_refused_then_fixed(
      master.port, "", "MASTER aborted replication with an error: NOAUTH Authentication required.");
}

// As a Redis replica does: a masterauth for a master without a password is an error too.
TEST(AuthReplication, OurReplicaWithMasterauthToMasterWithoutPassword) {
  Datanode master;
  expect_replica_refused_then_fixed(
      master.port, "needless",
      "Unable to AUTH to MASTER: -ERR AUTH <password> called without any password "
      "configured for the default user. Are you sure your configuration is correct?",
      "");
}

TEST(AuthReplication, OurReplicaWithWrongMasterauthToRedisMaster) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server not installed";
  RedisServer master({"--requirepass", kPass});
  ASSERT_TRUE(master.ready);
  expect_replica_refused_then_fixed(
      master.port, "wrong",
      "Unable to AUTH to MASTER: -WRONGPASS invalid username-password pair or user is disabled.");
}

TEST(AuthReplication, OurReplicaWithoutMasterauthToRedisMaster) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server not installed";
  RedisServer master({"--requirepass", kPass});
  ASSERT_TRUE(master.ready);
  expect_replica_refused_then_fixed(
      master.port, "", "MASTER aborted replication with an error: NOAUTH Authentication required.");
}

// A redis-server replica of our master: its own log shows our refusal, in its own words.
void expect_redis_replica_refused_then_fixed(const std::vector<std::string>& auth_args,
                                             const std::string& expected_log) {
  Datanode master("requirepass = \"" + kPass + "\"\n");
  {
    Client m(master.port);
    m.command({"AUTH", kPass});
    m.command({"SET", "before-fix", "1"});
  }
  std::vector<std::string> args = {"--replicaof", "127.0.0.1", std::to_string(master.port)};
  args.insert(args.end(), auth_args.begin(), auth_args.end());
  RedisServer replica(args);
  ASSERT_TRUE(replica.ready);
  ASSERT_TRUE(eventually([&] { return count(replica.process.log(), expected_log) >= 2; }, 20s))
      << replica.process.log();
  EXPECT_EQ(info_field(replica.port, "master_link_status", ""), "down");
  Client r(replica.port);
  ASSERT_EQ(r.command({"CONFIG", "SET", "masterauth", kPass}).str, "OK");
  ASSERT_TRUE(eventually([&] { return info_field(replica.port, "master_link_status", "") == "up"; }, 20s))
      << replica.process.log();
  EXPECT_EQ(r.command({"GET", "before-fix"}).str, "1");
  EXPECT_TRUE(master.process.running());
}

TEST(AuthReplication, RedisReplicaWithWrongMasterauthToOurMaster) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server not installed";
  expect_redis_replica_refused_then_fixed(
      {"--masterauth", "wrong"},
      "Unable to AUTH to MASTER: -WRONGPASS invalid username-password pair or user is disabled.");
}

TEST(AuthReplication, RedisReplicaWithoutMasterauthToOurMaster) {
  if (!harness::have_program("redis-server")) GTEST_SKIP() << "redis-server not installed";
  expect_redis_replica_refused_then_fixed(
      {}, "MASTER aborted replication with an error: NOAUTH Authentication required.");
}

// --- Sentinel ---------------------------------------------------------------------------------------------

const std::string kSentinelPass = "sentinel-s3cret";

// Our sentinel's config with extra top-level lines (requirepass, sentinel-pass...) before [[monitor]].
void write_our_sentinel(sentinel_lab::SentinelNode& s, int master_port, int quorum,
                        const std::string& auth_pass, const std::string& top_level) {
  s.write_config(master_port, quorum, 1000, 10000, auth_pass);
  std::string text = s.dir.read("sentinel.toml");
  size_t at = text.find("\n") + 1;  // after the "# test sentinel" line
  s.dir.write("sentinel.toml", text.substr(0, at) + top_level + text.substr(at));
}

// One command on a fresh connection to a sentinel, after AUTH when it has a password.
Reply sentinel_cmd(int port, const std::vector<std::string>& args, const std::string& pass = kSentinelPass) {
  Client c(port);
  if (!pass.empty()) c.command({"AUTH", pass});
  return c.command(args);
}

// A field of one entry of SENTINEL MASTER / SENTINELS / REPLICAS (the entry as a flat key-value array).
std::string field(const Reply& entry, const std::string& key) {
  for (size_t i = 0; i + 1 < entry.elements.size(); i += 2)
    if (entry.elements[i].str == key) return entry.elements[i + 1].str;
  return "";
}

std::string master_field(int port, const std::string& key, const std::string& pass = kSentinelPass) {
  return field(sentinel_cmd(port, {"SENTINEL", "MASTER", "mymaster"}, pass), key);
}

// The flags this sentinel shows for every peer sentinel, comma-joined with "|" between peers.
std::string peer_flags(int port) {
  Reply r = sentinel_cmd(port, {"SENTINEL", "SENTINELS", "mymaster"});
  std::string out;
  for (const Reply& e : r.elements) out += (out.empty() ? "" : "|") + field(e, "flags");
  return out;
}

TEST(AuthSentinel, EveryCommandBeforeAuthAnswersAsRedisSentinel) {
  if (!harness::have_program("redis-sentinel")) GTEST_SKIP() << "redis-sentinel not installed";
  TempDir dir;
  int real_port = harness::free_port();
  dir.write("sentinel.conf", "port " + std::to_string(real_port) + "\nbind 127.0.0.1\ndir " + dir.path() +
                                 "\nrequirepass " + kSentinelPass + "\n");
  Process real(program_path("redis-sentinel"), {dir.file("sentinel.conf")}, dir.file("sentinel.log"));
  ASSERT_TRUE(harness::wait_for_port(real_port, 10s));
  int our_port = harness::free_port();
  dir.write("sentinel.toml", "port = " + std::to_string(our_port) + "\nbind = [\"127.0.0.1\"]\ndir = \"" +
                                 dir.path() + "\"\nrequirepass = \"" + kSentinelPass + "\"\n");
  Process ours(SENTINEL_BIN, {"--config", dir.file("sentinel.toml")}, dir.file("ours.log"));
  ASSERT_TRUE(harness::wait_for_port(our_port, 10s));

  const std::vector<std::vector<std::string>> commands = {
      {"PING"},
      {"SENTINEL", "MASTERS"},
      {"SENTINEL", "MASTER", "mymaster"},
      {"SENTINEL", "MYID"},
      {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"},
      {"SENTINEL", "CONFIG", "GET", "*"},
      {"INFO"},
      {"ROLE"},
      {"CLIENT", "LIST"},
      {"SUBSCRIBE", "x"},
      {"PSUBSCRIBE", "*"},
      {"PUBLISH", "a", "b"},
      {"COMMAND", "COUNT"},
      {"SHUTDOWN"},
      {"SENTINEL"},
      {"GET", "k"},
      {"AUTH"},
      {"AUTH", "a", "b", "c"},
      {"AUTH", "wrong"},
      {"AUTH", "default", "wrong"},
      {"AUTH", "other", kSentinelPass},
      {"HELLO"},
      {"HELLO", "2"},
      {"HELLO", "3"},
      {"HELLO", "4"},
      {"HELLO", "x"},
      {"HELLO", "2", "AUTH", "default", "bad"},
      {"PING"},
      {"AUTH", kSentinelPass},
      {"PING"},
      {"SENTINEL", "MASTERS"},
      {"AUTH", "default", kSentinelPass},
      {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"}};
  for (const std::string& d : differences(real_port, our_port, commands)) ADD_FAILURE() << d;

  // HELLO AUTH authenticates; a sentinel's HELLO has no "role" field.
  Client h(our_port);
  Reply r = h.command({"HELLO", "2", "AUTH", "default", kSentinelPass});
  ASSERT_EQ(r.type, Reply::Type::kArray);
  EXPECT_EQ(r.elements.size(), 12u);
  EXPECT_EQ(h.command({"PING"}).str, "PONG");
}

// A sentinel with a wrong or missing auth-pass for a password-protected master: the master stops
// answering its PINGs (NOAUTH), +sdown follows, our log says why; SENTINEL SET auth-pass fixes it. Real
// Redis Sentinel runs beside it and must show the same.
void expect_sentinel_refused_then_fixed(const std::string& auth_pass, const std::string& error) {
  Datanode master("requirepass = \"" + kPass + "\"\n");
  Datanode replica(datanode_replica_toml(master.port, kPass) + "requirepass = \"" + kPass + "\"\n");
  ASSERT_TRUE(eventually([&] { return info_field(replica.port, "master_link_status") == "up"; }, 20s));

  sentinel_lab::SentinelNode ours;
  int metrics_port = harness::free_port();
  // Quorum 2 with one sentinel: SDOWN, never ODOWN, so no failover gets in the way.
  write_our_sentinel(ours, master.port, 2, auth_pass,
                     "metrics-port = " + std::to_string(metrics_port) + "\n");
  ours.start();
  std::unique_ptr<sentinel_lab::SentinelNode> real;
  if (harness::have_program("redis-sentinel")) {
    real = std::make_unique<sentinel_lab::SentinelNode>();
    real->real = true;
    real->write_config(master.port, 2, 1000, 10000, auth_pass);
    real->start();
  }
  std::vector<sentinel_lab::SentinelNode*> all = {&ours};
  if (real) all.push_back(real.get());

  std::string auth_line = "Unable to AUTH to master mymaster 127.0.0.1 " + std::to_string(master.port) +
                          ": -" + error + " (check auth-pass)";
  EXPECT_TRUE(eventually([&] { return ours.proc.log().find(auth_line) != std::string::npos; }, 10s))
      << ours.proc.log();
  for (auto* s : all) {
    SCOPED_TRACE(s->real ? "redis-sentinel" : "our sentinel");
    EXPECT_TRUE(eventually([&] { return s->master_field("flags").find("s_down") != std::string::npos; }, 10s))
        << s->master_field("flags");
    EXPECT_GT(std::atoll(s->master_field("last-ok-ping-reply").c_str()), 1000);
    EXPECT_EQ(s->master_field("num-slaves"), "0");  // INFO is refused too: no replica discovered
  }
  EXPECT_NE(ours.proc.log().find("+sdown master mymaster"), std::string::npos);
  EXPECT_EQ(count(ours.proc.log(), "Unable to AUTH"), 1u);  // once per link, not once per retry
  // The metrics say it too (they are refreshed on a timer): the master is in SDOWN.
  if (harness::have_program("curl")) {
    std::string url = "curl -sf http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics";
    EXPECT_TRUE(eventually(
        [&] {
          return harness::run(url).find("sentinel_master_state{master=\"mymaster\",state=\"sdown\"} 1") !=
                 std::string::npos;
        },
        10s))
        << harness::run(url);
  }

  for (auto* s : all) {
    SCOPED_TRACE(s->real ? "redis-sentinel" : "our sentinel");
    EXPECT_EQ(s->cmd({"SENTINEL", "SET", "mymaster", "auth-pass", kPass}).str, "OK");
    EXPECT_TRUE(eventually([&] { return s->master_field("flags") == "master"; }, 10s))
        << s->master_field("flags");
    EXPECT_TRUE(eventually([&] { return s->master_field("num-slaves") == "1"; }, 15s));
    // The replica requires the same password: its link uses the master's auth-pass.
    EXPECT_TRUE(eventually(
        [&] {
          Reply r = s->cmd({"SENTINEL", "REPLICAS", "mymaster"});
          return r.elements.size() == 1 && field(r.elements[0], "flags") == "slave";
        },
        10s));
    EXPECT_LT(std::atoll(s->master_field("last-ok-ping-reply").c_str()), 2000);
  }
  EXPECT_NE(ours.proc.log().find("-sdown master mymaster"), std::string::npos);
}

TEST(AuthSentinel, WrongAuthPassToMasterIsVisibleAndSentinelSetFixesIt) {
  expect_sentinel_refused_then_fixed("wrong",
                                     "WRONGPASS invalid username-password pair or user is disabled.");
}

TEST(AuthSentinel, MissingAuthPassToMasterIsVisibleAndSentinelSetFixesIt) {
  expect_sentinel_refused_then_fixed("", "NOAUTH Authentication required.");
}

// Sentinels with requirepass talk to each other with sentinel-pass. One with the wrong sentinel-pass
// cannot reach its peers (they look down to it, its log says why) until SENTINEL CONFIG SET fixes it.
// A real redis-sentinel with the same options joins them.
TEST(AuthSentinel, PeerSentinelsUseSentinelPass) {
  Datanode master;
  std::string top = "requirepass = \"" + kSentinelPass + "\"\nsentinel-pass = \"" + kSentinelPass + "\"\n";
  sentinel_lab::SentinelNode a, b, c;
  write_our_sentinel(a, master.port, 2, "", top);
  write_our_sentinel(b, master.port, 2, "", top);
  write_our_sentinel(c, master.port, 2, "",
                     "requirepass = \"" + kSentinelPass + "\"\nsentinel-pass = \"wrong\"\n");
  std::unique_ptr<sentinel_lab::SentinelNode> real;
  if (harness::have_program("redis-sentinel")) {
    real = std::make_unique<sentinel_lab::SentinelNode>();
    real->real = true;
    real->write_config(master.port, 2, 1000, 10000);
    real->dir.write("sentinel.conf", real->dir.read("sentinel.conf") + "requirepass " + kSentinelPass +
                                         "\nsentinel sentinel-pass " + kSentinelPass + "\n");
  }
  for (auto* s : {&a, &b, &c}) s->start();
  if (real) real->start();
  size_t peers = real ? 3 : 2;
  std::vector<int> good = {a.port, b.port};
  if (real) good.push_back(real->port);

  // Everybody discovers everybody (hello messages go through the master, no sentinel auth needed).
  ASSERT_TRUE(eventually(
      [&] {
        for (int p : good)
          if (master_field(p, "num-other-sentinels") != std::to_string(peers)) return false;
        return master_field(c.port, "num-other-sentinels") == std::to_string(peers);
      },
      20s));
  // Past down-after: the good ones see each other up; c sees them all down and says why.
  std::this_thread::sleep_for(2500ms);
  for (int p : good) {
    Reply r = sentinel_cmd(p, {"SENTINEL", "SENTINELS", "mymaster"});
    for (const Reply& e : r.elements) {
      if (field(e, "port") == std::to_string(c.port)) continue;
      EXPECT_EQ(field(e, "flags"), "sentinel") << "seen from " << p << ": peer " << field(e, "port");
    }
  }
  EXPECT_EQ(count(peer_flags(c.port), "s_down"), peers) << peer_flags(c.port);
  EXPECT_NE(c.proc.log().find("Unable to AUTH to sentinel "), std::string::npos) << c.proc.log();
  EXPECT_NE(c.proc.log().find(
                "-WRONGPASS invalid username-password pair or user is disabled. (check sentinel-pass)"),
            std::string::npos);

  EXPECT_EQ(sentinel_cmd(c.port, {"SENTINEL", "CONFIG", "SET", "sentinel-pass", kSentinelPass}).str, "OK");
  EXPECT_TRUE(eventually([&] { return count(peer_flags(c.port), "s_down") == 0; }, 10s))
      << peer_flags(c.port);
}

// --- Protected mode ---------------------------------------------------------------------------------------

// A network namespace joined to ours by a veth pair: a client inside it is not on our loopback. Made
// per test process (names and subnet from the PID), always deleted; ones left by a killed test process
// are deleted by the next one (deleting the namespace deletes its veth pair).
struct NetNs {
  NetNs() {
    std::istringstream names(harness::run("ip netns list 2>/dev/null"));
    for (std::string line; std::getline(names, line);) {
      if (line.rfind("authns", 0) != 0) continue;
      std::string stale = line.substr(0, line.find(' '));
      int owner = std::atoi(stale.c_str() + 6);
      if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH)
        harness::run("ip netns del " + stale + " 2>/dev/null");
    }
    int pid = static_cast<int>(getpid());
    name = "authns" + std::to_string(pid);
    veth = "aut" + std::to_string(pid);
    std::string subnet = "10.66." + std::to_string(pid % 250 + 1) + ".";
    host_ip = subnet + "1";
    ns_ip = subnet + "2";
    std::string peer = "aun" + std::to_string(pid);
    int st = 0;
    harness::run("ip netns add " + name + " && ip link add " + veth + " type veth peer name " + peer +
                     " netns " + name + " && ip addr add " + host_ip + "/24 dev " + veth +
                     " && ip link set " + veth + " up && ip -n " + name + " addr add " + ns_ip + "/24 dev " +
                     peer + " && ip -n " + name + " link set " + peer + " up && ip -n " + name +
                     " link set lo up 2>&1",
                 &st);
    ok = st == 0;
  }
  ~NetNs() { harness::run("ip link del " + veth + " 2>/dev/null; ip netns del " + name + " 2>/dev/null"); }
  // redis-cli from inside the namespace to host_ip:port.
  std::string cli(int port, const std::string& args = "PING") const {
    return harness::run("timeout 10 ip netns exec " + name + " redis-cli -h " + host_ip + " -p " +
                        std::to_string(port) + " " + args + " 2>&1");
  }
  std::string name, veth, host_ip, ns_ip;
  bool ok = false;
};

// Our datanode listening on loopback and on the veth address, with extra TOML lines.
struct ExposedDatanode {
  ExposedDatanode(const std::string& ip, const std::string& extra) : port(harness::free_port()) {
    dir.write("datanode.toml", "port = " + std::to_string(port) + "\nbind = [\"127.0.0.1\", \"" + ip +
                                   "\"]\ndir = \"" + dir.path() + "\"\n" + extra);
    proc = Process(DATANODE_BIN, {"--config", dir.file("datanode.toml")}, dir.file("datanode.log"));
    harness::wait_for_port(port, 20s);
  }
  TempDir dir;
  int port;
  Process proc;
};

struct ExposedSentinel {
  ExposedSentinel(const std::string& ip, const std::string& extra, bool real) : port(harness::free_port()) {
    if (real) {
      dir.write("sentinel.conf", "port " + std::to_string(port) + "\nbind 127.0.0.1 " + ip + "\ndir " +
                                     dir.path() + "\n" + extra);
      proc = Process(program_path("redis-sentinel"), {dir.file("sentinel.conf")}, dir.file("sentinel.log"));
    } else {
      dir.write("sentinel.toml", "port = " + std::to_string(port) + "\nbind = [\"127.0.0.1\", \"" + ip +
                                     "\"]\ndir = \"" + dir.path() + "\"\n" + extra);
      proc = Process(SENTINEL_BIN, {"--config", dir.file("sentinel.toml")}, dir.file("sentinel.log"));
    }
    harness::wait_for_port(port, 20s);
  }
  TempDir dir;
  int port;
  Process proc;
};

const char* kDenied = "DENIED Redis is running in protected mode because protected mode is enabled";

TEST(AuthProtectedMode, NonLoopbackClientsAsRedis) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to create a network namespace";
  if (!harness::have_program("ip") || !harness::have_program("redis-cli") ||
      !harness::have_program("redis-server"))
    GTEST_SKIP() << "needs ip, redis-cli and redis-server";
  NetNs ns;
  if (!ns.ok) GTEST_SKIP() << "could not create a network namespace with a veth pair";

  // Datanode: protected by default, open with a password or with protected-mode off.
  ExposedDatanode plain(ns.host_ip, ""), with_pass(ns.host_ip, "requirepass = \"" + kPass + "\"\n"),
      unprotected(ns.host_ip, "protected-mode = false\n");
  RedisServer redis({"--bind", "127.0.0.1", ns.host_ip});
  ASSERT_TRUE(redis.ready);
  std::string theirs = ns.cli(redis.port);
  ASSERT_NE(theirs.find(kDenied), std::string::npos) << theirs;
  EXPECT_EQ(ns.cli(plain.port), theirs);
  EXPECT_EQ(ns.cli(with_pass.port), "NOAUTH Authentication required.\n\n");
  EXPECT_EQ(ns.cli(with_pass.port, "-a " + kPass + " --no-auth-warning PING"), "PONG\n");
  EXPECT_EQ(ns.cli(unprotected.port), "PONG\n");
  // Loopback clients are never refused, and may turn protected mode off.
  Client local(plain.port);
  EXPECT_EQ(local.command({"PING"}).str, "PONG");
  Reply rejected = local.command({"INFO", "stats"});
  EXPECT_NE(rejected.str.find("rejected_connections:1\r\n"), std::string::npos);
  EXPECT_EQ(local.command({"CONFIG", "SET", "protected-mode", "no"}).str, "OK");
  EXPECT_EQ(ns.cli(plain.port), "PONG\n");
  EXPECT_EQ(local.command({"CONFIG", "SET", "protected-mode", "yes"}).str, "OK");
  EXPECT_EQ(ns.cli(plain.port), theirs);

  // Sentinel: protected mode is off unless configured (a sentinel must be reachable), as redis-sentinel.
  ExposedSentinel our_default(ns.host_ip, "", false),
      our_protected(ns.host_ip, "protected-mode = true\n", false);
  EXPECT_EQ(ns.cli(our_default.port), "PONG\n");
  EXPECT_EQ(ns.cli(our_protected.port), theirs);
  if (harness::have_program("redis-sentinel")) {
    ExposedSentinel real_default(ns.host_ip, "", true),
        real_protected(ns.host_ip, "protected-mode yes\n", true);
    EXPECT_EQ(ns.cli(real_default.port), "PONG\n");
    EXPECT_EQ(ns.cli(real_protected.port), theirs);
  }
}

}  // namespace
