// RESP3 (HELLO 3) against a real redis-server 7.0.15: the same command list, every family, runs in
// RESP2 and in RESP3 on both servers and every reply must agree byte for byte (maps, sets, doubles,
// nulls, verbatim strings, pushes). Also HELLO itself, pub/sub pushes mixed with replies on one
// connection, per-connection protocol, and what `redis-cli -3` prints.
#include <gtest/gtest.h>

#include <sstream>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

using harness::Datanode;

namespace {

std::vector<std::vector<std::string>> script(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::vector<std::string> cmd;
    std::string w;
    while (words >> w) cmd.push_back(w);
    if (!cmd.empty()) out.push_back(cmd);
  }
  return out;
}

std::string join(const std::vector<std::string>& cmd) {
  std::string line;
  for (const auto& a : cmd) line += a + " ";
  return line;
}

// The reply to HELLO without its "id" value (connection ids differ between the two servers).
std::string without_id(const std::string& hello) {
  size_t at = hello.find("$2\r\nid\r\n:");
  if (at == std::string::npos) return hello;
  size_t end = hello.find("\r\n", at + 9);
  return hello.substr(0, at + 9) + hello.substr(end);
}

// Like reference::differences, on connections that first said HELLO `protocol`.
std::vector<std::string> differences_in(int protocol, int redis_port, int our_port,
                                        const std::vector<std::vector<std::string>>& commands) {
  rawresp::Conn theirs(redis_port), ours(our_port);
  std::vector<std::string> out;
  std::vector<std::string> hello = {"HELLO", std::to_string(protocol)};
  std::string a = without_id(theirs.command(hello)), b = without_id(ours.command(hello));
  if (a != b || a.empty()) out.push_back("HELLO => redis: " + a + " ours: " + b);
  for (const auto& cmd : commands) {
    a = theirs.command(cmd);
    b = ours.command(cmd);
    if (a != b || a.empty()) out.push_back(join(cmd) + "=> redis: " + a + " ours: " + b);
  }
  return out;
}

// Sends one command and reads `replies` replies (a command and the pushes it causes).
std::string exchange(rawresp::Conn& c, const std::vector<std::string>& cmd, int replies) {
  c.send(cmd);
  std::string out;
  for (int i = 0; i < replies; ++i) out += c.read_reply();
  return out;
}

