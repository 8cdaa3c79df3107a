// Keyspace notifications against a real redis-server 7.0.15: the same commands run on both servers while
// a subscriber on each listens to every __keyspace@*__ and __keyevent@*__ channel; the two event streams
// (raw pmessage replies, RESP2 messages or RESP3 pushes) must be identical. Also notify-keyspace-events
// itself: its parse, its canonical CONFIG GET form and its error.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>

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

// One server with a subscriber listening to every keyspace/keyevent channel.
struct Listener {
  Listener(int port, int protocol, const std::string& classes) : cmd(port), sub(port) {
    cmd.command({"CONFIG", "SET", "notify-keyspace-events", classes});
    if (protocol == 3) sub.command({"HELLO", "3"});
    sub.command({"PSUBSCRIBE", "__key*__:*"});
  }
  // The events delivered so far, up to a marker published after them.
  std::string drain() {
    cmd.command({"PUBLISH", "__keyend__:marker", "end"});
    std::string events;
    for (;;) {
      std::string r = sub.read_reply();
      if (r.empty() || r.find("__keyend__:marker") != std::string::npos) break;
      events += r;
    }
    return events;
  }
  rawresp::Conn cmd, sub;
};

// Events readable one per line in a failure message.
std::string readable(const std::string& raw) {
  std::string out;
  for (char c : raw) {
    if (c == '\r') continue;
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

// Runs `commands` on both servers, comparing replies and the events they published.
void expect_same_events(int protocol, const std::string& classes, const std::string& commands) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  Listener theirs(redis.port, protocol, classes), ours(dn.port, protocol, classes);
  for (const auto& cmd : script(commands)) {
    std::string a = theirs.cmd.command(cmd), b = ours.cmd.command(cmd);
    std::string line;
    for (const auto& w : cmd) line += w + " ";
    EXPECT_EQ(a, b) << line;
    std::string ea = theirs.drain(), eb = ours.drain();
    EXPECT_EQ(readable(ea), readable(eb)) << "events of: " << line;
  }
}

const char* kStrings = R"(
SET s v
SET s w EX 100
SET s x KEEPTTL
SETNX s y
SETNX s2 y
SETEX s3 100 v
PSETEX s4 100000 v
GETSET s z
GETDEL s
GETDEL s
GETEX s2 EX 100
GETEX s2 PERSIST
GETEX s2 PERSIST
GETEX s2 PXAT 1
MSET a 1 b 2
MSETNX c 3 d 4
MSETNX c 3 e 5
APPEND a x
APPEND newkey x
SETRANGE a 5 y
INCR n
INCRBY n 5
DECR n
DECRBY n 2
INCRBYFLOAT f 1.5
SETBIT bits 7 1
SETBIT bits 7 1
BITFIELD bf SET u8 0 200
BITFIELD bf GET u8 0
BITOP OR dest bits bf
BITOP AND dest nokey1 nokey2
PFADD h a b c
PFADD h a
PFADD h2 x
PFMERGE h3 h h2
)";

const char* kLists = R"(
RPUSH l a b c d e
LPUSH l z
LPUSHX l y
RPUSHX nolist y
LINSERT l BEFORE a q
LINSERT l BEFORE nothere q
LSET l 0 w
LPOP l
RPOP l 2
LREM l 1 a
LTRIM l 0 1
LTRIM l 0 -1
LTRIM l 5 10
RPUSH src a b
LMOVE src dst LEFT RIGHT
RPOPLPUSH src dst
RPUSH one x
LMOVE one one LEFT RIGHT
RPOPLPUSH dst dst
LMPOP 2 nolist dst LEFT COUNT 5
RPUSH s1 3 1 2
SORT s1 STORE sorted
SORT nolist STORE sorted
)";

const char* kHashesSets = R"(
HSET h a 1 b 2
HSET h a 3
HSETNX h a 1
HSETNX h c 1
HMSET h d 4
HINCRBY h n 2
HINCRBYFLOAT h f 1.5
HDEL h a nosuch
HDEL h b c d n f
SADD s a b c
SADD s a
SREM s a nosuch
SREM s nosuch
SMOVE s t b
SMOVE s t c
SADD u c
SADD v x
SMOVE v u x
SUNIONSTORE dst t u
SINTERSTORE dst t nosuch
SDIFFSTORE dst2 t
SADD one x
SPOP one 5
SADD two y
SPOP two
)";

