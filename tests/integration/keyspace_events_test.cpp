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

// One INFO stats counter, as text ("" when absent).
std::string info_stat(rawresp::Conn& conn, const std::string& name) {
  std::string info = conn.command({"INFO", "stats"});
  size_t at = info.find("\r\n" + name + ":");
  if (at == std::string::npos) return "";
  at += name.size() + 3;
  return info.substr(at, info.find("\r\n", at) - at);
}

// Runs `commands` on both servers, comparing replies and the events they published (and, when asked,
// the keyspace_hits/keyspace_misses counters the same lookups feed).
void expect_same_events(int protocol, const std::string& classes, const std::string& commands,
                        bool compare_lookup_stats = false) {
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
    if (compare_lookup_stats) {
      for (const char* stat : {"keyspace_hits", "keyspace_misses"})
        EXPECT_EQ(info_stat(theirs.cmd, stat), info_stat(ours.cmd, stat)) << stat << " after: " << line;
    }
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

// Redis fires "keymiss" on every read lookup that misses (lookupKeyRead without LOOKUP_NONOTIFY): read
// commands of every family, the read side of writes (GET options, SORT patterns, BITOP/PFMERGE sources,
// COPY, *STORE sources), but not write lookups or OBJECT. Each line runs on missing keys ("no*") and the
// hit/miss counters are compared after every command.
const char* kKeymiss = R"(
SET s v
RPUSH l a b c
HSET h f v
SADD set a
ZADD z 1 a 2 b
GEOADD g 13.361389 38.115556 p
PFADD hll a
XADD st 1-1 f v
GET nos
MGET s nos1 nos2
GETRANGE nos 0 1
SUBSTR nos 0 1
STRLEN nos
GETEX nos
GETEX nos PERSIST
GETDEL nos
GETSET nos v
DEL nos
SET nos2 v GET
DEL nos2
LCS nos s
LCS s nos
GETBIT nos 1
BITCOUNT nos
BITPOS nos 1
BITFIELD_RO nos GET u8 0
BITFIELD nos GET u8 0
BITFIELD nos2 SET u8 0 1
BITOP OR dst nos1 nos2
BITOP NOT dst nos
BITOP AND dst s nos
PFCOUNT nos
PFCOUNT hll nos
PFMERGE dst2 nos hll
SETRANGE nos3 0 x
APPEND nos4 x
INCR nos5
LLEN nol
LINDEX nol 0
LRANGE nol 0 -1
LPOS nol a
LPOP nol
RPOP nol 2
LMPOP 2 nol l LEFT
RPOPLPUSH nol dstl
LMOVE nol dstl LEFT RIGHT
LREM nol 0 a
LTRIM nol 0 1
LSET nol 0 a
LINSERT nol BEFORE a b
LPUSHX nol a
BLPOP nol 0.01
HGET noh f
HMGET noh f g
HGETALL noh
HKEYS noh
HVALS noh
HLEN noh
HEXISTS noh f
HSTRLEN noh f
HRANDFIELD noh
HRANDFIELD noh 2 WITHVALUES
HSCAN noh 0
HDEL noh f
HINCRBY noh2 f 1
HSETNX noh3 f v
SCARD noset
SISMEMBER noset a
SMISMEMBER noset a b
SMEMBERS noset
SRANDMEMBER noset
SRANDMEMBER noset 2
SSCAN noset 0
SINTER noset set
SINTER set noset
SUNION noset set nos2
SDIFF noset set
SDIFF set noset
SINTERCARD 2 noset set
SINTERSTORE dsts noset set
SUNIONSTORE dsts noset set
SDIFFSTORE dsts set noset
SMOVE noset set a
SMOVE set noset2 zz
SPOP noset
SREM noset a
ZCARD noz
ZSCORE noz a
ZMSCORE noz a b
ZRANK noz a
ZREVRANK noz a
ZCOUNT noz 0 1
ZLEXCOUNT noz - +
ZRANGE noz 0 -1
ZRANGE noz 0 -1 REV WITHSCORES
ZRANGEBYSCORE noz 0 1
ZREVRANGEBYSCORE noz 1 0
ZRANGEBYLEX noz - +
ZREVRANGEBYLEX noz + -
ZREVRANGE noz 0 1
ZRANDMEMBER noz
ZRANDMEMBER noz 2 WITHSCORES
ZSCAN noz 0
ZUNION 2 noz z
ZINTER 2 z noz
ZDIFF 2 z noz
ZINTERCARD 2 noz z
ZUNIONSTORE dstz 2 noz z
ZINTERSTORE dstz 2 noz z
ZDIFFSTORE dstz 2 z noz
ZRANGESTORE dstz noz 0 -1
ZPOPMIN noz
ZMPOP 1 noz MIN
BZPOPMIN noz 0.01
ZREM noz a
ZINCRBY noz2 1 a
ZADD noz3 XX 1 a
GEOPOS nog p
GEODIST nog p q
GEOHASH nog p
GEOSEARCH nog FROMLONLAT 13 38 BYRADIUS 10 km
GEOSEARCHSTORE dstg nog FROMLONLAT 13 38 BYRADIUS 10 km
GEORADIUS_RO nog 13 38 10 km
GEORADIUS nog 13 38 10 km STORE dstg
GEORADIUSBYMEMBER_RO nog p 10 km
GEORADIUSBYMEMBER g nop 10 km
XLEN nost
XRANGE nost - +
XREVRANGE nost + -
XREAD COUNT 1 STREAMS nost st 0 0
XINFO STREAM nost
XINFO GROUPS nost
XPENDING nost grp
XDEL nost 1-1
XTRIM nost MAXLEN 1
XACK nost grp 1-1
XCLAIM nost grp c 0 1-1
XAUTOCLAIM nost grp c 0 0
XGROUP CREATE nost grp $
XSETID nost 1-1
EXISTS nok
EXISTS s nok nok2
TYPE nok
TTL nok
PTTL nok
EXPIRETIME nok
PEXPIRETIME nok
TOUCH nok s
DUMP nok
OBJECT ENCODING nok
OBJECT REFCOUNT nok
OBJECT IDLETIME nok
MEMORY USAGE nok
COPY nok dstk
RENAME nok dstk
RENAMENX nok dstk
MOVE nok 1
EXPIRE nok 10
PERSIST nok
DEL nok
UNLINK nok
SORT nok
SORT_RO nok
SORT l BY nokey_* GET nohash_*->f GET #
SORT l STORE dstsort
GET s
LRANGE set 0 1
HGET s f
SCARD z
ZSCORE h f
XLEN s
)";