// Sets and hashes listed whole hold one member: the two servers do not order members alike.
const char* kEveryFamily = R"(
FLUSHALL
SET s hello
GET s
GET nokey
GETDEL nokey
GETEX nokey
MGET s nokey
INCRBYFLOAT f 1.5
INCRBYFLOAT f 0.1
INCR n
LCS s nokey
SET s2 hxllo
LCS s s2 IDX
LCS s s2 IDX WITHMATCHLEN MINMATCHLEN 2
LCS s s2 LEN
SET s3 v NX GET
SET s3 w XX GET
STRLEN s
TYPE s
TYPE nokey
EXISTS s nokey
TTL s
PEXPIRETIME nokey
OBJECT ENCODING s
OBJECT ENCODING nokey
OBJECT FREQ s
KEYS nomatch*
SCAN 0 MATCH nomatch*
RPUSH l a b c
LRANGE l 0 -1
LPOP l
LPOP l 2
LPOP nokey
LPOP nokey 2
LPOS l c
LPOS l zz
LPOS l c COUNT 0
LINDEX l 5
LMPOP 1 nokey LEFT
LMPOP 2 nokey l RIGHT COUNT 5
BLPOP nokey 0.01
BLMPOP 0.01 1 nokey LEFT
BRPOPLPUSH nokey dst 0.01
HSET h f1 v1
HGETALL h
HGETALL nokey
HKEYS h
HVALS h
HKEYS nokey
HGET h nofield
HMGET h f1 nofield
HSET hn n 5
HINCRBYFLOAT hn n 1.25
HINCRBY hn n 1
HRANDFIELD nokey
HRANDFIELD nokey 2 WITHVALUES
HRANDFIELD h 0 WITHVALUES
HRANDFIELD h 1 WITHVALUES
HRANDFIELD h -2 WITHVALUES
HRANDFIELD h 5
HSCAN h 0
SADD one member
SMEMBERS one
SMEMBERS nokey
SADD ints 3
SADD ints2 3 4
SMEMBERS ints
SUNION ints nokey
SINTER ints ints2
SINTER ints one
SINTER ints nokey
SDIFF ints nokey
SDIFF ints2 ints
SDIFF nokey ints
SUNION nokey
SUNIONSTORE dst ints nokey
SISMEMBER ints 3
SMISMEMBER ints 3 9
SRANDMEMBER one
SRANDMEMBER one 1
SRANDMEMBER one -2
SRANDMEMBER nokey 2
SRANDMEMBER nokey
SPOP nokey
SPOP nokey 2
SPOP one 0
SPOP one 5
SSCAN ints 0
ZADD z 1 a 2.5 b 3 c
ZSCORE z b
ZSCORE z nomember
ZSCORE nokey m
ZMSCORE z a nomember c
ZINCRBY z 0.5 a
ZADD z INCR 1 a
ZADD z NX INCR 1 a
ZADD z inf d
ZSCORE z d
ZADD z -inf e
ZRANGE z 0 -1
ZRANGE z 0 -1 WITHSCORES
ZRANGE z 0 1 REV WITHSCORES
ZRANGE z (1 +inf BYSCORE WITHSCORES
ZRANGE nokey 0 -1 WITHSCORES
ZREVRANGE z 0 -1 WITHSCORES
ZRANGEBYSCORE z -inf +inf WITHSCORES
ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 1 2
ZRANGEBYLEX z - +
ZRANK z b
ZRANK z nomember
ZREVRANK z b
ZCOUNT z -inf +inf
ZUNION 2 z nokey WITHSCORES
ZUNION 2 z nokey
ZINTER 2 z z WITHSCORES
ZDIFF 2 z nokey WITHSCORES
ZRANDMEMBER nokey
ZRANDMEMBER nokey 2 WITHSCORES
ZSCAN z 0
ZADD single 7 only
ZRANDMEMBER single 1 WITHSCORES
ZRANDMEMBER single -2 WITHSCORES
ZRANDMEMBER single 1
ZPOPMIN z
ZPOPMIN z 1
ZPOPMAX z 2
ZPOPMIN nokey
ZPOPMIN nokey 2
ZPOPMAX z 0
ZMPOP 1 z MIN
ZMPOP 2 nokey z MAX COUNT 10
ZMPOP 1 nokey MIN
ZADD z2 1 x 2 y
ZRANGESTORE zdst z2 0 -1
ZUNIONSTORE zu 2 z2 nokey WEIGHTS 2 3
ZRANGE zu 0 -1 WITHSCORES
ZADD zbig 9.8813129168249309e-323 m
ZSCORE zbig m
ZADD zbig 1e999 m
ZINCRBY zbig 1e-320 m
CONFIG GET maxmemory
CONFIG GET nosuchoption
CONFIG GET maxmemory-policy
PING
PING hi
ECHO hi
DBSIZE
SELECT 1
SELECT 0
MULTI
ZADD zm 1.5 a
ZSCORE zm a
HGETALL h
SMEMBERS ints
GET nokey
EXEC
EXEC
DISCARD
WATCH h
UNWATCH
PUBSUB NUMSUB ch1 ch2
PUBSUB CHANNELS
PUBSUB NUMPAT
PUBLISH nobody msg
CLIENT GETNAME
CLIENT SETNAME resp3
CLIENT GETNAME
CLIENT REPLY ON
COMMAND INFO nosuchcommand
GET h
HGET s f
ZSCORE s m
SMEMBERS s
NOSUCHCOMMAND
GET
DEL nokey
WAIT 0 0
DEBUG PROTOCOL string
DEBUG PROTOCOL integer
DEBUG PROTOCOL double
DEBUG PROTOCOL bignum
DEBUG PROTOCOL null
DEBUG PROTOCOL array
DEBUG PROTOCOL set
DEBUG PROTOCOL map
DEBUG PROTOCOL attrib
DEBUG PROTOCOL true
DEBUG PROTOCOL false
DEBUG PROTOCOL verbatim
DEBUG PROTOCOL nosuchtype
)";

}  // namespace

TEST(Resp3, EveryFamilySameRepliesAsRealRedisInBothProtocols) {
  reference::RealRedis redis({"--enable-debug-command", "yes"});
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  auto commands = script(kEveryFamily);
  for (int protocol : {2, 3}) {
    for (const std::string& d : differences_in(protocol, redis.port, node.port, commands))
      ADD_FAILURE() << "RESP" << protocol << ": " << d;
  }
}

