// ACL users on the sentinel port, against a real redis-sentinel 7.0.15 started beside ours with the same
// users (its "user" lines, our TOML "users" lines): ACL subcommands, AUTH / HELLO AUTH in RESP2 and
// RESP3, NOPERM texts and ACL LOG entries must agree; requirepass stays the default user's password;
// users survive the config rewrite (ours rewrites "users", Redis its user lines) and the aclfile form
// works with ACL SAVE / ACL LOAD.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "harness.h"
#include "raw_resp.h"

using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kUserRules = {
    "alice on >apw +@all",
    "bob on >bpw -@all +ping +sentinel|get-master-addr-by-name +acl|whoami",
    "carol on >cpw resetchannels &__sentinel__:* +@all -@dangerous",
    "dave off >dpw +@all",
};

struct Pair {
  harness::TempDir real_dir, our_dir;
  int real_port = harness::free_port(), our_port = harness::free_port();
  harness::Process real, ours;
  bool available = access("/usr/bin/redis-sentinel", X_OK) == 0;

  // `extra_real` / `extra_ours`: more config lines in each syntax.
  void start(const std::vector<std::string>& users, const std::string& requirepass = "",
             const std::string& extra_real = "", const std::string& extra_ours = "") {
    std::string rc = "port " + std::to_string(real_port) + "\nbind 127.0.0.1\ndir " + real_dir.path() + "\n";
    std::string oc =
        "port = " + std::to_string(our_port) + "\nbind = [\"127.0.0.1\"]\ndir = \"" + our_dir.path() + "\"\n";
    std::string lines;
    for (const std::string& u : users) {
      rc += "user " + u + "\n";
      lines += (lines.empty() ? "" : "\\n") + u;
    }
    if (!users.empty()) oc += "users = \"" + lines + "\"\n";
    if (!requirepass.empty()) {
      rc += "requirepass " + requirepass + "\n";
      oc += "requirepass = \"" + requirepass + "\"\n";
    }
    real_dir.write("sentinel.conf", rc + extra_real);
    our_dir.write("sentinel.toml", oc + extra_ours);
    restart();
  }
  void restart() {
    real =
        harness::Process("/usr/bin/redis-sentinel", {real_dir.file("sentinel.conf")}, real_dir.file("log"));
    ours = harness::Process(SENTINEL_BIN, {"--config", our_dir.file("sentinel.toml")}, our_dir.file("log"));
    harness::wait_for_port(real_port, 20s);
    harness::wait_for_port(our_port, 20s);
  }
  void stop() {
    real.kill(SIGTERM);
    ours.kill(SIGTERM);
    real.wait(10s);
    ours.wait(10s);
  }
};

std::string join(const std::vector<std::string>& cmd) {
  std::string s;
  for (const auto& a : cmd) s += a + " ";
  return s;
}

// Redis lists single-command rules ("+ping +acl|whoami") in its command dict's order, which depends on
// a per-process hash seed: sort each run of them so only the set of rules is compared.
std::string normalized(const std::string& raw) {
  std::string out, word;
  std::vector<std::string> run;
  auto flush_run = [&] {
    std::sort(run.begin(), run.end());
    for (const std::string& w : run) out += w + " ";
    run.clear();
  };
  for (size_t i = 0; i <= raw.size(); ++i) {
    char ch = i < raw.size() ? raw[i] : '\r';
    if (ch != ' ' && ch != '\r') {
      word += ch;
      continue;
    }
    bool single = word.size() > 1 && (word[0] == '+' || word[0] == '-') &&
                  word.find('@') == std::string::npos && word.find(':') == std::string::npos;
    if (single && ch == ' ') {
      run.push_back(word);
    } else {
      if (single) run.push_back(word), word.clear();
      flush_run();
      out += word;
      if (i < raw.size()) out += ch;
    }
    word.clear();
  }
  return out;
}

