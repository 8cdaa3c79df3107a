// The ACL core (common/acl): SETUSER's grammar and errors, the normalised description ACL LIST prints
// (expected texts taken from redis-server 7.0.15 for the same rules) and the permission checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "common/acl/acl.h"
#include "datanode/acl/acl_state.h"

namespace {

struct RedisCatalog {
  acl::Catalog catalog;
  std::vector<bool> has_keys;
  RedisCatalog() { datanode::fill_acl_catalog(catalog, has_keys); }
};

const acl::Catalog& redis_catalog() {
  static RedisCatalog c;
  return c.catalog;
}

std::vector<std::string_view> rules(std::initializer_list<std::string_view> r) { return r; }

std::string set(acl::Registry& reg, std::string_view user, std::initializer_list<std::string_view> r) {
  return reg.set_user(user, rules(r));
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

TEST(AclRules, DefaultUserIsOpen) {
  acl::Registry reg(redis_catalog());
  EXPECT_EQ("on nopass ~* &* +@all", acl::describe_user(reg.default_user(), redis_catalog()));
  EXPECT_FALSE(reg.auth_required());
  reg.set_default_password("secret");
  EXPECT_TRUE(reg.auth_required());
  EXPECT_TRUE(reg.check_credentials("default", "secret"));
  EXPECT_FALSE(reg.check_credentials("default", "wrong"));
  EXPECT_FALSE(reg.check_credentials("nobody", "secret"));
}

TEST(AclRules, DescriptionsMatchRedis) {
  acl::Registry reg(redis_catalog());
  ASSERT_EQ("",
            set(reg, "u2", {"on", "nopass", "allkeys", "allchannels", "+@all", "-@dangerous", "-flushall"}));
  EXPECT_EQ("on nopass ~* &* +@all -@dangerous", acl::describe_user(*reg.find("u2"), redis_catalog()));
  ASSERT_EQ("", set(reg, "u3", {"(~x* +get)", "(%R~y* +@string)", "+ping"}));
  EXPECT_EQ(
      "off resetchannels -@all +ping (~x* resetchannels -@all +get) (%R~y* resetchannels -@all +@string)",
      acl::describe_user(*reg.find("u3"), redis_catalog()));
  ASSERT_EQ("", set(reg, "u4", {"+@all", "-config", "+config|get"}));
  EXPECT_EQ("off resetchannels +@all -config +config|get",
            acl::describe_user(*reg.find("u4"), redis_catalog()));
  ASSERT_EQ("", set(reg, "u5", {"-@all", "+@write", "+@read", "-keys"}));
  EXPECT_EQ("off resetchannels -@all +@write +@read -keys",
            acl::describe_user(*reg.find("u5"), redis_catalog()));
}

TEST(AclRules, BestFitCategoriesThenSingleCommands) {
  // Redis 7.0.15 for "+@read -@hash +set +select|0 +config|get": categories in this order, then single
  // commands in its (hash-table) order, which is why only the set of single rules is compared.
  acl::Registry reg(redis_catalog());
  ASSERT_EQ("", set(reg, "u1",
                    {"on", ">p1", "~k*", "%R~r*", "%W~w*", "&ch*", "+@read", "-@hash", "+set", "+select|0",
                     "+config|get"}));
  std::vector<std::string> got = words(acl::describe_user(*reg.find("u1"), redis_catalog()));
  std::vector<std::string> head(got.begin(), got.begin() + 12);
  EXPECT_EQ((std::vector<std::string>{
                "on", "#f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a", "~k*", "%R~r*",
                "%W~w*", "resetchannels", "&ch*", "-@all", "+@bitmap", "+@geo", "+@set", "+@sortedset"}),
            head);
  std::vector<std::string> tail(got.begin() + 12, got.end());
  std::string redis_tail =
      "-spop +select|0 -zpopmin +scan +exists -zadd -sort -bzmpop -zinterstore -zrangestore +dbsize "
      "-zremrangebyrank -zrem -georadiusbymember +mget +xinfo|stream +xinfo|consumers +xinfo|groups +lolwut "
      "-geoadd -zpopmax -bitfield +type +substr +object|freq +object|encoding +object|idletime "
      "+object|refcount -zmpop +get +lrange -bitop -smove -sadd -setbit -zremrangebyscore +xread "
      "+memory|usage +lpos +lcs -geosearchstore -georadius -zunionstore -sinterstore +touch +lindex "
      "-sunionstore -zdiffstore +getrange -bzpopmin -srem -sdiffstore +xpending +xlen +llen +config|get "
      "-zremrangebylex +pexpiretime +xrange +pfcount -zincrby +set +pttl +dump +strlen +xrevrange "
      "+expiretime +randomkey +keys -bzpopmax +ttl";
  std::vector<std::string> want = words(redis_tail);
  std::sort(tail.begin(), tail.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(want, tail);
}

TEST(AclRules, ErrorsAreRedisTexts) {
  acl::Registry reg(redis_catalog());
  EXPECT_EQ("Error in ACL SETUSER modifier 'bogus': Syntax error", set(reg, "u", {"bogus"}));
  EXPECT_EQ("Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL",
            set(reg, "u", {"+nosuch"}));
  EXPECT_EQ("Error in ACL SETUSER modifier '-@nosuch': Unknown command or category name in ACL",
            set(reg, "u", {"-@nosuch"}));
  EXPECT_EQ(
      "Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a subcommand is not supported",
      set(reg, "u", {"+config|get|x"}));
  EXPECT_EQ("Error in ACL SETUSER modifier '+config|': Syntax error", set(reg, "u", {"+config|"}));
  EXPECT_EQ("Error in ACL SETUSER modifier '+config|nosuch': Unknown command or category name in ACL",
            set(reg, "u", {"+config|nosuch"}));
  EXPECT_NE(std::string::npos, set(reg, "u", {"allkeys", "~x"}).find("Try 'resetkeys'"));
  EXPECT_NE(std::string::npos, set(reg, "u", {"allchannels", "&x"}).find("Try 'resetchannels'"));
  EXPECT_NE(std::string::npos, set(reg, "u", {"<nope"}).find("does not exist"));
  EXPECT_NE(std::string::npos, set(reg, "u", {"#abc"}).find("exactly 64 characters"));
  EXPECT_EQ("Unmatched parenthesis in acl selector starting at '(~x'.", set(reg, "u", {"(~x", "+get"}));
  EXPECT_EQ("Error in ACL SETUSER modifier '%X~k': Syntax error", set(reg, "u", {"%X~k"}));
  // Nothing of a refused SETUSER is applied, not even the valid rules before the bad one.
  EXPECT_EQ(nullptr, reg.find("u"));
  ASSERT_EQ("", set(reg, "v", {"on"}));
  EXPECT_NE("", set(reg, "v", {"off", "bogus"}));
  EXPECT_TRUE(reg.find("v")->enabled());
}

TEST(AclRules, PasswordsAreHashesOnly) {
  acl::Registry reg(redis_catalog());
  ASSERT_EQ("", set(reg, "u", {"on", ">pw", ">pw", "#" + std::string(64, 'a')}));
  const acl::User& u = *reg.find("u");
  ASSERT_EQ(2u, u.passwords.size());
  EXPECT_EQ(acl::hash_password("pw"), u.passwords[0]);
  EXPECT_EQ(std::string::npos, acl::describe_user(u, redis_catalog()).find("pw "));
  EXPECT_TRUE(reg.check_credentials("u", "pw"));
  ASSERT_EQ("", set(reg, "u", {"<pw"}));
  EXPECT_FALSE(reg.check_credentials("u", "pw"));
  ASSERT_EQ("", set(reg, "u", {"nopass"}));
  EXPECT_TRUE(reg.check_credentials("u", "anything"));
  ASSERT_EQ("", set(reg, "u", {"off"}));
  EXPECT_FALSE(reg.check_credentials("u", "anything"));
  EXPECT_TRUE(acl::constant_time_equals("abc", "abc"));
  EXPECT_FALSE(acl::constant_time_equals("abc", "abd"));
  EXPECT_FALSE(acl::constant_time_equals("abc", "ab"));
  // SHA-256("") as Redis prints it.
  EXPECT_EQ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", acl::hash_password(""));
}

struct Checker {
  acl::Registry reg{redis_catalog()};
  acl::Verdict run(std::string_view user, std::vector<std::string_view> argv,
                   std::vector<acl::KeyArg> keys = {}, std::vector<acl::ChannelArg> channels = {}) {
    int id = redis_catalog().find(argv[0]);
    if (argv.size() > 1 && !redis_catalog().at(id).subcommands.empty())
      id = redis_catalog().find(std::string(argv[0]) + "|" + std::string(argv[1]));
    return reg.check(*reg.find(user), id, argv, keys, channels).verdict;
  }
};

TEST(AclChecks, CommandsKeysAndChannels) {
  Checker c;
  ASSERT_EQ("", set(c.reg, "ro", {"on", "nopass", "~*", "-@all", "+@read"}));
  EXPECT_EQ(acl::Verdict::kOk, c.run("ro", {"get", "k"}, {{1, acl::kPermRead}}));
  EXPECT_EQ(acl::Verdict::kDeniedCommand, c.run("ro", {"set", "k", "v"}, {{1, acl::kPermWrite}}));

  ASSERT_EQ("", set(c.reg, "kp", {"on", "nopass", "%R~r*", "%W~w*", "~a*", "+@all"}));
  EXPECT_EQ(acl::Verdict::kOk, c.run("kp", {"get", "r1"}, {{1, acl::kPermRead}}));
  EXPECT_EQ(acl::Verdict::kDeniedKey, c.run("kp", {"set", "r1", "v"}, {{1, acl::kPermWrite}}));
  EXPECT_EQ(acl::Verdict::kOk, c.run("kp", {"set", "w1", "v"}, {{1, acl::kPermWrite}}));
  EXPECT_EQ(acl::Verdict::kDeniedKey, c.run("kp", {"get", "w1"}, {{1, acl::kPermRead}}));
  EXPECT_EQ(acl::Verdict::kOk, c.run("kp", {"exists", "w1"}, {{1, 0}}));
  EXPECT_EQ(acl::Verdict::kDeniedKey, c.run("kp", {"exists", "zz"}, {{1, 0}}));

  ASSERT_EQ("", set(c.reg, "ch", {"on", "nopass", "&news.*", "+@all"}));
  EXPECT_EQ(acl::Verdict::kOk, c.run("ch", {"publish", "news.a", "m"}, {}, {{1, false}}));
  EXPECT_EQ(acl::Verdict::kDeniedChannel, c.run("ch", {"publish", "other", "m"}, {}, {{1, false}}));
  // A pattern subscription must be one of the user's patterns, literally.
  EXPECT_EQ(acl::Verdict::kOk, c.run("ch", {"psubscribe", "news.*"}, {}, {{1, true}}));
  EXPECT_EQ(acl::Verdict::kDeniedChannel, c.run("ch", {"psubscribe", "news.a*"}, {}, {{1, true}}));

  ASSERT_EQ("", set(c.reg, "fa", {"on", "nopass", "-@all", "+select|0", "+config|get"}));
  EXPECT_EQ(acl::Verdict::kOk, c.run("fa", {"select", "0"}));
  EXPECT_EQ(acl::Verdict::kDeniedCommand, c.run("fa", {"select", "1"}));
  EXPECT_EQ(acl::Verdict::kOk, c.run("fa", {"config", "get", "x"}));
  EXPECT_EQ(acl::Verdict::kDeniedCommand, c.run("fa", {"config", "set", "x", "y"}));
  // AUTH and HELLO are open to everyone.
  EXPECT_EQ(acl::Verdict::kOk, c.run("fa", {"auth", "x"}));
}

TEST(AclChecks, SelectorsAnyMayAllow) {
  Checker c;
  ASSERT_EQ("", set(c.reg, "s", {"on", "nopass", "~a*", "+get", "(~b* +set)"}));
  EXPECT_EQ(acl::Verdict::kOk, c.run("s", {"get", "a1"}, {{1, acl::kPermRead}}));
  EXPECT_EQ(acl::Verdict::kOk, c.run("s", {"set", "b1", "v"}, {{1, acl::kPermWrite}}));
  // The most specific refusal wins: a key refusal over a command refusal.
  EXPECT_EQ(acl::Verdict::kDeniedKey, c.run("s", {"get", "b1"}, {{1, acl::kPermRead}}));
  EXPECT_EQ(acl::Verdict::kDeniedCommand, c.run("s", {"del", "a1"}, {{1, acl::kPermWrite}}));
  ASSERT_EQ("", set(c.reg, "s", {"clearselectors"}));
  EXPECT_EQ(acl::Verdict::kDeniedCommand, c.run("s", {"set", "b1", "v"}, {{1, acl::kPermWrite}}));
}

TEST(AclChecks, ChannelShrinkDetection) {
  acl::Registry reg(redis_catalog());
  ASSERT_EQ("", set(reg, "u", {"on", "resetchannels", "&a", "&b*"}));
  const acl::User& u = *reg.find("u");
  EXPECT_TRUE(acl::Registry::channels_still_allowed(u, {"a", "bx"}, {"b*"}));
  EXPECT_FALSE(acl::Registry::channels_still_allowed(u, {"c"}, {}));
  EXPECT_FALSE(acl::Registry::channels_still_allowed(u, {}, {"b?"}));
}

TEST(AclLog, GroupsSimilarEntries) {
  acl::Registry reg(redis_catalog());
  acl::LogEntry e;
  e.object = "get";
  e.username = "u";
  e.ctime_ms = 1000;
  reg.log(e, 128);
  e.ctime_ms = 2000;
  reg.log(e, 128);
  ASSERT_EQ(1u, reg.log_entries().size());
  EXPECT_EQ(2u, reg.log_entries()[0].count);
  e.object = "set";
  reg.log(e, 1);
  ASSERT_EQ(1u, reg.log_entries().size());
  EXPECT_EQ("set", reg.log_entries()[0].object);
}

}  // namespace
