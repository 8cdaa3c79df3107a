// Stream commands against a real redis-server 7.0.15, reply for reply, RESP2 and RESP3: explicit,
// partial and automatic IDs, ranges, trimming (exact and ~), XDEL, XSETID, consumer groups, XPENDING,
// XCLAIM, XAUTOCLAIM, XINFO, and every error text. Commands whose replies carry times (idle, seen-time,
// auto IDs) are checked for shape on the side instead.
#include <gtest/gtest.h>

#include <regex>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"
#include "script_util.h"

using scriptutil::script;
using Commands = std::vector<std::vector<std::string>>;

namespace {

// Times (idle milliseconds, unix-ms delivery and seen times) differ by a millisecond or two between
// the servers; they are masked, everything else of the reply is compared.
std::string mask_times(const std::string& reply) {
  static const std::regex pending_row(R"((\*4\r\n\$\d+\r\n[^\r]*\r\n\$\d+\r\n[^\r]*\r\n):\d+)");
  static const std::regex idle(R"((idle\r\n):\d+)");
  static const std::regex stamp(R"(:\d{13,}\r\n)");
  // XINFO STREAM's radix-tree-nodes counts rax internals this layout does not have.
  static const std::regex radix(R"((radix-tree-nodes\r\n):\d+)");
  std::string out = std::regex_replace(reply, pending_row, "$1:T");
  out = std::regex_replace(out, radix, "$1:R");
  out = std::regex_replace(out, idle, "$1:T");
  return std::regex_replace(out, stamp, ":TS\r\n");
}

const char* kEntries = R"(
FLUSHALL
XADD s 1-1 a 1
XADD s 1-2 a 2 b 3
XADD s 1-* c 4
XADD s 2 a 5
XADD s 2-* a 6
XADD s 1-1 x y
XADD s 2-1 x y
XADD s 0-0 x y
XADD s 0 x y
XADD s abc x y
XADD s 1-2-3 x y
XADD s 3-0 a
XADD s 3-0
XADD s NOMKSTREAM 3-0 a b
XADD nokey NOMKSTREAM * a b
EXISTS nokey
XADD s 18446744073709551615-18446744073709551614 a b
XADD s 18446744073709551615-* a b
XADD s * a b
XADD s 18446744073709551615-18446744073709551615 a b
DEL s
XLEN s
XADD s 5-0 f v
XLEN s
XLEN nokey
SET str v
XADD str 1-1 a b
XLEN str
XRANGE str - +
XADD s 5-1 f v g w
XADD s 5-2 g w f v
XADD s 6-0 f 12345 g -7
XADD s 6-1 f 9223372036854775807 g 012
XRANGE s - +
XREVRANGE s + -
XRANGE s 5 5
XRANGE s (5-0 +
XRANGE s - (6-1
XRANGE s (5-1 (6-1
XRANGE s - + COUNT 2
XRANGE s - + COUNT 0
XRANGE s - + COUNT -1
XREVRANGE s + - COUNT 1
XRANGE s - + COUNT
XRANGE s - + FOO 1
XRANGE s - + COUNT x
XRANGE s (- +
XRANGE s ( +
XRANGE s - (+
XRANGE s (18446744073709551615-18446744073709551615 +
XRANGE s - (0-0
XRANGE s x +
XRANGE s 6 5
XRANGE nokey - +
XREVRANGE s (6-1 (5-0
XDEL s 5-1 99-0
XDEL s 5-1
XDEL s bad
XDEL nokey 1-1
XDEL str 1-1
XRANGE s - +
XLEN s
XDEL s 5-0 5-2 6-0 6-1
XLEN s
XRANGE s - +
EXISTS s
XADD s 7-0 a b
XRANGE s - +
XSETID s 6-0
XSETID s 7-0
XSETID s 9-0 ENTRIESADDED 1
XSETID s 9-0 ENTRIESADDED 20 MAXDELETEDID 8-0
XSETID s 9-0 MAXDELETEDID 10-0
XSETID s 9-0 ENTRIESADDED -1
XSETID s 9-0 FOO 1
XSETID nokey 1-0
XSETID s x
XSETID str 1-0
XADD s 9-0 a b
XADD s 9-1 a b
XGROUP CREATE s g 0
XINFO STREAM s
XINFO GROUPS s
)";

const char* kTrim = R"(
FLUSHALL
XTRIM s MAXLEN 0
XTRIM s
XTRIM s MAXLEN
XTRIM s MAXLEN -1
XTRIM s MAXLEN x
XTRIM s MINID x
XTRIM s MAXLEN 1 MINID 1
XTRIM s MAXLEN 1 LIMIT 10
XTRIM s LIMIT 10
XTRIM s MAXLEN ~ 1 LIMIT -1
XTRIM s FOO
XTRIM str MAXLEN 1
)";

const char* kGroups = R"(
FLUSHALL
XGROUP CREATE s g $
XGROUP CREATE s g $ MKSTREAM
XGROUP CREATE s g $ MKSTREAM
XGROUP CREATE s g2 0 ENTRIESREAD 5
XGROUP CREATE s g3 0 ENTRIESREAD -2
XGROUP CREATE s g3 0 ENTRIESREAD x
XGROUP CREATE s g3 0 FOO
XGROUP CREATE s g3 bad
XGROUP CREATE s g3 0 MKSTREAM ENTRIESREAD 1 extra
XGROUP CREATE s
XGROUP FOO s g
XGROUP HELP
XGROUP HELP extra
XGROUP
XGROUP SETID s nog 0
XGROUP SETID nokey g 0
XGROUP SETID s g 0 ENTRIESREAD
XGROUP DESTROY s nog
XGROUP CREATECONSUMER s g alice
XGROUP CREATECONSUMER s g alice
XGROUP CREATECONSUMER s nog alice
XGROUP DELCONSUMER s g bob
XGROUP DELCONSUMER s g alice
XADD s 1-0 a 1
XADD s 2-0 b 2
XADD s 3-0 c 3
XADD s 4-0 d 4
XINFO GROUPS s
XREADGROUP GROUP g alice COUNT 2 STREAMS s >
XREADGROUP GROUP g bob STREAMS s >
XREADGROUP GROUP g bob STREAMS s >
XREADGROUP GROUP g alice STREAMS s 0
XREADGROUP GROUP g alice COUNT 1 STREAMS s 0
XREADGROUP GROUP g alice STREAMS s 1-0
XREADGROUP GROUP g alice STREAMS s $
XREADGROUP GROUP nog alice STREAMS s >
XREADGROUP GROUP g alice STREAMS nokey >
XREADGROUP GROUP g alice STREAMS s
XREADGROUP STREAMS s >
XREADGROUP GROUP g alice NOACK FOO STREAMS s >
XREADGROUP GROUP g alice STREAMS s bad
XREADGROUP GROUP g alice STREAMS str >
XREAD GROUP g alice STREAMS s >
XREAD NOACK STREAMS s 0
XREAD STREAMS s >
XREAD STREAMS s 0
XREAD COUNT 1 STREAMS s 0
XREAD COUNT 2 STREAMS s nokey 1 0
XREAD STREAMS s $
XREAD STREAMS s
XREAD STREAMS s s 0
XREAD COUNT x STREAMS s 0
XREAD BLOCK x STREAMS s 0
XREAD BLOCK -1 STREAMS s 0
XREAD STREAMS str 0
XREAD FOO STREAMS s 0
XREAD COUNT 1
XINFO GROUPS s
XPENDING s g
XPENDING s g - + 10
XPENDING s g - + 10 alice
XPENDING s g - + 10 nobody
XPENDING s g (1-0 + 1
XPENDING s g - (4-0 10
XPENDING s g IDLE 0 - + 10
XPENDING s g IDLE x - + 10
XPENDING s g IDLE 0 - +
XPENDING s g - + x
XPENDING s g - + -1
XPENDING s g x + 10
XPENDING s g - x 10
XPENDING s g -
XPENDING s nog
XPENDING nokey g
XPENDING str g
XACK s g 1-0 1-0 9-0
XACK s g bad
XACK s nog 1-0
XACK nokey g 1-0
XACK str g 1-0
XPENDING s g
XCLAIM s g carol 0 2-0 JUSTID
XCLAIM s g carol 0 2-0 RETRYCOUNT 7 JUSTID
XPENDING s g - + 10 carol
XCLAIM s g carol 0 9-0 FORCE JUSTID
XCLAIM s g carol 0 4-0 FORCE RETRYCOUNT 3 JUSTID
XCLAIM s g carol 3600000 3-0 JUSTID
XCLAIM s g carol x 3-0
XCLAIM s g carol 0 3-0 IDLE x
XCLAIM s g carol 0 3-0 TIME x
XCLAIM s g carol 0 3-0 RETRYCOUNT x
XCLAIM s g carol 0 3-0 LASTID x
XCLAIM s g carol 0 3-0 BOGUS
XCLAIM s nog carol 0 3-0
XCLAIM nokey g carol 0 3-0
XCLAIM str g carol 0 3-0
XCLAIM s g carol 0 3-0 LASTID 10-0 RETRYCOUNT 1 JUSTID
XINFO GROUPS s
XPENDING s g - + 10
XDEL s 3-0
XAUTOCLAIM s g dave 0 0 COUNT 1 JUSTID
XAUTOCLAIM s g dave 0 0 JUSTID
XAUTOCLAIM s g dave 0 (2-0 COUNT 10 JUSTID
XAUTOCLAIM s g dave x 0
XAUTOCLAIM s g dave 0 x
XAUTOCLAIM s g dave 0 0 COUNT 0
XAUTOCLAIM s g dave 0 0 COUNT x
XAUTOCLAIM s g dave 0 0 FOO
XAUTOCLAIM s nog dave 0 0
XAUTOCLAIM nokey g dave 0 0
XAUTOCLAIM str g dave 0 0
XAUTOCLAIM s g dave 3600000 0
XPENDING s g
XINFO GROUPS s
XGROUP DELCONSUMER s g dave
XPENDING s g
XGROUP SETID s g 0 ENTRIESREAD 0
XINFO GROUPS s
XGROUP SETID s g $
XINFO GROUPS s
XREADGROUP GROUP g2 erin NOACK STREAMS s >
XPENDING s g2
XINFO GROUPS s
XGROUP DESTROY s g2
XINFO GROUPS s
XINFO
XINFO FOO s
XINFO HELP
XINFO GROUPS nokey
XINFO GROUPS str
XINFO CONSUMERS s nog
XINFO CONSUMERS s
XINFO STREAM s FOO
XINFO STREAM s FULL
XINFO STREAM s FULL COUNT 1
XINFO STREAM s FULL COUNT 0
XINFO STREAM s FULL COUNT -5
XINFO STREAM s FULL COUNT 2 COUNT 3
XINFO STREAM s FULL COUNT
XINFO STREAM s FULL COUNT x
XINFO STREAM s FULL FOO 1
XINFO STREAM nokey
TYPE s
OBJECT ENCODING s
)";

// Empty streams, lag and entries-read as 7.0 computes them through XDEL, trimming and SETID.
const char* kLag = R"(
FLUSHALL
XGROUP CREATE e g $ MKSTREAM
XINFO GROUPS e
XINFO STREAM e FULL
XADD e 1-0 a 1
XADD e 2-0 a 2
XADD e 3-0 a 3
XINFO GROUPS e
XREADGROUP GROUP g c COUNT 1 STREAMS e >
XINFO GROUPS e
XDEL e 2-0
XINFO GROUPS e
XREADGROUP GROUP g c STREAMS e >
XINFO GROUPS e
XGROUP CREATE e g2 0
XGROUP CREATE e g3 1-0
XGROUP CREATE e g4 3-0
XINFO GROUPS e
XTRIM e MAXLEN 0
XINFO GROUPS e
XLEN e
EXISTS e
XADD e 4-0 b 1
XINFO GROUPS e
XGROUP SETID e g2 0 ENTRIESREAD 1
XINFO GROUPS e
)";

}  // namespace

TEST(StreamsCommands, EntriesMatchRealRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  for (int proto : {2, 3}) {
    auto diffs = reference::differences_in(proto, redis.port, node.port, script(kEntries), mask_times);
    for (const auto& d : diffs) ADD_FAILURE() << "RESP" << proto << ": " << d;
  }
}

TEST(StreamsCommands, TrimmingMatchesRealRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  Commands cmds = script(kTrim);
  // 1000 small entries make 10 blocks of 100 on both sides, so "~" trims the same whole blocks.
  for (int i = 1; i <= 1000; ++i)
    cmds.push_back({"XADD", "t", std::to_string(i) + "-0", "f", std::to_string(i)});
  for (const char* line : {"XLEN t",
                           "XTRIM t MAXLEN ~ 950",
                           "XLEN t",
                           "XTRIM t MAXLEN ~ 850",
                           "XLEN t",
                           "XTRIM t MAXLEN = 849",
                           "XLEN t",
                           "XRANGE t - + COUNT 3",
                           "XTRIM t MINID ~ 460",
                           "XRANGE t - + COUNT 1",
                           "XTRIM t MINID 470",
                           "XRANGE t - + COUNT 1",
                           "XTRIM t MAXLEN ~ 0 LIMIT 100",
                           "XLEN t",
                           "XTRIM t MAXLEN ~ 0 LIMIT 1",
                           "XLEN t",
                           "XADD t MAXLEN 5 1500-0 f v",
                           "XLEN t",
                           "XADD t MAXLEN ~ 2 2000-0 f v",
                           "XLEN t",
                           "XADD t MINID 1990 2001-0 f v",
                           "XRANGE t - +",
                           "XADD t MAXLEN 1 LIMIT 5 2002-0 f v",
                           "XADD t MAXLEN ~ 1 LIMIT 5 2002-0 f v",
                           "XINFO STREAM t",
                           "XTRIM t MAXLEN 0",
                           "XLEN t",
                           "XRANGE t - +",
                           "XINFO GROUPS t",
                           "EXISTS t"}) {
    auto s = script(line);
    cmds.push_back(s.front());
  }
  for (int proto : {2, 3}) {
    auto diffs = reference::differences_in(proto, redis.port, node.port, cmds, mask_times);
    for (const auto& d : diffs) ADD_FAILURE() << "RESP" << proto << ": " << d;
  }
}

TEST(StreamsCommands, GroupsMatchRealRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  for (int proto : {2, 3}) {
    auto diffs = reference::differences_in(proto, redis.port, node.port, script(kGroups), mask_times);
    for (const auto& d : diffs) ADD_FAILURE() << "RESP" << proto << ": " << d;
  }
}

TEST(StreamsCommands, LagAndEntriesReadMatchRealRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  for (int proto : {2, 3}) {
    auto diffs = reference::differences_in(proto, redis.port, node.port, script(kLag), mask_times);
    for (const auto& d : diffs) ADD_FAILURE() << "RESP" << proto << ": " << d;
  }
}

TEST(StreamsCommands, BlockingReadsWakeInArrivalOrder) {
  harness::Datanode node;
  rawresp::Conn admin(node.port), first(node.port), second(node.port);
  admin.command({"XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"});
  first.send({"XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "BLOCK", "0", "STREAMS", "q", ">"});
  ASSERT_TRUE(harness::eventually(
      [&] { return harness::info_field(*node.client(), "clients", "blocked_clients") == "1"; },
      std::chrono::seconds(5)));
  second.send({"XREADGROUP", "GROUP", "g", "c2", "COUNT", "1", "BLOCK", "0", "STREAMS", "q", ">"});
  ASSERT_TRUE(harness::eventually(
      [&] { return harness::info_field(*node.client(), "clients", "blocked_clients") == "2"; },
      std::chrono::seconds(5)));
  admin.command({"XADD", "q", "1-0", "n", "1"});
  EXPECT_EQ(first.read_reply(),
            "*1\r\n*2\r\n$1\r\nq\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nn\r\n$1\r\n1\r\n");
  admin.command({"XADD", "q", "2-0", "n", "2"});
  EXPECT_EQ(second.read_reply(),
            "*1\r\n*2\r\n$1\r\nq\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nn\r\n$1\r\n2\r\n");
  EXPECT_EQ(admin.command({"XPENDING", "q", "g", "-", "+", "10", "c2"}).substr(0, 4), "*1\r\n");
  // A timeout answers a null array; a destroyed group answers -NOGROUP.
  EXPECT_EQ(first.command({"XREAD", "BLOCK", "50", "STREAMS", "q", "$"}), "*-1\r\n");
  first.send({"XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "q", ">"});
  ASSERT_TRUE(harness::eventually(
      [&] { return harness::info_field(*node.client(), "clients", "blocked_clients") == "1"; },
      std::chrono::seconds(5)));
  admin.command({"XGROUP", "DESTROY", "q", "g"});
  EXPECT_EQ(first.read_reply(),
            "-NOGROUP the consumer group this client was blocked on no longer exists\r\n");
}
