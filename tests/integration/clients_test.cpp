// CLIENT subcommands over real sockets: LIST fields and filters, SETNAME/GETNAME, ID, INFO, KILL in its
// old and filter forms (SKIPME, killing itself after the reply), NO-EVICT, HELP, errors.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "harness.h"

using harness::Client;
using harness::Datanode;
using harness::Reply;

TEST(Clients, ListHasRedis7FieldsInOrder) {
  Datanode node;
  Client c(node.port);
  std::string list = c.command({"CLIENT", "LIST"}).str;
  std::regex line(
      "id=\\d+ addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:\\d+ fd=\\d+ name= age=\\d+ idle=\\d+ flags=N db=0 "
      "sub=0 psub=0 ssub=0 multi=-1 qbuf=\\d+ qbuf-free=\\d+ argv-mem=\\d+ multi-mem=0 rbs=\\d+ rbp=\\d+ obl=\\d+ "
      "oll=\\d+ omem=\\d+ tot-mem=\\d+ events=rw? cmd=client\\|list user=default redir=-1 resp=2\n");
  EXPECT_TRUE(std::regex_match(list, line)) << list;
  std::string info = c.command({"CLIENT", "INFO"}).str;
  EXPECT_NE(info.find("cmd=client|info"), std::string::npos) << info;
}