// Runs each command on both sentinels over one connection each (after `login`, when given) and returns
// the commands whose raw replies differ.
std::vector<std::string> differences(const Pair& p, const std::vector<std::string>& login,
                                     const std::vector<std::vector<std::string>>& commands) {
  rawresp::Conn theirs(p.real_port), ours(p.our_port);
  std::vector<std::string> out;
  if (!login.empty()) {
    std::string a = theirs.command(login), b = ours.command(login);
    if (login[0] != "HELLO" ? a != b : (a[0] == '-') != (b[0] == '-'))
      out.push_back(join(login) + "=> redis: " + a + " ours: " + b);
  }
  for (const auto& cmd : commands) {
    std::string a = theirs.command(cmd), b = ours.command(cmd);
    // A successful HELLO carries the connection id: only success itself is compared.
    if (cmd[0] == "HELLO" && !a.empty() && !b.empty() && a[0] != '-' && b[0] != '-') continue;
    if (normalized(a) != normalized(b) || a.empty())
      out.push_back(join(cmd) + "=> redis: " + a + " ours: " + b);
  }
  return out;
}

std::vector<std::string> sorted_strings(const harness::Reply& r) {
  std::vector<std::string> v;
  for (const auto& e : r.elements) v.push_back(e.str);
  std::sort(v.begin(), v.end());
  return v;
}

