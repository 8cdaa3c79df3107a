// Where users live: the "users" lines of the TOML config (CONFIG REWRITE keeps the users as they are)
// or Redis' users file (aclfile, ACL LOAD / ACL SAVE, the same file redis-server reads), never both.
#include <gtest/gtest.h>

#include <thread>

#include "harness.h"
#include "reference_redis.h"

using harness::Client;
using harness::Datanode;
using namespace std::chrono_literals;

namespace {

TEST(AclConfig, UsersFromTomlAndConfigRewrite) {
  // One user per line; a single-line TOML string with \n escapes, as CONFIG REWRITE writes it (the
  // rewriter replaces one line per key, so a multi-line """ string would not be replaced whole).
  Datanode node("users = \"alice on >apw ~a:* +@all\\nbob off\"\n");
  Client c(node.port);
  EXPECT_EQ("OK", c.command({"AUTH", "alice", "apw"}).str);
  EXPECT_EQ("NOPERM this user has no permissions to access one of the keys used as arguments",
            c.command({"GET", "b"}).str);
  Client admin(node.port);
  EXPECT_EQ("OK", admin.command({"ACL", "SETUSER", "carol", "on", ">cpw", "~*", "+get"}).str);
  EXPECT_EQ(1, admin.command({"ACL", "DELUSER", "bob"}).integer);
  EXPECT_EQ("OK", admin.command({"CONFIG", "REWRITE"}).str);
  std::string text = node.dir.read("datanode.toml");
  EXPECT_EQ(std::string::npos, text.find("apw")) << text;
  EXPECT_EQ(std::string::npos, text.find("bob")) << text;
  node.restart();
  Client after(node.port);
  EXPECT_EQ("OK", after.command({"AUTH", "carol", "cpw"}).str);
  EXPECT_EQ("NOPERM this user has no permissions to run the 'set' command",
            after.command({"SET", "k", "v"}).str);
  Client a2(node.port);
  EXPECT_EQ("OK", a2.command({"AUTH", "alice", "apw"}).str);
  EXPECT_TRUE(a2.command({"AUTH", "bob", "x"}).is_error());
}

// Starts a datanode that must refuse to start; returns its log.
std::string refused_start(const std::string& extra_toml) {
  harness::TempDir dir;
  dir.write("datanode.toml", "port = " + std::to_string(harness::free_port()) +
                                 "\nbind = [\"127.0.0.1\"]\ndir = \"" + dir.path() + "\"\n" + extra_toml);
  harness::Process p(DATANODE_BIN, {"--config", dir.file("datanode.toml")}, dir.file("datanode.log"));
  EXPECT_NE(-1, p.wait(10s));
  return p.log();
}

TEST(AclConfig, BadUserLineStopsStart) {
  std::string log = refused_start("users = \"alice on +nosuch\"\n");
  EXPECT_NE(std::string::npos, log.find("Critical error while loading ACLs")) << log;
}

TEST(AclConfig, UsersAndAclfileTogetherRefused) {
  std::string log = refused_start("aclfile = \"users.acl\"\nusers = \"alice on\"\n");
  EXPECT_NE(std::string::npos, log.find("but not both")) << log;
}

// The same users file, its ACL LOAD errors and ACL SAVE, against redis-server.
TEST(AclConfig, AclFileMatchesRedis) {
  harness::TempDir files;
  std::string good = "user alice on #" + std::string(64, 'a') +
                     " ~a:* resetchannels -@all +get\nuser default on nopass ~* &* +@all\n";
  files.write("ours.acl", good);
  files.write("theirs.acl", good);
  reference::RealRedis redis({"--aclfile", files.file("theirs.acl")});
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node("aclfile = \"" + files.file("ours.acl") + "\"\n");
  Client theirs(redis.port), ours(node.port);
  auto same = [&](const std::vector<std::string>& cmd) {
    harness::Reply a = theirs.command(cmd), b = ours.command(cmd);
    std::string ta = a.str, tb = b.str;
    for (const auto& e : a.elements) ta += "|" + e.str;
    for (const auto& e : b.elements) tb += "|" + e.str;
    // The file names differ: compare the texts with them taken out.
    for (auto* t : {&ta, &tb})
      for (const std::string& f : {files.file("theirs.acl"), files.file("ours.acl")})
        for (size_t at; (at = t->find(f)) != std::string::npos;) t->replace(at, f.size(), "FILE");
    EXPECT_EQ(ta, tb) << cmd[0] << " " << (cmd.size() > 1 ? cmd[1] : "");
  };
  same({"ACL", "LIST"});
  same({"ACL", "SETUSER", "bob", "on", ">bpw", "~*", "+@read"});
  same({"ACL", "SAVE"});
  EXPECT_EQ(files.read("theirs.acl"), files.read("ours.acl"));
  for (const std::string& bad :
       {std::string("user alice on +nosuch -@nosuch bogus\nnope\n"), std::string("user a b\nuser a c\n"),
        std::string("user x (~a +get\n"), std::string("user bad%user on\nuser y ~a allkeys ~b\n")}) {
    files.write("theirs.acl", bad);
    files.write("ours.acl", bad);
    same({"ACL", "LOAD"});
    same({"ACL", "LIST"});
  }
  files.write("theirs.acl", good);
  files.write("ours.acl", good);
  same({"ACL", "LOAD"});
  same({"ACL", "LIST"});
  same({"ACL", "WHOAMI"});
}

}  // namespace
