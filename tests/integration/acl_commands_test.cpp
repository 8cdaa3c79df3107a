// ACL commands against a real redis-server 7.0.15: the same ACL SETUSER/GETUSER/LIST/USERS/CAT/DELUSER/
// WHOAMI/GENPASS/LOG/DRYRUN/SAVE/LOAD/HELP lines and their errors go to both servers, in RESP2 and
// RESP3, and every reply must agree byte for byte. ACL LOG entries are compared field by field without
// their age and client line (which differ between any two servers).
#include <gtest/gtest.h>

#include <algorithm>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

using harness::Datanode;

namespace {

using Commands = std::vector<std::vector<std::string>>;

// Rule sets whose normalised text has at most one single-command rule: Redis prints several in the
// order of its command hash table, which differs from one redis-server to the next.
const Commands kSetup = {
    {"ACL", "SETUSER", "ro", "on", ">ropass", "~*", "&*", "-@all", "+@read", "+@connection"},
    {"ACL", "SETUSER", "keys", "on", ">kpass", "%R~r:*", "%W~w:*", "~rw:*", "+@all"},
    {"ACL", "SETUSER", "chan", "on", "nopass", "resetchannels", "&news.*", "&alerts", "+@all", "-@dangerous"},
    {"ACL", "SETUSER", "sel", "on", "nopass", "+get", "~a*", "(~b* +set)", "(%R~c* +@string)"},
    {"ACL", "SETUSER", "cfg", "on", "nopass", "+@all", "-config", "+config|get", "~*"},
    {"ACL", "SETUSER", "first", "on", "nopass", "-@all", "+select|0", "+select|1"},
    {"ACL", "SETUSER", "hashed", "#" + std::string(64, 'a'), "#" + std::string(64, 'b'),
     "!" + std::string(64, 'a')},
};

const Commands kCommands = {
    {"ACL", "LIST"},
    {"ACL", "USERS"},
    {"ACL", "GETUSER", "default"},
    {"ACL", "GETUSER", "ro"},
    {"ACL", "GETUSER", "keys"},
    {"ACL", "GETUSER", "chan"},
    {"ACL", "GETUSER", "sel"},
    {"ACL", "GETUSER", "cfg"},
    {"ACL", "GETUSER", "first"},
    {"ACL", "GETUSER", "hashed"},
    {"ACL", "GETUSER", "nosuch"},
    {"ACL", "WHOAMI"},
    {"ACL", "CAT"},
    {"ACL", "CAT", "nosuch"},
    {"ACL", "GENPASS", "0"},
    {"ACL", "GENPASS", "4097"},
    {"ACL", "GENPASS", "abc"},
    {"ACL", "GENPASS", "1", "2"},
    {"ACL", "LOG", "abc"},
    {"ACL", "LOG", "1", "2"},
    {"ACL", "SAVE"},
    {"ACL", "LOAD"},
    {"ACL", "HELP"},
    {"ACL", "NOSUCH"},
    {"ACL"},
    {"ACL", "GETUSER"},
    {"ACL", "SETUSER"},
    {"ACL", "DELUSER"},
    {"ACL", "DRYRUN", "ro"},
    {"ACL", "LIST", "extra"},
    // Errors of ACL SETUSER.
    {"ACL", "SETUSER", "bad", "bogus"},
    {"ACL", "SETUSER", "bad", "+nosuch"},
    {"ACL", "SETUSER", "bad", "+@nosuch"},
    {"ACL", "SETUSER", "bad", "-@nosuch"},
    {"ACL", "SETUSER", "bad", "+config|get|x"},
    {"ACL", "SETUSER", "bad", "+config|"},
    {"ACL", "SETUSER", "bad", "+config|nosuch"},
    {"ACL", "SETUSER", "bad", "-select|0"},
    {"ACL", "SETUSER", "bad", "allkeys", "~x"},
    {"ACL", "SETUSER", "bad", "allchannels", "&x"},
    {"ACL", "SETUSER", "bad", "<nope"},
    {"ACL", "SETUSER", "bad", "#abc"},
    {"ACL", "SETUSER", "bad", "!" + std::string(64, 'A')},
    {"ACL", "SETUSER", "bad", "(~x", "+get"},
    {"ACL", "SETUSER", "bad", "(~x bogus)"},
    {"ACL", "SETUSER", "bad", "%X~k"},
    {"ACL", "SETUSER", "bad user", "on"},
    {"ACL", "GETUSER", "bad"},
    // Rules that normalise.
    {"ACL", "SETUSER", "norm", "on", "off", "on", "allkeys", "resetkeys", "~a", "~a", "%R~a", "&x", "&x",
     "allcommands", "-@all", "+@hash", "+@set", "nocommands", "+@list"},
    {"ACL", "GETUSER", "norm"},
    {"ACL", "SETUSER", "norm", "reset"},
    {"ACL", "GETUSER", "norm"},
    {"ACL", "SETUSER", "norm", "skip-sanitize-payload", "nopass", "allchannels", "+@all", "-@write"},
    {"ACL", "GETUSER", "norm"},
    {"ACL", "SETUSER", "norm", "clearselectors", "(+get ~x)", "resetpass"},
    {"ACL", "GETUSER", "norm"},
    {"ACL", "LIST"},
    // DRYRUN.
    {"ACL", "DRYRUN", "ro", "get", "k"},
    {"ACL", "DRYRUN", "ro", "set", "k", "v"},
    {"ACL", "DRYRUN", "keys", "get", "r:1"},
    {"ACL", "DRYRUN", "keys", "set", "r:1", "v"},
    {"ACL", "DRYRUN", "keys", "set", "w:1", "v"},
    {"ACL", "DRYRUN", "keys", "get", "w:1"},
    {"ACL", "DRYRUN", "keys", "copy", "r:1", "w:1"},
    {"ACL", "DRYRUN", "keys", "copy", "w:1", "r:1"},
    {"ACL", "DRYRUN", "chan", "publish", "news.x", "m"},
    {"ACL", "DRYRUN", "chan", "publish", "other", "m"},
    {"ACL", "DRYRUN", "chan", "subscribe", "alerts", "other"},
    {"ACL", "DRYRUN", "chan", "psubscribe", "news.*"},
    {"ACL", "DRYRUN", "chan", "psubscribe", "news.a*"},
    {"ACL", "DRYRUN", "sel", "set", "b1", "v"},
    {"ACL", "DRYRUN", "sel", "set", "a1", "v"},
    {"ACL", "DRYRUN", "sel", "get", "c1"},
    {"ACL", "DRYRUN", "cfg", "config", "get", "maxmemory"},
    {"ACL", "DRYRUN", "cfg", "config", "set", "maxmemory", "1"},
    {"ACL", "DRYRUN", "first", "select", "1"},
    {"ACL", "DRYRUN", "first", "select", "2"},
    {"ACL", "DRYRUN", "nosuch", "get", "k"},
    {"ACL", "DRYRUN", "ro", "nosuchcmd"},
    {"ACL", "DRYRUN", "ro", "get"},
    {"ACL", "DRYRUN", "ro", "config", "nosuch"},
    // DELUSER.
    {"ACL", "DELUSER", "default"},
    {"ACL", "DELUSER", "norm", "nosuch", "norm"},
    {"ACL", "DELUSER", "ro", "default"},
    {"ACL", "USERS"},
};

Commands all_commands() {
  Commands c = kSetup;
  c.insert(c.end(), kCommands.begin(), kCommands.end());
  return c;
}

TEST(AclCommands, MatchRedisInResp2AndResp3) {
  for (int protocol : {2, 3}) {
    reference::RealRedis redis;
    if (!redis.available) GTEST_SKIP() << "redis-server not installed";
    Datanode node;
    for (const std::string& d : reference::differences_in(protocol, redis.port, node.port, all_commands()))
      ADD_FAILURE() << "RESP" << protocol << ": " << d;
  }
}

// ACL CAT <category>: Redis lists the commands in its hash-table order; the sets must agree.
TEST(AclCommands, CategoryContentsMatchRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  harness::Client theirs(redis.port), ours(node.port);
  for (const char* cat :
       {"keyspace", "read",        "write",      "set",         "sortedset", "list",  "hash", "string",
        "bitmap",   "hyperloglog", "geo",        "stream",      "pubsub",    "admin", "fast", "slow",
        "blocking", "dangerous",   "connection", "transaction", "scripting", "READ"}) {
    auto names = [&](harness::Client& c) {
      std::vector<std::string> out;
      for (const auto& e : c.command({"ACL", "CAT", cat}).elements) out.push_back(e.str);
      std::sort(out.begin(), out.end());
      return out;
    };
    EXPECT_EQ(names(theirs), names(ours)) << cat;
  }
}

TEST(AclCommands, GenpassLengths) {
  Datanode node;
  harness::Client c(node.port);
  EXPECT_EQ(64u, c.command({"ACL", "GENPASS"}).str.size());
  EXPECT_EQ(1u, c.command({"ACL", "GENPASS", "1"}).str.size());
  EXPECT_EQ(33u, c.command({"ACL", "GENPASS", "129"}).str.size());
  EXPECT_EQ(1024u, c.command({"ACL", "GENPASS", "4096"}).str.size());
}

}  // namespace