TEST(SentinelAcl, SubcommandsAndRefusalsMatchRedisSentinel) {
  Pair p;
  if (!p.available) GTEST_SKIP() << "redis-sentinel not installed";
  p.start(kUserRules);
  const std::vector<std::vector<std::string>> as_default = {
      {"ACL", "LIST"},
      {"ACL", "USERS"},
      {"ACL", "GETUSER", "bob"},
      {"ACL", "GETUSER", "carol"},
      {"ACL", "GETUSER", "nobody"},
      {"ACL", "WHOAMI"},
      {"ACL", "CAT"},
      {"ACL", "CAT", "nosuch"},
      {"ACL", "CAT", "read"},
      {"ACL", "DRYRUN", "bob", "ping"},
      {"ACL", "DRYRUN", "bob", "sentinel", "masters"},
      {"ACL", "DRYRUN", "bob", "get", "x"},
      {"ACL", "DRYRUN", "nobody", "ping"},
      {"ACL", "DRYRUN", "carol", "publish", "news", "x"},
      {"ACL", "DRYRUN", "carol", "subscribe", "__sentinel__:hello"},
      {"ACL", "DRYRUN", "carol", "sentinel", "reset", "*"},
      {"ACL", "DRYRUN", "carol", "sentinel", "masters", "x"},
      {"ACL", "SETUSER", "eve", "on", ">epw", "+nosuchcommand"},
      {"ACL", "SETUSER", "eve", "on", ">epw", "+@nosuch"},
      {"ACL", "SETUSER", "eve", "on", ">epw", "+get"},
      {"ACL", "SETUSER", "eve", "on", ">epw", "~*", "+sentinel|masters", "-@admin"},
      {"ACL", "GETUSER", "eve"},
      {"ACL", "SETUSER", "eve", "bogus"},
      {"ACL", "DELUSER", "default"},
      {"ACL", "DELUSER", "eve", "nobody"},
      {"ACL", "LOAD"},
      {"ACL", "SAVE"},
      {"ACL", "GENPASS", "0"},
      {"ACL", "GENPASS", "x"},
      {"ACL", "LOG", "x"},
      {"ACL", "NOSUCH"},
      {"ACL", "SETUSER"},
      {"ACL", "WHOAMI", "extra"},
      {"ACL", "HELP"},
      {"AUTH", "x"},
      {"AUTH", "bob", "wrong"},
      {"AUTH", "dave", "dpw"},
      {"AUTH", "nobody", "x"},
  };
  for (const std::string& d : differences(p, {}, as_default)) ADD_FAILURE() << d;
  // Category listings are in hash order on Redis: compare as sets.
  for (const char* cat : {"admin", "dangerous", "connection", "pubsub", "fast", "slow"}) {
    harness::Client a(p.real_port), b(p.our_port);
    EXPECT_EQ(sorted_strings(a.command({"ACL", "CAT", cat})), sorted_strings(b.command({"ACL", "CAT", cat})))
        << cat;
  }
  harness::Client a(p.real_port), b(p.our_port);
  EXPECT_EQ(a.command({"ACL", "GENPASS", "5"}).str.size(), b.command({"ACL", "GENPASS", "5"}).str.size());
  EXPECT_EQ(b.command({"ACL", "GENPASS"}).str.size(), 64u);

  for (int proto : {2, 3}) {
    std::string v = std::to_string(proto);
    const std::vector<std::vector<std::string>> as_bob = {
        {"PING"},
        {"ACL", "WHOAMI"},
        {"SENTINEL", "MASTERS"},
        {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nosuch"},
        {"ACL", "LIST"},
        {"CLIENT", "ID"},
        {"INFO"},
        {"SUBSCRIBE", "news"},
        {"PUBLISH", "__sentinel__:hello", "x"},
        {"ROLE"},
        {"SHUTDOWN"},
    };
    for (const std::string& d : differences(p, {"HELLO", v, "AUTH", "bob", "bpw"}, as_bob))
      ADD_FAILURE() << "RESP" << proto << " " << d;
    const std::vector<std::vector<std::string>> as_carol = {
        {"ACL", "WHOAMI"},       {"SENTINEL", "MASTERS"}, {"SENTINEL", "RESET", "*"},
        {"ACL", "SETUSER", "x"}, {"SUBSCRIBE", "news"},   {"PSUBSCRIBE", "__sentinel__:*"},
    };
    for (const std::string& d : differences(p, {"HELLO", v, "AUTH", "carol", "cpw"}, as_carol))
      ADD_FAILURE() << "RESP" << proto << " " << d;
  }
  // HELLO's failures: wrong password, disabled user, unknown option, unsupported protocol.
  const std::vector<std::vector<std::string>> hellos = {
      {"HELLO", "3", "AUTH", "bob", "nope"},
      {"HELLO", "2", "AUTH", "dave", "dpw"},
      {"HELLO", "3", "AUTH", "bob"},
      {"HELLO", "4", "AUTH", "bob", "bpw"},
      {"HELLO", "x"},
      {"HELLO", "2", "AUTH", "alice", "apw", "SETNAME", "a b"},
      {"HELLO", "2", "AUTH", "alice", "apw", "SETNAME", "cli"},
      {"CLIENT", "GETNAME"},
  };
  for (const std::string& d : differences(p, {}, hellos)) ADD_FAILURE() << d;
  p.stop();
}

// Field `name` of one ACL LOG entry (RESP2: a flat array of name, value).
std::string log_field(const harness::Reply& entry, const std::string& name) {
  for (size_t i = 0; i + 1 < entry.elements.size(); i += 2)
    if (entry.elements[i].str == name)
      return entry.elements[i + 1].type == harness::Reply::Type::kInteger
                 ? std::to_string(entry.elements[i + 1].integer)
                 : entry.elements[i + 1].str;
  return "?";
}

TEST(SentinelAcl, AclLogMatchesRedisSentinel) {
  Pair p;
  if (!p.available) GTEST_SKIP() << "redis-sentinel not installed";
  p.start(kUserRules);
  std::vector<std::string> logs[2];
  int i = 0;
  for (int port : {p.real_port, p.our_port}) {
    {
      harness::Client c(port);
      c.command({"AUTH", "bob", "bpw"});
      c.command({"SENTINEL", "MASTERS"});
      c.command({"SENTINEL", "MASTERS"});
      c.command({"ACL", "LIST"});
      c.command({"AUTH", "bob", "wrong"});
      c.command({"HELLO", "2", "AUTH", "nobody", "x"});
      harness::Client carol(port);
      carol.command({"AUTH", "carol", "cpw"});
      carol.command({"SUBSCRIBE", "news"});
    }
    harness::Client admin(port);
    harness::Reply r = admin.command({"ACL", "LOG"});
    for (const auto& e : r.elements) {
      std::string line;
      for (const char* f : {"count", "reason", "context", "object", "username"})
        line += log_field(e, f) + " ";
      // client-info names the user and the refused command, as Redis' does.
      std::string info = log_field(e, "client-info");
      line += info.find("user=" + log_field(e, "username")) != std::string::npos ||
                      log_field(e, "reason") == "auth"
                  ? "info-ok"
                  : "info:" + info;
      logs[i].push_back(line);
    }
    EXPECT_EQ(admin.command({"ACL", "LOG", "RESET"}).str, "OK");
    EXPECT_EQ(admin.command({"ACL", "LOG"}).elements.size(), 0u);
    ++i;
  }
  EXPECT_EQ(logs[0], logs[1]);
  EXPECT_EQ(logs[1].size(), 5u);
  p.stop();
}

TEST(SentinelAcl, RequirepassIsTheDefaultUsersPassword) {
  Pair p;
  if (!p.available) GTEST_SKIP() << "redis-sentinel not installed";
  p.start({"alice on >apw +@all"}, "secret");
  const std::vector<std::vector<std::string>> cmds = {
      {"PING"},
      {"ACL", "WHOAMI"},
      {"HELLO", "2"},
      {"AUTH", "wrong"},
      {"AUTH", "default", "wrong"},
      {"AUTH", "secret"},
      {"ACL", "WHOAMI"},
      {"ACL", "GETUSER", "default"},
      {"AUTH", "alice", "apw"},
      {"ACL", "WHOAMI"},
      {"AUTH", "default", "secret"},
      {"ACL", "WHOAMI"},
  };
  for (const std::string& d : differences(p, {}, cmds)) ADD_FAILURE() << d;
  for (const std::string& d :
       differences(p, {"HELLO", "3", "AUTH", "default", "secret"}, {{"ACL", "WHOAMI"}}))
    ADD_FAILURE() << d;
  p.stop();
}

TEST(SentinelAcl, UsersSurviveTheConfigRewriteAndARestart) {
  Pair p;
  if (!p.available) GTEST_SKIP() << "redis-sentinel not installed";
  p.start(kUserRules);
  const std::vector<std::vector<std::string>> change = {
      {"ACL", "SETUSER", "eve", "on", ">epw", "+sentinel|masters", "&events"},
      {"ACL", "SETUSER", "bob", "off"},
      {"ACL", "DELUSER", "dave"},
      {"SENTINEL", "FLUSHCONFIG"},
  };
  for (const std::string& d : differences(p, {}, change)) ADD_FAILURE() << d;
  EXPECT_NE(p.our_dir.read("sentinel.toml").find("users = \"alice on #"), std::string::npos)
      << p.our_dir.read("sentinel.toml");
  p.stop();
  p.restart();
  for (const std::string& d :
       differences(p, {}, {{"ACL", "LIST"}, {"AUTH", "eve", "epw"}, {"SENTINEL", "MASTERS"}}))
    ADD_FAILURE() << d;
  p.stop();
}

TEST(SentinelAcl, AclFileLoadAndSave) {
  Pair p;
  if (!p.available) GTEST_SKIP() << "redis-sentinel not installed";
  for (harness::TempDir* d : {&p.real_dir, &p.our_dir}) d->write("users.acl", "user alice on >apw +@all\n");
  p.start({}, "", "aclfile " + p.real_dir.file("users.acl") + "\n",
          "aclfile = \"" + p.our_dir.file("users.acl") + "\"\n");
  const std::vector<std::vector<std::string>> cmds = {
      {"ACL", "LIST"}, {"ACL", "SETUSER", "bob", "on", ">bpw", "+ping"},
      {"ACL", "SAVE"}, {"ACL", "SETUSER", "carol", "on"},
      {"ACL", "LOAD"}, {"ACL", "LIST"},
  };
  for (const std::string& d : differences(p, {}, cmds)) ADD_FAILURE() << d;
  EXPECT_EQ(p.real_dir.read("users.acl"), p.our_dir.read("users.acl"));
  p.stop();
  // Both forms at once: refused at start, as Redis refuses.
  harness::TempDir dir;
  int port = harness::free_port();
  dir.write("sentinel.toml", "port = " + std::to_string(port) + "\nbind = [\"127.0.0.1\"]\ndir = \"" +
                                 dir.path() + "\"\naclfile = \"" + dir.file("users.acl") +
                                 "\"\nusers = \"alice on\"\n");
  dir.write("users.acl", "");
  harness::Process bad(SENTINEL_BIN, {"--config", dir.file("sentinel.toml")}, dir.file("log"));
  int status = bad.wait(10s);
  EXPECT_NE(status, -1);
  EXPECT_NE(status, 0);
  EXPECT_NE(dir.read("log").find("ACL file"), std::string::npos) << dir.read("log");
  // --test-config checks the users too.
  dir.write("bad.toml", "port = " + std::to_string(port) + "\nusers = \"alice on +nosuch\"\n");
  int rc = 0;
  std::string out =
      harness::run(std::string(SENTINEL_BIN) + " --test-config " + dir.file("bad.toml") + " 2>&1", &rc);
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("Error loading ACL rule for the user named 'alice'"), std::string::npos) << out;
}

}  // namespace
