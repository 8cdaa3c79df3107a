// What each kind of ACL user may do, against a real redis-server 7.0.15: a read-only user, a key-pattern
// user, a channel-restricted user, a replication user and a user with selectors run the same commands
// on both servers (RESP2 and RESP3), and every reply -- allowed or -NOPERM -- must agree byte for byte.
// Then AUTH/HELLO AUTH, ACL LOG entries, transactions, and the disconnections Redis does when a user
// is deleted or loses channels.
#include <gtest/gtest.h>

#include <thread>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

using harness::Datanode;

namespace {

using Commands = std::vector<std::vector<std::string>>;

const Commands kUsers = {
    {"ACL", "SETUSER", "reader", "on", ">rpw", "~*", "&*", "-@all", "+@read", "+@connection"},
    {"ACL", "SETUSER", "keyuser", "on", ">kpw", "%R~r:*", "%W~w:*", "~rw:*", "+@all", "-@dangerous"},
    {"ACL", "SETUSER", "chanuser", "on", ">cpw", "resetchannels", "&news.*", "&alerts", "+@all",
     "-@dangerous"},
    {"ACL", "SETUSER", "repl", "on", ">replpw", "+psync", "+replconf", "+ping"},
    {"ACL", "SETUSER", "seluser", "on", ">spw", "+get", "~a*", "(~b* +set)"},
    {"ACL", "SETUSER", "off", "off", ">opw", "+@all", "~*"},
    {"SET", "r:1", "v"},
    {"SET", "w:1", "v"},
    {"SET", "k", "v"},
};

std::string join(const std::vector<std::string>& cmd) {
  std::string line;
  for (const auto& a : cmd) line += a + " ";
  return line;
}

// Runs `commands` as `user` on both servers after HELLO `protocol` AUTH; returns the differences.
std::vector<std::string> as_user(int protocol, int redis_port, int our_port, const std::string& user,
                                 const std::string& pass, const Commands& commands) {
  rawresp::Conn theirs(redis_port), ours(our_port);
  std::vector<std::string> out;
  std::vector<std::string> hello = {"HELLO", std::to_string(protocol), "AUTH", user, pass};
  std::string a = theirs.command(hello), b = ours.command(hello);
  if ((a[0] == '-') != (b[0] == '-')) out.push_back("HELLO AUTH => redis: " + a + " ours: " + b);
  for (const auto& cmd : commands) {
    a = theirs.command(cmd);
    b = ours.command(cmd);
    if (a != b || a.empty()) out.push_back(user + ": " + join(cmd) + "=> redis: " + a + " ours: " + b);
  }
  return out;
}

void setup(int port) {
  rawresp::Conn c(port);
  for (const auto& cmd : kUsers) c.command(cmd);
}

struct Pair {
  reference::RealRedis redis;
  Datanode node;
  bool ok() { return redis.available; }
};

TEST(AclMatrix, EachUserAllowedExactlyWhatRedisAllows) {
  for (int protocol : {2, 3}) {
    Pair p;
    if (!p.ok()) GTEST_SKIP() << "redis-server not installed";
    setup(p.redis.port);
    setup(p.node.port);
    auto check = [&](const std::string& user, const std::string& pass, const Commands& cmds) {
      for (const std::string& d : as_user(protocol, p.redis.port, p.node.port, user, pass, cmds))
        ADD_FAILURE() << "RESP" << protocol << " " << d;
    };
    check("reader", "rpw",
          {{"GET", "k"},
           {"MGET", "k", "r:1"},
           {"EXISTS", "k"},
           {"SET", "k", "x"},
           {"DEL", "k"},
           {"LPUSH", "l", "a"},
           {"CONFIG", "GET", "maxmemory"},
           {"FLUSHALL"},
           {"PING"},
           {"ACL", "WHOAMI"},
           {"PUBLISH", "c", "m"},
           {"MULTI"},
           {"GET", "k"},
           {"SET", "k", "y"},
           {"EXEC"},
           {"CLIENT", "SETNAME", "x"},
           {"KEYS", "r:*"}});
    check("keyuser", "kpw",
          {{"GET", "r:1"},
           {"SET", "r:1", "x"},
           {"SET", "w:1", "x"},
           {"GET", "w:1"},
           {"SET", "rw:1", "x"},
           {"GET", "rw:1"},
           {"EXISTS", "w:1"},
           {"EXISTS", "zz"},
           {"COPY", "r:1", "w:2"},
           {"COPY", "w:1", "r:2"},
           {"MSET", "w:1", "a", "w:2", "b"},
           {"MSET", "w:1", "a", "k", "b"},
           {"APPEND", "w:1", "x"},
           {"RENAME", "rw:1", "rw:2"},
           {"KEYS", "*"},
           {"FLUSHALL"},
           {"DEL", "rw:2", "w:1", "w:2"}});
    check("chanuser", "cpw",
          {{"PUBLISH", "news.a", "m"},
           {"PUBLISH", "other", "m"},
           {"SPUBLISH", "alerts", "m"},
           {"SUBSCRIBE", "alerts", "other"},
           {"PSUBSCRIBE", "news.a*"},
           {"PSUBSCRIBE", "news.*"},
           {"UNSUBSCRIBE", "other"},
           {"PUNSUBSCRIBE"},
           {"PING"}});
    check("repl", "replpw", {{"PING"}, {"GET", "k"}, {"REPLCONF", "listening-port", "1"}, {"INFO"}});
    check(
        "seluser", "spw",
        {{"GET", "a1"}, {"GET", "b1"}, {"SET", "b1", "v"}, {"SET", "a1", "v"}, {"DEL", "a1"}, {"GET", "c"}});
    check("default", "", {{"ACL", "WHOAMI"}, {"GET", "k"}});
  }
}

TEST(AclMatrix, AuthAndHelloMatchRedis) {
  Pair p;
  if (!p.ok()) GTEST_SKIP() << "redis-server not installed";
  setup(p.redis.port);
  setup(p.node.port);
  Commands cmds = {
      {"AUTH", "reader", "wrong"},
      {"AUTH", "nosuch", "x"},
      {"AUTH", "off", "opw"},
      {"AUTH", "x"},
      {"AUTH", "a", "b", "c"},
      {"AUTH", "reader", "rpw"},
      {"ACL", "WHOAMI"},
      {"SET", "k", "1"},
      {"HELLO", "2", "AUTH", "keyuser", "bad"},
      {"ACL", "WHOAMI"},
      {"AUTH", "keyuser", "kpw"},
      {"SET", "w:9", "1"},
      {"CLIENT", "KILL", "USER", "nosuch"},
  };
  for (const std::string& d : reference::differences(p.redis.port, p.node.port, cmds)) ADD_FAILURE() << d;
}

// ACL LOG as a map of the fields that do not depend on the server (not age-seconds nor client-info).
std::vector<std::string> log_fields(int port) {
  harness::Client c(port);
  std::vector<std::string> out;
  for (const auto& entry : c.command({"ACL", "LOG"}).elements) {
    std::string line;
    for (size_t i = 0; i + 1 < entry.elements.size(); i += 2) {
      const std::string& k = entry.elements[i].str;
      if (k == "age-seconds") continue;
      if (k == "client-info") {
        // Only the client line's shape: user and cmd fields.
        const std::string& v = entry.elements[i + 1].str;
        size_t u = v.find(" user="), cmd = v.find(" cmd=");
        line += "user-field=" + v.substr(u + 6, v.find(' ', u + 1) - u - 6) + " ";
        line += "cmd-field=" + v.substr(cmd + 5, v.find(' ', cmd + 1) - cmd - 5) + " ";
        continue;
      }
      const auto& val = entry.elements[i + 1];
      line += k + "=" + (val.type == harness::Reply::Type::kInteger ? std::to_string(val.integer) : val.str) +
              " ";
    }
    out.push_back(line);
  }
  return out;
}

TEST(AclMatrix, AclLogEntriesMatchRedis) {
  Pair p;
  if (!p.ok()) GTEST_SKIP() << "redis-server not installed";
  for (int port : {p.redis.port, p.node.port}) {
    setup(port);
    rawresp::Conn c(port);
    c.command({"AUTH", "reader", "nope"});
    c.command({"AUTH", "reader", "nope"});
    c.command({"auth", "ghost", "secret-password"});
    c.command({"AUTH", "keyuser", "kpw"});
    c.command({"GET", "w:1"});
    c.command({"FLUSHALL"});
    c.command({"MULTI"});
    c.command({"SET", "r:1", "x"});
    c.command({"DISCARD"});
    c.command({"AUTH", "chanuser", "cpw"});
    c.command({"PUBLISH", "zzz", "m"});
  }
  EXPECT_EQ(log_fields(p.redis.port), log_fields(p.node.port));
  std::vector<std::string> ours = log_fields(p.node.port);
  for (const std::string& l : ours) EXPECT_EQ(std::string::npos, l.find("secret-password")) << l;
  harness::Client c(p.node.port);
  EXPECT_EQ(1u, c.command({"ACL", "LOG", "1"}).elements.size());
  EXPECT_EQ("OK", c.command({"ACL", "LOG", "RESET"}).str);
  EXPECT_EQ(0u, c.command({"ACL", "LOG"}).elements.size());
}

// A queued command whose permission is taken away before EXEC fails with Redis' text.
TEST(AclMatrix, ExecRechecksPermissions) {
  Pair p;
  if (!p.ok()) GTEST_SKIP() << "redis-server not installed";
  for (int port : {p.redis.port, p.node.port}) setup(port);
  std::string replies[2];
  int i = 0;
  for (int port : {p.redis.port, p.node.port}) {
    rawresp::Conn user(port), admin(port);
    user.command({"AUTH", "keyuser", "kpw"});
    user.command({"MULTI"});
    user.command({"SET", "w:5", "x"});
    user.command({"SET", "rw:5", "x"});
    user.command({"GET", "rw:5"});
    admin.command({"ACL", "SETUSER", "keyuser", "-set", "resetkeys", "~w:*"});
    replies[i++] = user.command({"EXEC"});
  }
  EXPECT_EQ(replies[0], replies[1]);
}

// Deleting a user closes its connections; so does losing the channels a subscriber listens to.
TEST(AclMatrix, DisconnectsAsRedis) {
  Datanode node;
  setup(node.port);
  harness::Client admin(node.port), victim(node.port), sub(node.port), pattern_sub(node.port);
  ASSERT_EQ("OK", victim.command({"AUTH", "reader", "rpw"}).str);
  ASSERT_EQ("OK", sub.command({"AUTH", "chanuser", "cpw"}).str);
  sub.command({"SUBSCRIBE", "alerts"});
  ASSERT_EQ("OK", pattern_sub.command({"AUTH", "chanuser", "cpw"}).str);
  pattern_sub.command({"PSUBSCRIBE", "news.*"});
  EXPECT_EQ(1, admin.command({"ACL", "DELUSER", "reader"}).integer);
  EXPECT_TRUE(victim.command({"PING"}).is_error());
  // Still allowed: alerts stays, news.* goes.
  EXPECT_EQ("OK", admin.command({"ACL", "SETUSER", "chanuser", "resetchannels", "&alerts"}).str);
  EXPECT_EQ(1, admin.command({"PUBLISH", "alerts", "m"}).integer);
  EXPECT_TRUE(pattern_sub.command({"PING"}).is_error());
  EXPECT_EQ("OK", admin.command({"ACL", "SETUSER", "chanuser", "resetchannels"}).str);
  EXPECT_TRUE(harness::eventually(
      [&] {
        return admin.command({"PUBLISH", "alerts", "m"}).integer == 0;
      },
      std::chrono::seconds(3)));
  // CLIENT KILL USER closes the user's connections.
  harness::Client k1(node.port), k2(node.port);
  ASSERT_EQ("OK", k1.command({"AUTH", "keyuser", "kpw"}).str);
  ASSERT_EQ("OK", k2.command({"AUTH", "keyuser", "kpw"}).str);
  EXPECT_EQ(2, admin.command({"CLIENT", "KILL", "USER", "keyuser"}).integer);
  EXPECT_TRUE(k1.command({"PING"}).is_error());
}

// requirepass is the default user's password; ACL SETUSER default changes it too.
TEST(AclMatrix, RequirepassIsTheDefaultUser) {
  Datanode node("requirepass = \"sekret\"\n");
  harness::Client c(node.port);
  EXPECT_EQ("NOAUTH Authentication required.", c.command({"GET", "k"}).str);
  EXPECT_EQ("OK", c.command({"AUTH", "default", "sekret"}).str);
  EXPECT_EQ("OK", c.command({"ACL", "SETUSER", "alice", "on", ">apw", "+@all", "~*"}).str);
  std::string list = c.command({"ACL", "LIST"}).elements[1].str;
  EXPECT_EQ("user default on #", list.substr(0, 17));
  EXPECT_EQ(std::string::npos, list.find("sekret"));
  EXPECT_EQ("OK", c.command({"CONFIG", "SET", "requirepass", ""}).str);
  harness::Client d(node.port);
  EXPECT_EQ("default", d.command({"ACL", "WHOAMI"}).str);
  EXPECT_EQ("OK", d.command({"ACL", "SETUSER", "default", "resetpass", ">np"}).str);
  harness::Client e(node.port);
  EXPECT_EQ("NOAUTH Authentication required.", e.command({"GET", "k"}).str);
  EXPECT_EQ("OK", e.command({"AUTH", "alice", "apw"}).str);
  EXPECT_EQ("alice", e.command({"ACL", "WHOAMI"}).str);
}

}  // namespace