TEST(KeyspaceEvents, KeymissOnEveryReadLookup) { expect_same_events(2, "KEm", kKeymiss, true); }
TEST(KeyspaceEvents, KeymissAsResp3PushesWithOtherClasses) { expect_same_events(3, "KEAm", kKeymiss); }

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

// Eviction publishes "evicted" (class e) for the key it removes: one key, then a limit no data set fits
// in, so the victim and the following OOM refusal are the same on both servers.
TEST(KeyspaceEvents, EvictedMatchesRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode dn;
  Listener theirs(redis.port, 2, "KEA"), ours(dn.port, 2, "KEA");
  const std::vector<std::vector<std::string>> cmds = {{"SET", "victim", "value"},
                                                      {"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"},
                                                      {"CONFIG", "SET", "maxmemory", "1"},
                                                      {"SET", "other", "value"},
                                                      {"GET", "victim"}};
  for (const auto& cmd : cmds) {
    EXPECT_EQ(theirs.cmd.command(cmd), ours.cmd.command(cmd)) << cmd[0] << " " << cmd[1];
    EXPECT_EQ(readable(theirs.drain()), readable(ours.drain())) << cmd[0] << " " << cmd[1];
  }
  for (Listener* l : {&theirs, &ours}) l->cmd.command({"CONFIG", "SET", "maxmemory", "0"});
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
