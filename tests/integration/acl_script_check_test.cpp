// redis.acl_check_cmd against redis-server 7.0.15: whether the script's caller may run a command line
// (command, keys and channels), Redis' error for unknown commands and subcommands, in RESP2 and RESP3.
#include <gtest/gtest.h>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

namespace {

TEST(AclScriptCheck, AclCheckCmdMatchesRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  const std::vector<std::string> setuser = {"ACL",      "SETUSER", "scripter",    "on",          ">pw",
                                            "~r:*",     "%W~w:*",  "&news",       "+@scripting", "+get",
                                            "+publish", "+set",    "-config|set", "+config|get"};
  for (int port : {redis.port, node.port}) {
    rawresp::Conn c(port);
    ASSERT_EQ(c.command(setuser), "+OK\r\n");
  }
  const std::string script = "return redis.acl_check_cmd(unpack(ARGV))";
  const std::vector<std::vector<std::string>> lines = {
      {"get", "r:1"},
      {"get", "x"},
      {"GET", "r:1"},
      {"set", "r:1", "v"},
      {"set", "w:1", "v"},
      {"get", "w:1"},
      {"publish", "news", "m"},
      {"publish", "other", "m"},
      {"ping"},
      {"nosuch"},
      {"config", "nosuch"},
      {"config", "get", "port"},
      {"config", "set", "port", "1"},
      {"config"},
      {"eval", "return 1", "0"},
      {"flushall"},
  };
  for (const std::string& user : {std::string("default"), std::string("scripter")}) {
    for (int proto : {2, 3}) {
      rawresp::Conn theirs(redis.port), ours(node.port);
      std::vector<std::string> hello = {"HELLO", std::to_string(proto)};
      if (user != "default") hello.insert(hello.end(), {"AUTH", user, "pw"});
      ASSERT_EQ(theirs.command(hello)[0] == '-', ours.command(hello)[0] == '-');
      for (const auto& line : lines) {
        std::vector<std::string> cmd = {"EVAL", script, "0"};
        cmd.insert(cmd.end(), line.begin(), line.end());
        std::string a = theirs.command(cmd), b = ours.command(cmd);
        std::string text;
        for (const auto& w : line) text += w + " ";
        EXPECT_EQ(a, b) << user << " RESP" << proto << " " << text;
      }
      // No argument at all, and a non-string argument.
      for (const std::string& body :
           {std::string("return redis.acl_check_cmd()"), std::string("return redis.acl_check_cmd({})")}) {
        std::string a = theirs.command({"EVAL", body, "0"}), b = ours.command({"EVAL", body, "0"});
        EXPECT_EQ(a, b) << user << " " << body;
      }
    }
  }
}

}  // namespace
