// Replays a redis-cli session (the seed walkthrough's string and server steps) through the real
// redis-cli against the datanode and compares what redis-cli prints, line by line. Lines of the
// expected output starting with "~ " are regular expressions (for ids, addresses and ages).
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "harness.h"

using harness::Client;
using harness::Datanode;

namespace {

// "> command" lines are sent; the lines after one are what redis-cli prints for it.
// $OTHER_ID is replaced by the id of a second connection opened by the test.
constexpr const char* kSession = R"(> SETNX mykey tom
(integer) 1
> SETNX mykey jerry
(integer) 0
> GET mykey
"tom"
> SET mykey jerry
OK
> GET mykey
"jerry"
> SET counts 10
OK
> INCR counts
(integer) 11
> INCR counts
(integer) 12
> INCR counts
(integer) 13
> INCR counts
(integer) 14
> DECR counts
(integer) 13
> DECR counts
(integer) 12
> DECR counts
(integer) 11
> DECR counts
(integer) 10
> GET nosuchkey
(nil)
> INCR mykey
(error) ERR value is not an integer or out of range
> LINDEX mylist
(error) ERR wrong number of arguments for 'lindex' command
> CLIENT LIST
~ id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name= age=\d+ idle=\d+ flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 .* cmd=client\|id user=default redir=-1 resp=2
~ id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name= age=\d+ idle=\d+ flags=N db=0 .* cmd=client\|list user=default redir=-1 resp=2
> CLIENT SETNAME test-1
OK
> CLIENT GETNAME
"test-1"
> CLIENT SETNAME "bad name"
(error) ERR Client names cannot contain spaces, newlines or special characters.
> CLIENT KILL ID $OTHER_ID
(integer) 1
> CLIENT KILL ID $OTHER_ID
(integer) 0
> CLIENT LIST
~ id=\d+ .* name=test-1 .* cmd=client\|list user=default redir=-1 resp=2
> MULTI
OK
> INCR counts
QUEUED
> EXEC
1) (integer) 11
> CONFIG GET maxclients
1) "maxclients"
2) "10000"
> PING
PONG
)";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

}  // namespace

TEST(RedisCliSession, SeedWalkthroughStringsAndClients) {
  if (!harness::have_program("redis-cli")) GTEST_SKIP() << "redis-cli not installed";
  Datanode node("requirepass = \"mypass\"");
  Client other(node.port);
  ASSERT_EQ(other.command({"AUTH", "mypass"}).str, "OK");
  std::string other_id = std::to_string(other.command({"CLIENT", "ID"}).integer);
  std::string session = replace_all(kSession, "$OTHER_ID", other_id);

  std::string commands, expected_text;
  for (const std::string& l : lines_of(session)) {
    if (l.rfind("> ", 0) == 0) commands += l.substr(2) + "\n";
    else expected_text += l + "\n";
  }
  node.dir.write("commands.txt", commands);
  std::string out = harness::run("redis-cli -p " + std::to_string(node.port) +
                                 " -a mypass --no-auth-warning --no-raw < " + node.dir.file("commands.txt") + " 2>&1");
  std::vector<std::string> expected = lines_of(expected_text);
  std::vector<std::string> actual = lines_of(out);
  ASSERT_EQ(actual.size(), expected.size()) << out;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (expected[i].rfind("~ ", 0) == 0) {
      EXPECT_TRUE(std::regex_match(actual[i], std::regex(expected[i].substr(2)))) << "line " << i << ": " << actual[i];
    } else {
      EXPECT_EQ(actual[i], expected[i]) << "line " << i;
    }
  }
  EXPECT_TRUE(other.command({"PING"}).is_error());
}

TEST(RedisCliSession, RefusesWithoutPassword) {
  if (!harness::have_program("redis-cli")) GTEST_SKIP() << "redis-cli not installed";
  Datanode node("requirepass = \"mypass\"");
  std::string out = harness::run("redis-cli -p " + std::to_string(node.port) + " --no-raw GET k 2>&1");
  EXPECT_EQ(out, "(error) NOAUTH Authentication required.\n");
  out = harness::run("redis-cli -p " + std::to_string(node.port) + " -a wrong --no-auth-warning PING 2>&1");
  EXPECT_NE(out.find("WRONGPASS invalid username-password pair or user is disabled."), std::string::npos) << out;
}