const char* kZsetsGeo = R"(
ZADD z 1 a 2 b 3 c 4 d
ZADD z 1 a
ZADD z XX 5 nosuch
ZADD z INCR 1 a
ZINCRBY z 1 b
ZINCRBY z2 1 b
ZREM z a nosuch
ZREMRANGEBYSCORE z 0 2
ZREMRANGEBYRANK z 0 0
ZADD z 1 a 2 b 3 c
ZREMRANGEBYLEX z - -
ZPOPMIN z
ZPOPMAX z 5
ZPOPMAX z 5
ZADD z 1 a 2 b 3 c
ZADD y 1 a
ZUNIONSTORE u 2 z y
ZINTERSTORE i 2 z nosuch
ZDIFFSTORE d 2 z y
ZRANGESTORE r z 0 1
ZRANGESTORE r nosuch 0 1
ZMPOP 1 z MIN COUNT 10
GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
GEOADD g 13.361389 38.115556 Palermo
GEOSEARCHSTORE gs g FROMLONLAT 15 37 BYRADIUS 200 km ASC
GEOSEARCHSTORE gs g FROMLONLAT 15 37 BYRADIUS 1 km ASC
GEORADIUS g 15 37 200 km STORE gr
)";

const char* kGeneric = R"(
SET a 1
SET b 2
DEL a nosuch b
SET a 1
UNLINK a
SET a 1
RENAME a b
RENAME b b
SET c 3
RENAMENX b c
RENAMENX b d
MOVE d 1
SELECT 1
MOVE d 0
SELECT 0
COPY c e
COPY c e REPLACE
COPY c e DB 2
EXPIRE c 100
PEXPIRE c 100000
EXPIREAT c 99999999999
PEXPIREAT c 99999999999999
EXPIRE c 100 NX
PERSIST c
PERSIST c
EXPIRE c 0
EXPIRE nosuch 10
SET f v
PEXPIREAT f 1
FLUSHDB
)";

TEST(KeyspaceEvents, StringsMatchRedis) { expect_same_events(2, "KEA", kStrings); }
TEST(KeyspaceEvents, ListsMatchRedis) { expect_same_events(2, "KEA", kLists); }
TEST(KeyspaceEvents, HashesAndSetsMatchRedis) { expect_same_events(2, "KEA", kHashesSets); }
TEST(KeyspaceEvents, ZsetsAndGeoMatchRedis) { expect_same_events(2, "KEA", kZsetsGeo); }
TEST(KeyspaceEvents, GenericMatchRedis) { expect_same_events(2, "KEA", kGeneric); }

// The "new" class (not part of A) and RESP3 pushes.
TEST(KeyspaceEvents, NewKeysAsResp3Pushes) { expect_same_events(3, "KEAn", std::string(kGeneric) + kLists); }

// Only the selected classes reach only the selected channel kinds.
TEST(KeyspaceEvents, ClassesFilter) {
  expect_same_events(2, "Kl", "SET a 1\nRPUSH l x\nDEL l\nLPOP nolist");
  expect_same_events(2, "Eg$", "SET a 1\nRPUSH l x\nDEL l\nINCR n");
  expect_same_events(2, "", "SET a 1\nRPUSH l x");
}

