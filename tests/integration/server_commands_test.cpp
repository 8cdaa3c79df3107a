// Server commands over real sockets: AUTH/HELLO/RESET, INFO sections, CONFIG GET/SET/REWRITE/RESETSTAT,
// COMMAND, TIME, DEBUG, MONITOR, SHUTDOWN, with Redis 7's texts.
#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <thread>

#include "harness.h"

using harness::Client;
using harness::Datanode;
using harness::Reply;

TEST(ServerCommands, AuthAndNoauthGate) {
  Datanode node("requirepass = \"mypass\"");
  Client c(node.port);
  EXPECT_EQ(c.command({"GET", "k"}).str, "NOAUTH Authentication required.");
  EXPECT_EQ(c.command({"AUTH", "wrong"}).str, "WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(c.command({"AUTH", "someone", "mypass"}).str,
            "WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(c.command({"AUTH", "a", "b", "c"}).str, "ERR syntax error");
  EXPECT_EQ(c.command({"HELLO", "2"}).str.rfind("NOAUTH HELLO must be called with the client already authenticated", 0), 0u);
  EXPECT_EQ(c.command({"AUTH", "mypass"}).str, "OK");
  EXPECT_TRUE(c.command({"GET", "k"}).is_nil());
  Client d(node.port);
  EXPECT_EQ(d.command({"AUTH", "default", "mypass"}).str, "OK");
  Client e(node.port);
  Reply hello = e.command({"HELLO", "2", "AUTH", "default", "mypass", "SETNAME", "cli"});
  ASSERT_EQ(hello.elements.size(), 14u);
  EXPECT_EQ(hello.elements[0].str, "server");
  EXPECT_EQ(hello.elements[1].str, "redis");
  EXPECT_EQ(hello.elements[3].str, "7.0.15");
  EXPECT_EQ(hello.elements[5].integer, 2);
  EXPECT_EQ(e.command({"CLIENT", "GETNAME"}).str, "cli");
  // RESET logs the client out again when a password is required.
  EXPECT_EQ(e.command({"RESET"}).str, "RESET");
  EXPECT_EQ(e.command({"GET", "k"}).str, "NOAUTH Authentication required.");
  // CONFIG SET requirepass applies at once to new connections.
  EXPECT_EQ(c.command({"CONFIG", "SET", "requirepass", ""}).str, "OK");
  Client f(node.port);
  EXPECT_EQ(f.command({"PING"}).str, "PONG");
  EXPECT_EQ(f.command({"AUTH", "x"}).str,
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your "
            "configuration is correct?");
}

TEST(ServerCommands, HelloVersions) {
  Datanode node;
  Client c(node.port);
  EXPECT_EQ(c.command({"HELLO", "4"}).str, "NOPROTO unsupported protocol version");  // HELLO 3: resp3_test
  EXPECT_EQ(c.command({"HELLO", "abc"}).str, "ERR Protocol version is not an integer or out of range");
  EXPECT_EQ(c.command({"HELLO", "2", "FOO"}).str, "ERR Syntax error in HELLO option 'FOO'");
  Reply r = c.command({"HELLO"});
  ASSERT_EQ(r.elements.size(), 14u);
  EXPECT_EQ(r.elements[10].str, "role");
  EXPECT_EQ(r.elements[11].str, "master");
}

TEST(ServerCommands, InfoSections) {
  Datanode node;
  Client c(node.port);
  c.command({"SET", "k", "v"});
  std::string all = c.command({"INFO"}).str;
  const char* order[] = {"# Server\r\n", "# Clients\r\n", "# Memory\r\n", "# Persistence\r\n", "# Stats\r\n",
                         "# Replication\r\n", "# CPU\r\n", "# Modules\r\n", "# Errorstats\r\n", "# Cluster\r\n",
                         "# Keyspace\r\n"};
  size_t pos = 0;
  for (const char* s : order) {
    size_t at = all.find(s);
    ASSERT_NE(at, std::string::npos) << s;
    EXPECT_GE(at, pos) << s;
    pos = at;
  }
  for (const char* field : {"redis_version:7.0.15\r\n", "datanode_version:", "multiplexing_api:libuv\r\n",
                            "process_id:", "run_id:", "tcp_port:" , "uptime_in_seconds:", "connected_clients:1\r\n",
                            "used_memory:", "used_memory_human:", "used_memory_rss:", "maxmemory_policy:noeviction",
                            "mem_fragmentation_ratio:", "total_connections_received:", "instantaneous_ops_per_sec:",
                            "role:master\r\n", "used_cpu_sys:", "cluster_enabled:0\r\n",
                            "db0:keys=1,expires=0,avg_ttl=0\r\n"})
    EXPECT_NE(all.find(field), std::string::npos) << field;
  EXPECT_EQ(all.find("# Commandstats"), std::string::npos);
  std::string two = c.command({"INFO", "SERVER", "keyspace"}).str;
  EXPECT_EQ(two.rfind("# Server\r\n", 0), 0u);
  EXPECT_NE(two.find("\r\n\r\n# Keyspace\r\n"), std::string::npos);
  EXPECT_EQ(two.find("# Clients"), std::string::npos);
  EXPECT_EQ(c.command({"INFO", "nosuchsection"}).str, "");
  c.command({"GET", "k"});
  c.command({"GET"});
  std::string stats = c.command({"INFO", "commandstats"}).str;
  EXPECT_NE(stats.find("cmdstat_get:calls=1,usec="), std::string::npos) << stats;
  EXPECT_NE(stats.find(",rejected_calls=1,failed_calls=0\r\n"), std::string::npos) << stats;
  EXPECT_NE(c.command({"INFO", "everything"}).str.find("# Commandstats"), std::string::npos);
  EXPECT_NE(c.command({"INFO", "errorstats"}).str.find("errorstat_ERR:count=1"), std::string::npos);
  EXPECT_EQ(c.command({"CONFIG", "RESETSTAT"}).str, "OK");
  EXPECT_EQ(c.command({"INFO", "errorstats"}).str, "# Errorstats\r\n");
}

TEST(ServerCommands, ConfigGetSetRewrite) {
  Datanode node("# keep this comment\nmaxclients = 100\n");
  Client c(node.port);
  Reply r = c.command({"CONFIG", "GET", "maxclients"});
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[1].str, "100");
  EXPECT_EQ(c.command({"CONFIG", "GET", "max*"}).elements.size() % 2, 0u);
  EXPECT_GE(c.command({"CONFIG", "GET", "maxclients", "timeout"}).elements.size(), 4u);
  EXPECT_EQ(c.command({"CONFIG", "SET", "foo", "bar"}).str,
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(c.command({"CONFIG", "SET", "maxclients", "abc"}).str,
            "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an "
            "integer");
  EXPECT_EQ(c.command({"CONFIG", "SET", "maxclients"}).str, "ERR wrong number of arguments for 'config|set' command");
  EXPECT_EQ(c.command({"CONFIG", "GET"}).str, "ERR wrong number of arguments for 'config|get' command");
  EXPECT_EQ(c.command({"CONFIG", "SET", "timeout", "5", "loglevel", "verbose"}).str, "OK");
  EXPECT_EQ(c.command({"CONFIG", "GET", "loglevel"}).elements[1].str, "verbose");
  EXPECT_EQ(c.command({"CONFIG", "SET", "masterauth", "mypass"}).str, "OK");
  EXPECT_EQ(c.command({"CONFIG", "REWRITE"}).str, "OK");
  std::string text = node.dir.read("datanode.toml");
  EXPECT_NE(text.find("# keep this comment\n"), std::string::npos) << text;
  EXPECT_NE(text.find("masterauth = \"mypass\""), std::string::npos) << text;
  EXPECT_NE(text.find("timeout = 5"), std::string::npos) << text;
  EXPECT_LT(text.find("port = "), text.find("masterauth"));
  // The rewritten file loads: restart and read back.
  node.restart();
  Client c2(node.port);
  EXPECT_EQ(c2.command({"CONFIG", "GET", "masterauth"}).elements[1].str, "mypass");
  Reply help = c2.command({"CONFIG", "HELP"});
  EXPECT_EQ(help.elements[0].str, "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
}

TEST(ServerCommands, ConfigSetTakesEffect) {
  Datanode node;
  Client c(node.port);
  EXPECT_EQ(c.command({"CONFIG", "SET", "maxclients", "2"}).str, "OK");
  Client second(node.port);
  EXPECT_EQ(second.command({"PING"}).str, "PONG");
  Client third(node.port);
  EXPECT_EQ(third.command({"PING"}).str, "ERR max number of clients reached");
  EXPECT_EQ(c.command({"CONFIG", "SET", "maxclients", "100"}).str, "OK");
  // timeout: idle clients go away.
  EXPECT_EQ(c.command({"CONFIG", "SET", "timeout", "1"}).str, "OK");
  Client idle(node.port);
  EXPECT_EQ(idle.command({"PING"}).str, "PONG");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_TRUE(idle.command({"PING"}).is_error());
  EXPECT_EQ(Client(node.port).command({"CONFIG", "SET", "timeout", "0"}).str, "OK");
}

TEST(ServerCommands, CommandIntrospection) {
  Datanode node;
  Client c(node.port);
  int64_t count = c.command({"COMMAND", "COUNT"}).integer;
  EXPECT_GT(count, 20);
  EXPECT_EQ(static_cast<int64_t>(c.command({"COMMAND"}).elements.size()), count);
  // As Redis 7: LIST names subcommands too (config|get ...).
  EXPECT_GT(static_cast<int64_t>(c.command({"COMMAND", "LIST"}).elements.size()), count);
  Reply info = c.command({"COMMAND", "INFO", "get", "nosuch"});
  ASSERT_EQ(info.elements.size(), 2u);
  ASSERT_EQ(info.elements[0].elements.size(), 10u);
  EXPECT_EQ(info.elements[0].elements[0].str, "get");
  EXPECT_EQ(info.elements[0].elements[1].integer, 2);
  EXPECT_EQ(info.elements[0].elements[3].integer, 1);
  EXPECT_TRUE(info.elements[1].is_nil());
  Reply docs = c.command({"COMMAND", "DOCS", "get"});
  ASSERT_EQ(docs.elements.size(), 2u);
  EXPECT_EQ(docs.elements[0].str, "get");
  Reply keys = c.command({"COMMAND", "GETKEYS", "SET", "a", "b"});
  ASSERT_EQ(keys.elements.size(), 1u);
  EXPECT_EQ(keys.elements[0].str, "a");
  EXPECT_EQ(c.command({"COMMAND", "GETKEYS", "PING", "x"}).str, "ERR The command has no key arguments");
  EXPECT_EQ(c.command({"COMMAND", "FOO"}).str, "ERR unknown subcommand 'FOO'. Try COMMAND HELP.");
  EXPECT_EQ(c.command({"COMMAND", "LIST", "FILTERBY", "PATTERN", "xyz*"}).elements.size(), 0u);
}

TEST(ServerCommands, TimeLastsaveDebugSave) {
  Datanode node;
  Client c(node.port);
  Reply t = c.command({"TIME"});
  ASSERT_EQ(t.elements.size(), 2u);
  EXPECT_GT(std::stoll(t.elements[0].str), 1600000000);
  EXPECT_GT(c.command({"LASTSAVE"}).integer, 1600000000);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c.command({"DEBUG", "SLEEP", "0.2"}).str, "OK");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(190));
  EXPECT_EQ(c.command({"DEBUG", "FOO"}).str, "ERR unknown subcommand or wrong number of arguments for 'FOO'. Try DEBUG HELP.");
  EXPECT_EQ(c.command({"DEBUG", "POPULATE", "10"}).str, "OK");
  EXPECT_EQ(c.command({"DBSIZE"}).integer, 10);
  EXPECT_EQ(c.command({"GET", "key:3"}).str, "value:3");
  EXPECT_EQ(c.command({"SAVE"}).str, "OK");  // RDB snapshots (datanode/persistence/)
  EXPECT_EQ(c.command({"ECHO", "hi"}).str, "hi");
}