TEST(Resp3, HelloRepliesAndErrors) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  auto diffs = reference::differences(redis.port, node.port, script(R"(
HELLO 1
HELLO 4
HELLO -1
HELLO abc
HELLO 3 SETNAME
HELLO 3 FOO
HELLO 3 AUTH default
HELLO 3 AUTH someone wrong
HELLO 2 SETNAME bad name
CLIENT GETNAME
)"));
  for (const std::string& d : diffs) ADD_FAILURE() << d;

  rawresp::Conn theirs(redis.port), ours(node.port);
  for (const char* proto : {"3", "2", "3"}) {
    std::vector<std::string> hello = {"HELLO", proto, "AUTH", "default", "any", "SETNAME", "conn1"};
    std::string a = without_id(theirs.command(hello)), b = without_id(ours.command(hello));
    EXPECT_EQ(a, b);
    EXPECT_TRUE(b.starts_with(std::string(proto) == "3" ? "%7\r\n" : "*14\r\n")) << b;
  }
  // HELLO with no version keeps the current protocol (3 here).
  EXPECT_EQ(without_id(theirs.command({"HELLO"})), without_id(ours.command({"HELLO"})));
  EXPECT_EQ(ours.command({"CLIENT", "GETNAME"}), "$5\r\nconn1\r\n");
  // The id in the map is the connection's CLIENT ID.
  std::string id = ours.command({"CLIENT", "ID"});
  EXPECT_NE(ours.command({"HELLO", "3"}).find("$2\r\nid\r\n" + id), std::string::npos);
  // RESET goes back to RESP2.
  EXPECT_EQ(ours.command({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(ours.command({"HGETALL", "nokey"}), "*0\r\n");
  EXPECT_EQ(theirs.command({"RESET"}), "+RESET\r\n");
}

TEST(Resp3, ProtocolIsPerConnectionAndShownByClientList) {
  Datanode node;
  rawresp::Conn three(node.port), two(node.port);
  three.command({"HELLO", "3"});
  EXPECT_EQ(three.command({"HGETALL", "nokey"}), "%0\r\n");
  EXPECT_EQ(two.command({"HGETALL", "nokey"}), "*0\r\n");
  EXPECT_EQ(three.command({"GET", "nokey"}), "_\r\n");
  EXPECT_EQ(two.command({"GET", "nokey"}), "$-1\r\n");
  // Pipelined: the protocol switch applies from the next command on.
  three.send_bytes(rawresp::encode({"HELLO", "2"}) + rawresp::encode({"GET", "nokey"}) +
                   rawresp::encode({"HELLO", "3"}) + rawresp::encode({"GET", "nokey"}));
  EXPECT_EQ(three.read_reply().substr(0, 4), "*14\r");
  EXPECT_EQ(three.read_reply(), "$-1\r\n");
  EXPECT_EQ(three.read_reply().substr(0, 3), "%7\r");
  EXPECT_EQ(three.read_reply(), "_\r\n");

  std::string info = three.command({"CLIENT", "INFO"});
  ASSERT_EQ(info[0], '=') << info;
  EXPECT_NE(info.find("\r\ntxt:id="), std::string::npos) << info;
  EXPECT_NE(info.find(" resp=3\n"), std::string::npos) << info;
  std::string list = two.command({"CLIENT", "LIST"});
  ASSERT_EQ(list[0], '$') << list;
  EXPECT_NE(list.find(" resp=3\n"), std::string::npos) << list;
  EXPECT_NE(list.find(" resp=2\n"), std::string::npos) << list;
  std::string server_info = three.command({"INFO", "server"});
  EXPECT_EQ(server_info.find("txt:# Server\r\n"), server_info.find("\r\n") + 2) << server_info;
  EXPECT_NE(server_info.find("redis_version:7.0.15\r\n"), std::string::npos);
  EXPECT_EQ(two.command({"INFO", "server"})[0], '$');
}

// A RESP3 subscriber gets pushes and may run any command between messages, as in Redis 7.
TEST(Resp3, PubSubPushesMixWithReplies) {
  reference::RealRedis redis({"--enable-debug-command", "yes"});
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  struct Step {
    std::vector<std::string> cmd;
    int replies;
  };
  std::vector<Step> steps = {
      {{"HELLO", "3"}, 1},
      {{"DEBUG", "PROTOCOL", "push"}, 2},  // the push, then the real reply
      {{"SUBSCRIBE", "ch1", "ch2"}, 2},
      {{"PSUBSCRIBE", "c*"}, 1},
      {{"SET", "k", "v"}, 1},
      {{"GET", "k"}, 1},
      {{"PUBLISH", "ch1", "hello"}, 3},  // the two pushes to ourselves, then the count
      {{"PING"}, 1},
      {{"PING", "x"}, 1},
      {{"HGETALL", "nokey"}, 1},
      {{"UNSUBSCRIBE", "ch1"}, 1},
      {{"PUBLISH", "ch1", "again"}, 2},
      {{"PUNSUBSCRIBE"}, 1},
      {{"UNSUBSCRIBE"}, 1},
      {{"UNSUBSCRIBE"}, 1},
      {{"PUBLISH", "ch2", "none"}, 1},
      {{"SUBSCRIBE", "ch3"}, 1},
      {{"HELLO", "2"}, 1},
      {{"GET", "k"}, 1},
      {{"PING"}, 1},
      {{"DEBUG", "PROTOCOL", "push"}, 1},
  };
  rawresp::Conn theirs(redis.port), ours(node.port);
  for (const Step& s : steps) {
    std::string a = exchange(theirs, s.cmd, s.replies), b = exchange(ours, s.cmd, s.replies);
    if (s.cmd[0] == "HELLO") {
      a = without_id(a);
      b = without_id(b);
    }
    EXPECT_EQ(a, b) << join(s.cmd);
    EXPECT_FALSE(b.empty()) << join(s.cmd);
  }

  // Messages from another connection reach a RESP3 subscriber as pushes.
  rawresp::Conn sub(node.port), pub(node.port);
  sub.command({"HELLO", "3"});
  EXPECT_EQ(sub.command({"SUBSCRIBE", "news"}), ">3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
  EXPECT_EQ(pub.command({"PUBLISH", "news", "hi"}), ":1\r\n");
  EXPECT_EQ(sub.read_reply(), ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  EXPECT_EQ(sub.command({"GET", "nokey"}), "_\r\n");
}

// What redis-cli -3 prints for typed replies, against both servers.
TEST(Resp3, RedisCliThreeOutput) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  std::vector<std::string> commands = {
      "RPUSH l a b",
      "HSET h f v",
      "SADD s 1",
      "ZADD z 1.5 a 2 b",
      "HGETALL h",
      "SMEMBERS s",
      "ZRANGE z 0 -1 WITHSCORES",
      "ZSCORE z a",
      "GET nokey",
      "ZPOPMIN z 5",
      "CONFIG GET maxmemory",
      "HRANDFIELD h -1 WITHVALUES",
  };
  for (const std::string& cmd : commands) {
    // One-field hashes and one-member sets: the two servers order members differently. HRANDFIELD
    // picks at random: only its shape is compared, on a one-field hash.
    std::string c = cmd == "HRANDFIELD h -1 WITHVALUES" ? "HRANDFIELD one -1 WITHVALUES" : cmd;
    if (c.starts_with("HRANDFIELD")) {
      harness::run("redis-cli -p " + std::to_string(redis.port) + " HSET one f v");
      harness::run("redis-cli -p " + std::to_string(node.port) + " HSET one f v");
    }
    std::string theirs =
        harness::run("redis-cli -3 --no-raw -p " + std::to_string(redis.port) + " " + c + " 2>&1");
    std::string ours =
        harness::run("redis-cli -3 --no-raw -p " + std::to_string(node.port) + " " + c + " 2>&1");
    EXPECT_EQ(theirs, ours) << c;
    EXPECT_FALSE(ours.empty()) << c;
    EXPECT_EQ(ours.find("Could not connect"), std::string::npos) << ours;
  }
  // The typed forms really are there.
  harness::run("redis-cli -p " + std::to_string(node.port) + " ZADD zz 2 b");
  std::string scores =
      harness::run("redis-cli -3 --no-raw -p " + std::to_string(node.port) + " ZRANGE zz 0 -1 WITHSCORES");
  EXPECT_NE(scores.find("(double) 2"), std::string::npos) << scores;
}

// Two replies that used to differ from Redis: an SMOVE that finds the member already in the destination
// leaves the destination unchanged (its WATCHers go on), and a denormal score is a valid float.
TEST(Resp3, SmoveWatchAndDenormalScoresAsRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  auto diffs = reference::differences(redis.port, node.port, script(R"(
SADD src m n
SADD dst m
WATCH dst
SMOVE src dst m
MULTI
SET x 1
EXEC
SMEMBERS dst
WATCH dst
SMOVE src dst n
MULTI
SET x 2
EXEC
WATCH src
SMOVE src dst m
MULTI
SET x 3
EXEC
ZADD z 9.8813129168249309e-323 m
ZSCORE z m
ZADD z 4.9406564584124654e-324 n
ZRANGE z 0 -1 WITHSCORES
ZINCRBY z 1e-310 m
ZADD z 1e-400 o
ZADD z 1e400 o
ZRANGEBYSCORE z 0 1e-320
INCRBYFLOAT f 1e-320
HINCRBYFLOAT h f 1e-320
)"));
  for (const std::string& d : diffs) ADD_FAILURE() << d;
}
