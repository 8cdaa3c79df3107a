// The sentinel row of the ACL matrix. The user Redis documents for a sentinel on a monitored master
// ("allchannels +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname
// +client|kill +script|kill") is allowed and refused exactly as on redis-server; then our sentinel and a
// real redis-sentinel monitor a datanode master and replica as that user (auth-user/auth-pass), and talk
// to each other as a peer user that has only what sentinels send each other (sentinel-user /
// sentinel-pass): they discover everything, fail over, and nothing they send is refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

using namespace std::chrono_literals;

namespace {

const std::string kSentinelUserRules =
    "on >spw allchannels +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info "
    "+client|setname +client|kill +script|kill";
const std::string kPeerUserRules =
    "on >ppw allchannels -@all +ping +publish +sentinel|is-master-down-by-addr +client|setname";

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(' ', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

TEST(AclMatrix, SentinelUserAllowedExactlyWhatRedisAllows) {
  reference::RealRedis redis({"--enable-debug-command", "yes"});
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  std::vector<std::string> setuser = {"ACL", "SETUSER", "sentinel-user"};
  for (const std::string& w : words(kSentinelUserRules)) setuser.push_back(w);
  for (int port : {redis.port, node.port}) {
    rawresp::Conn c(port);
    ASSERT_EQ(c.command(setuser), "+OK\r\n");
    ASSERT_EQ(c.command({"SET", "k", "v"}), "+OK\r\n");
  }
  const std::vector<std::vector<std::string>> cmds = {
      {"PING"},
      {"ROLE"},
      {"CLIENT", "SETNAME", "sentinel-1-cmd"},
      {"PUBLISH", "__sentinel__:hello", "x"},
      {"SCRIPT", "KILL"},
      {"MULTI"},
      {"CONFIG", "REWRITE"},
      {"EXEC"},
      {"CLIENT", "KILL", "TYPE", "pubsub"},
      {"GET", "k"},
      {"SET", "k", "x"},
      {"REPLICAOF", "NO", "ONE"},
      {"CONFIG", "SET", "maxmemory", "1"},
      {"CONFIG", "GET", "port"},
      {"CLIENT", "LIST"},
      {"SCRIPT", "FLUSH"},
      {"FLUSHALL"},
      {"DEBUG", "SLEEP", "0"},
      {"SHUTDOWN"},
      {"SLAVEOF", "NO", "ONE"},
      {"UNSUBSCRIBE"},
      {"SUBSCRIBE", "__sentinel__:hello"},
      // Subscribed (the user may not UNSUBSCRIBE): RESP2 refuses the rest, naming the subcommand.
      {"SCRIPT", "KILL"},
      {"CLIENT", "KILL", "TYPE", "master"},
      {"PING"},
  };
  for (int proto : {2, 3}) {
    rawresp::Conn theirs(redis.port), ours(node.port);
    std::vector<std::string> hello = {"HELLO", std::to_string(proto), "AUTH", "sentinel-user", "spw"};
    std::string a = theirs.command(hello), b = ours.command(hello);
    ASSERT_EQ(a[0] == '-', b[0] == '-') << a << " / " << b;
    for (const auto& cmd : cmds) {
      a = theirs.command(cmd);
      b = ours.command(cmd);
      std::string line;
      for (const auto& w : cmd) line += w + " ";
      // CONFIG REWRITE (queued, then EXEC): the reference runs without a config file, so only "allowed"
      // must agree.
      if ((cmd[0] == "CONFIG" && cmd[1] == "REWRITE") || cmd[0] == "EXEC")
        EXPECT_EQ(a.rfind("-NOPERM", 0) == 0, b.rfind("-NOPERM", 0) == 0) << line << a << " / " << b;
      else
        EXPECT_EQ(a, b) << "RESP" << proto << " " << line;
    }
  }
}

struct Node {
  std::unique_ptr<harness::Datanode> dn;
  std::unique_ptr<harness::Client> admin() const {
    auto c = dn->client();
    c->command({"AUTH", "admin", "adminpw"});
    return c;
  }
};

std::string datanode_users() {
  return "users = \"default off\\nadmin on >adminpw ~* &* +@all\\nsentinel-user " + kSentinelUserRules +
         "\\nrepl on >rpw +psync +replconf +ping\"\nmasteruser = \"repl\"\nmasterauth = \"rpw\"\n";
}

struct SentinelProc {
  harness::TempDir dir;
  int port = harness::free_port();
  harness::Process proc;
  bool real = false;

  void start(int master_port) {
    if (real) {
      dir.write(
          "sentinel.conf",
          "port " + std::to_string(port) + "\nbind 127.0.0.1\ndir " + dir.path() +
              "\nuser default off\nuser admin on >adminpw +@all\nuser peer " + kPeerUserRules +
              "\nsentinel sentinel-user peer\nsentinel sentinel-pass ppw\nsentinel monitor mymaster "
              "127.0.0.1 " +
              std::to_string(master_port) +
              " 2\nsentinel auth-user mymaster sentinel-user\nsentinel auth-pass mymaster spw\n"
              "sentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 10000\n");
      proc = harness::Process("/usr/bin/redis-sentinel", {dir.file("sentinel.conf")}, dir.file("log"));
    } else {
      dir.write("sentinel.toml",
                "port = " + std::to_string(port) + "\nbind = [\"127.0.0.1\"]\ndir = \"" + dir.path() +
                    "\"\nusers = \"default off\\nadmin on >adminpw +@all\\npeer " + kPeerUserRules +
                    "\"\nsentinel-user = \"peer\"\nsentinel-pass = \"ppw\"\n\n[[monitor]]\n"
                    "name = \"mymaster\"\nhost = \"127.0.0.1\"\nport = " +
                    std::to_string(master_port) +
                    "\nquorum = 2\nauth-user = \"sentinel-user\"\nauth-pass = \"spw\"\n"
                    "down-after-milliseconds = 1000\nfailover-timeout = 10000\n");
      proc = harness::Process(SENTINEL_BIN, {"--config", dir.file("sentinel.toml")}, dir.file("log"));
    }
    harness::wait_for_port(port, 20s);
  }
  harness::Reply cmd(const std::vector<std::string>& args) const {
    harness::Client c(port);
    c.command({"AUTH", "admin", "adminpw"});
    return c.command(args);
  }
  std::string master_field(const std::string& key) const {
    harness::Reply r = cmd({"SENTINEL", "master", "mymaster"});
    for (size_t i = 0; i + 1 < r.elements.size(); i += 2)
      if (r.elements[i].str == key) return r.elements[i + 1].str;
    return "";
  }
};

// "reason object username" of every ACL LOG entry.
std::vector<std::string> refusals(const harness::Reply& log) {
  std::vector<std::string> out;
  for (const auto& e : log.elements) {
    std::string line;
    for (size_t i = 0; i + 1 < e.elements.size(); i += 2)
      if (e.elements[i].str == "reason" || e.elements[i].str == "object" || e.elements[i].str == "username")
        line += e.elements[i + 1].str + " ";
    out.push_back(line);
  }
  return out;
}

TEST(AclMatrix, SentinelsMonitorAndFailOverWithOnlyTheDocumentedPermissions) {
  if (access("/usr/bin/redis-sentinel", X_OK) != 0) GTEST_SKIP() << "redis-sentinel not installed";
  Node master{std::make_unique<harness::Datanode>(datanode_users())};
  Node replica{std::make_unique<harness::Datanode>(datanode_users() + "replicaof = \"127.0.0.1 " +
                                                   std::to_string(master.dn->port) + "\"\n")};
  ASSERT_TRUE(harness::eventually(
      [&] { return harness::info_field(*replica.admin(), "replication", "master_link_status") == "up"; },
      30s))
      << "the replication user could not sync";
  SentinelProc ours, theirs;
  theirs.real = true;
  ours.start(master.dn->port);
  theirs.start(master.dn->port);
  auto discovered = [&] {
    for (SentinelProc* s : {&ours, &theirs})
      if (s->master_field("num-slaves") != "1" || s->master_field("num-other-sentinels") != "1" ||
          s->master_field("flags") != "master")
        return false;
    return true;
  };
  ASSERT_TRUE(harness::eventually(discovered, 30s))
      << "ours: " << ours.master_field("flags") << " slaves " << ours.master_field("num-slaves")
      << " sentinels " << ours.master_field("num-other-sentinels")
      << "; redis: " << theirs.master_field("flags") << " slaves " << theirs.master_field("num-slaves")
      << " sentinels " << theirs.master_field("num-other-sentinels");
  // Our sentinel leads a failover; both must follow it.
  harness::Reply r = ours.cmd({"SENTINEL", "FAILOVER", "mymaster"});
  EXPECT_EQ(r.str, "OK") << r.str;
  const std::string new_port = std::to_string(replica.dn->port);
  EXPECT_TRUE(harness::eventually(
      [&] {
        for (SentinelProc* s : {&ours, &theirs}) {
          harness::Reply a = s->cmd({"SENTINEL", "get-master-addr-by-name", "mymaster"});
          if (a.elements.size() != 2 || a.elements[1].str != new_port) return false;
        }
        return harness::info_field(*master.admin(), "replication", "role") == "slave";
      },
      40s))
      << "the failover did not complete";
  // Nothing a sentinel sent to the data nodes or to its peer was refused.
  for (const Node* n : {&master, &replica})
    EXPECT_EQ(refusals(n->admin()->command({"ACL", "LOG"})), std::vector<std::string>{}) << n->dn->port;
  for (SentinelProc* s : {&ours, &theirs})
    EXPECT_EQ(refusals(s->cmd({"ACL", "LOG"})), std::vector<std::string>{}) << (s->real ? "redis" : "ours");
  ours.proc.kill(SIGTERM);
  theirs.proc.kill(SIGTERM);
  ours.proc.wait(10s);
  theirs.proc.wait(10s);
}

}  // namespace