TEST(ServerCommands, MonitorStreamsCommands) {
  Datanode node;
  Client mon(node.port), c(node.port);
  EXPECT_EQ(mon.command({"MONITOR"}).str, "OK");
  c.command({"SET", "key", "with \"quote\"\n"});
  c.command({"SELECT", "1"});
  c.command({"GET", "key"});
  Reply line = mon.read();
  EXPECT_EQ(line.type, Reply::Type::kStatus);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(line.str, m, std::regex("^\\d+\\.\\d{6} \\[0 127\\.0\\.0\\.1:\\d+\\] "))) << line.str;
  EXPECT_NE(line.str.find("\"SET\" \"key\" \"with \\\"quote\\\"\\n\""), std::string::npos) << line.str;
  mon.read();  // SELECT
  Reply get = mon.read();
  EXPECT_NE(get.str.find("[1 127.0.0.1:"), std::string::npos) << get.str;
  EXPECT_NE(Client(node.port).command({"CLIENT", "LIST"}).str.find("flags=O"), std::string::npos);
}

TEST(ServerCommands, ShutdownStopsTheServer) {
  Datanode node;
  Client c(node.port);
  EXPECT_EQ(c.command({"SHUTDOWN", "BOGUS"}).str, "ERR syntax error");
  c.command({"SHUTDOWN", "NOSAVE"});
  EXPECT_EQ(node.process.wait(std::chrono::seconds(10)), 0);
  EXPECT_NE(node.process.log().find("User requested shutdown..."), std::string::npos);
}