// Lazy expiry (a read finds the key past its time, the cycle being off) and active expiry (the cycle
// removes it).
TEST(KeyspaceEvents, ExpiredLazyAndActive) {
  reference::RealRedis redis({"--enable-debug-command", "yes"});
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  Listener theirs(redis.port, 2, "KEA"), ours(dn.port, 2, "KEA");
  for (Listener* l : {&theirs, &ours}) {
    l->cmd.command({"DEBUG", "SET-ACTIVE-EXPIRE", "0"});
    l->cmd.command({"SET", "lazy", "v", "PX", "20"});
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  for (Listener* l : {&theirs, &ours}) l->cmd.command({"GET", "lazy"});
  EXPECT_EQ(readable(theirs.drain()), readable(ours.drain()));

  for (Listener* l : {&theirs, &ours}) {
    l->cmd.command({"DEBUG", "SET-ACTIVE-EXPIRE", "1"});
    l->cmd.command({"SET", "active", "v", "PX", "20"});
  }
  std::string a, b;
  // The expiry cycle runs 10 times a second on both: wait until each reported it.
  harness::eventually(
      [&] {
        a += theirs.drain();
        b += ours.drain();
        return a.find("expired") != std::string::npos && b.find("expired") != std::string::npos;
      },
      std::chrono::seconds(5));
  EXPECT_EQ(readable(a), readable(b));
  EXPECT_NE(b.find("__keyevent@0__:expired"), std::string::npos) << readable(b);
}

// Blocked pops served by a later push publish the pop (and "del") after the push.
TEST(KeyspaceEvents, BlockingPopsMatchRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  Listener theirs(redis.port, 2, "KEAn"), ours(dn.port, 2, "KEAn");
  auto run = [](Listener& l, int port) {
    std::string replies;
    const std::vector<std::vector<std::string>> blocks = {{"BLPOP", "bl", "0"},
                                                          {"BLMOVE", "bl", "bdst", "LEFT", "RIGHT", "0"},
                                                          {"BZPOPMIN", "bz", "0"},
                                                          {"BLMPOP", "0", "1", "bl", "RIGHT", "COUNT", "2"}};
    for (const auto& block : blocks) {
      rawresp::Conn blocker(port);
      blocker.send(block);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (block[0] == "BZPOPMIN") {
        l.cmd.command({"ZADD", "bz", "1", "a"});
      } else {
        l.cmd.command({"RPUSH", "bl", "x", "y"});
      }
      replies += blocker.read_reply();
    }
    return replies;
  };
  EXPECT_EQ(run(theirs, redis.port), run(ours, dn.port));
  EXPECT_EQ(readable(theirs.drain()), readable(ours.drain()));
}

// RESTORE of a payload DUMPed by Redis: "restore", with "new"; REPLACE and a past absolute TTL ("del").
TEST(KeyspaceEvents, RestoreMatchesRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  harness::Client source(redis.port);
  source.command({"SET", "payload", "value"});
  std::string payload = source.command({"DUMP", "payload"}).str;
  ASSERT_FALSE(payload.empty());
  Listener theirs(redis.port, 2, "KEAn"), ours(dn.port, 2, "KEAn");
  const std::vector<std::vector<std::string>> restores = {{"RESTORE", "r", "0", payload},
                                                          {"RESTORE", "r", "0", payload, "REPLACE"},
                                                          {"RESTORE", "r", "1", payload, "REPLACE", "ABSTTL"},
                                                          {"RESTORE", "r2", "100000", payload}};
  for (const auto& cmd : restores) {
    EXPECT_EQ(theirs.cmd.command(cmd), ours.cmd.command(cmd));
    EXPECT_EQ(readable(theirs.drain()), readable(ours.drain())) << cmd[0] << " " << cmd[1] << " " << cmd[2];
  }
}

TEST(KeyspaceEvents, ConfigParseAndCanonicalForm) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  std::vector<std::vector<std::string>> cmds;
  for (const char* classes : {"", "KEA", "AKE", "g$lshzxeKEtmdn", "Ag", "gA", "Kx", "E", "Em", "n", "KEAnm",
                              "g$lshzxetd", "lzz", "q", "KEA ", "AKEb"}) {
    cmds.push_back({"CONFIG", "SET", "notify-keyspace-events", classes});
    cmds.push_back({"CONFIG", "GET", "notify-keyspace-events"});
  }
  auto diff = reference::differences(redis.port, dn.port, cmds);
  EXPECT_TRUE(diff.empty()) << ::testing::PrintToString(diff);
}

// The setting is read from the TOML file and written back by CONFIG REWRITE in canonical form.
TEST(KeyspaceEvents, ConfigFileAndRewrite) {
  Datanode dn("notify-keyspace-events = \"Elg\"");
  auto c = dn.client();
  auto r = c->command({"CONFIG", "GET", "notify-keyspace-events"});
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[1].str, "glE");
  EXPECT_EQ(c->command({"CONFIG", "SET", "notify-keyspace-events", "KEA"}).str, "OK");
  EXPECT_EQ(c->command({"CONFIG", "REWRITE"}).str, "OK");
  EXPECT_NE(dn.dir.read("datanode.toml").find("notify-keyspace-events = \"AKE\""), std::string::npos)
      << dn.dir.read("datanode.toml");
}

}  // namespace