TEST(Clients, SetNameGetNameId) {
  Datanode node;
  Client c(node.port);
  EXPECT_TRUE(c.command({"CLIENT", "GETNAME"}).is_nil());
  EXPECT_EQ(c.command({"CLIENT", "SETNAME", "test-1"}).str, "OK");
  EXPECT_EQ(c.command({"CLIENT", "GETNAME"}).str, "test-1");
  EXPECT_EQ(c.command({"CLIENT", "SETNAME", "a b"}).str,
            "ERR Client names cannot contain spaces, newlines or special characters.");
  EXPECT_EQ(c.command({"CLIENT", "SETNAME", "a\nb"}).str,
            "ERR Client names cannot contain spaces, newlines or special characters.");
  EXPECT_NE(c.command({"CLIENT", "LIST"}).str.find("name=test-1 "), std::string::npos);
  int64_t id = c.command({"CLIENT", "ID"}).integer;
  EXPECT_GT(id, 0);
  EXPECT_NE(c.command({"CLIENT", "LIST", "ID", std::to_string(id)}).str.find("id=" + std::to_string(id) + " "),
            std::string::npos);
  EXPECT_EQ(c.command({"CLIENT", "LIST", "ID", "abc"}).str, "ERR Invalid client ID");
  EXPECT_EQ(c.command({"CLIENT", "LIST", "TYPE", "foo"}).str, "ERR Unknown client type 'foo'");
  EXPECT_EQ(c.command({"CLIENT", "LIST", "TYPE", "pubsub"}).str, "");
  EXPECT_EQ(c.command({"CLIENT", "SETNAME", ""}).str, "OK");
  EXPECT_TRUE(c.command({"CLIENT", "GETNAME"}).is_nil());
  EXPECT_EQ(c.command({"CLIENT", "FOO"}).str, "ERR unknown subcommand 'FOO'. Try CLIENT HELP.");
  EXPECT_EQ(c.command({"CLIENT", "SETNAME"}).str, "ERR wrong number of arguments for 'client|setname' command");
  EXPECT_EQ(c.command({"CLIENT", "NO-EVICT", "on"}).str, "OK");
  EXPECT_NE(c.command({"CLIENT", "INFO"}).str.find("flags=e "), std::string::npos);
  EXPECT_EQ(c.command({"CLIENT", "NO-EVICT", "maybe"}).str, "ERR syntax error");
  Reply help = c.command({"CLIENT", "HELP"});
  ASSERT_GT(help.elements.size(), 10u);
  EXPECT_EQ(help.elements[0].str, "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_EQ(help.elements.back().str, "    Prints this help.");
}

TEST(Clients, KillOldFormAndFilters) {
  Datanode node;
  Client a(node.port), b(node.port), d(node.port);
  int64_t bid = b.command({"CLIENT", "ID"}).integer;
  EXPECT_EQ(a.command({"CLIENT", "KILL", "1.2.3.4:5"}).str, "ERR No such client");
  EXPECT_EQ(a.command({"CLIENT", "KILL", "ID", "999999"}).integer, 0);
  EXPECT_EQ(a.command({"CLIENT", "KILL", "ID", std::to_string(bid)}).integer, 1);
  EXPECT_TRUE(b.command({"PING"}).is_error());
  // Old form by address.
  std::string info = d.command({"CLIENT", "INFO"}).str;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(info, m, std::regex("addr=(\\S+)")));
  EXPECT_EQ(a.command({"CLIENT", "KILL", m[1].str()}).str, "OK");
  EXPECT_TRUE(d.command({"PING"}).is_error());
  EXPECT_EQ(a.command({"CLIENT", "KILL", "TYPE", "bogus"}).str, "ERR Unknown client type 'bogus'");
  EXPECT_EQ(a.command({"CLIENT", "KILL", "ID", "0"}).str, "ERR client-id should be greater than 0");
  EXPECT_EQ(a.command({"CLIENT", "KILL", "ID"}).str, "ERR No such client");  // the old form, as Redis
  EXPECT_EQ(a.command({"CLIENT", "KILL", "ID", "1", "TYPE"}).str, "ERR syntax error");
  EXPECT_EQ(a.command({"CLIENT", "KILL", "USER", "nobody"}).str, "ERR No such user 'nobody'");
  // TYPE normal spares the caller (SKIPME yes by default).
  Client e(node.port), f(node.port);
  // Registered by the server before the kill (a connect completes in the kernel before the accept).
  ASSERT_EQ(e.command({"PING"}).str, "PONG");
  ASSERT_EQ(f.command({"PING"}).str, "PONG");
  // At least e and f (the harness' readiness probe may not be gone yet on a loaded machine).
  EXPECT_GE(a.command({"CLIENT", "KILL", "TYPE", "normal"}).integer, 2);
  EXPECT_EQ(a.command({"PING"}).str, "PONG");
  EXPECT_TRUE(e.command({"PING"}).is_error());
  // SKIPME no: the caller gets its reply, then the connection closes.
  int64_t aid = a.command({"CLIENT", "ID"}).integer;
  Reply r = a.command({"CLIENT", "KILL", "ID", std::to_string(aid), "SKIPME", "no"});
  EXPECT_EQ(r.integer, 1);
  EXPECT_TRUE(a.command({"PING"}).is_error());
}

TEST(Clients, UnblockABlockedClient) {
  Datanode node;
  Client blocked(node.port), other(node.port);
  int64_t id = blocked.command({"CLIENT", "ID"}).integer;
  redisContext* ctx = blocked.context();
  (void)ctx;
  // Send BLPOP without waiting for its reply.
  std::string req = "*3\r\n$5\r\nBLPOP\r\n$4\r\nlist\r\n$1\r\n0\r\n";
  Reply unused;
  std::thread reader([&] { unused = blocked.raw(req); });
  bool was_blocked = harness::eventually(
      [&] { return other.command({"CLIENT", "LIST", "ID", std::to_string(id)}).str.find("flags=b") != std::string::npos; },
      std::chrono::seconds(5));
  if (!was_blocked) {
    other.command({"LPUSH", "list", "x"});
    reader.join();
    GTEST_SKIP() << "BLPOP does not block in this build";
  }
  EXPECT_EQ(other.command({"CLIENT", "UNBLOCK", std::to_string(id), "ERROR"}).integer, 1);
  reader.join();
  EXPECT_EQ(unused.str, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
  EXPECT_EQ(other.command({"CLIENT", "UNBLOCK", std::to_string(id)}).integer, 0);
}
