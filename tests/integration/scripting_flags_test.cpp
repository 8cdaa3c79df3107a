// Script flags and the implicit rules of scripts without a shebang, against a real redis-server 7.0.15
// byte for byte: no-writes, allow-oom (over maxmemory), -NOREPLICAS, allow-stale and the read-only rules
// on a replica (replica-serve-stale-data yes and no), FUNCTION LOAD/DELETE/FLUSH/RESTORE on a read-only
// replica, no-cluster and allow-cross-slot-keys on a one-node cluster of each kind, and the INFO fields.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "cluster_lab.h"
#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

using namespace std::chrono_literals;

namespace {

using Commands = std::vector<std::vector<std::string>>;

const char* kLibrary =
    "#!lua name=flagslib\n"
    "redis.register_function{function_name='w', callback=function(k) return redis.call('set',k[1],'v') end}\n"
    "redis.register_function{function_name='r', callback=function(k) return redis.call('get',k[1]) end, "
    "flags={'no-writes'}}\n"
    "redis.register_function{function_name='rw', callback=function(k) return redis.call('set',k[1],'v') end, "
    "flags={'no-writes'}}\n"
    "redis.register_function{function_name='s', callback=function() return #redis.call('time') end, "
    "flags={'no-writes','allow-stale'}}\n"
    "redis.register_function{function_name='sg', callback=function(k) return redis.call('get',k[1]) end, "
    "flags={'no-writes','allow-stale'}}\n"
    "redis.register_function{function_name='o', callback=function(k) return redis.call('set',k[1],'o') end, "
    "flags={'allow-oom'}}\n"
    "redis.register_function{function_name='nc', callback=function() return 1 end, flags={'no-cluster'}}\n"
    "redis.register_function{function_name='x', callback=function() redis.call('set','a','1') "
    "return redis.call('set','b','1') end}\n"
    "redis.register_function{function_name='xx', callback=function() redis.call('set','a','1') "
    "return redis.call('set','b','1') end, flags={'allow-cross-slot-keys'}}\n";

// The scripts every scenario runs: with and without shebangs, through EVAL, EVALSHA, *_RO and FCALL.
Commands script_cases() {
  return {
      {"EVAL", "return 1", "0"},
      {"EVAL", "return redis.call('set','k','v')", "0"},
      {"EVAL", "return redis.pcall('set','k','v')", "0"},
      {"EVAL", "return redis.call('get','k')", "0"},
      {"EVAL", "return #redis.call('time')", "0"},
      {"EVAL", "return redis.call('publish','ch','m')", "0"},
      {"EVAL", "#!lua\nreturn 1", "0"},
      {"EVAL", "#!lua\nreturn redis.call('set','k','v')", "0"},
      {"EVAL", "#!lua flags=no-writes\nreturn redis.call('get','k')", "0"},
      {"EVAL", "#!lua flags=no-writes\nreturn redis.call('set','k','v')", "0"},
      {"EVAL", "#!lua flags=no-writes\nreturn redis.call('publish','ch','m')", "0"},
      {"EVAL", "#!lua flags=allow-oom\nreturn redis.call('set','k','o')", "0"},
      {"EVAL", "#!lua flags=allow-oom\nreturn redis.call('get','k')", "0"},
      {"EVAL", "#!lua flags=allow-stale\nreturn 1", "0"},
      {"EVAL", "#!lua flags=no-writes,allow-stale\nreturn #redis.call('time')", "0"},
      {"EVAL", "#!lua flags=no-writes,allow-stale\nreturn redis.call('get','k')", "0"},
      {"EVAL", "#!lua flags=no-writes,allow-stale\nreturn redis.pcall('get','k')", "0"},
      {"EVAL", "#!lua flags=allow-oom,allow-stale\nreturn redis.call('get','k')", "0"},
      {"EVAL_RO", "return 1", "0"},
      {"EVAL_RO", "return redis.call('set','k','v')", "0"},
      {"EVAL_RO", "return redis.call('publish','ch','m')", "0"},
      {"EVAL_RO", "#!lua\nreturn 1", "0"},
      {"EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get','k')", "0"},
      {"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"},
      {"SCRIPT", "LOAD", "#!lua\nreturn 2"},
      {"EVALSHA", "6f6a1a8b41c7e8b9b2e5b5b6bd5a9d4c0b9e0b7b", "0"},
      {"SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn 3"},
      {"FCALL", "w", "1", "k"},
      {"FCALL", "r", "1", "k"},
      {"FCALL", "rw", "1", "k"},
      {"FCALL", "s", "0"},
      {"FCALL", "sg", "1", "k"},
      {"FCALL", "o", "1", "k"},
      {"FCALL_RO", "w", "1", "k"},
      {"FCALL_RO", "r", "1", "k"},
      {"FCALL_RO", "s", "0"},
      {"FUNCTION", "LIST", "LIBRARYNAME", "nosuch"},
  };
}

struct Pair {
  reference::RealRedis redis;
  harness::Datanode node;
  bool ready() const { return redis.available; }
};

std::string sha1_of_script_load(rawresp::Conn& c, const std::string& body) {
  std::string r = c.command({"SCRIPT", "LOAD", body});
  // "$40\r\n<sha>\r\n"
  size_t nl = r.find("\r\n");
  return nl == std::string::npos ? "" : r.substr(nl + 2, 40);
}

// Runs the cases on both after `setup` (also on both), with EVALSHA of two loaded scripts added.
void expect_same(Pair& p, const Commands& setup, const std::string& scenario) {
  rawresp::Conn theirs(p.redis.port), ours(p.node.port);
  Commands cmds = setup;
  Commands cases = script_cases();
  cmds.insert(cmds.end(), cases.begin(), cases.end());
  for (const std::string& d : reference::differences_on(theirs, ours, cmds))
    ADD_FAILURE() << scenario << ": " << d;
  // EVALSHA of cached scripts: the same SHA on both sides.
  for (const std::string body : {"#!lua\nreturn redis.call('set','k','s')", "#!lua flags=no-writes\nreturn 3",
                                 "return redis.call('set','k','c')"}) {
    std::string sha = sha1_of_script_load(ours, body);
    ASSERT_EQ(sha, sha1_of_script_load(theirs, body));
    for (const std::string& d :
         reference::differences_on(theirs, ours, {{"EVALSHA", sha, "0"}, {"EVALSHA_RO", sha, "0"}}))
      ADD_FAILURE() << scenario << ": " << d;
  }
}

void load_library(Pair& p) {
  for (int port : {p.redis.port, p.node.port}) {
    rawresp::Conn c(port);
    ASSERT_EQ(c.command({"FUNCTION", "LOAD", kLibrary}), "$8\r\nflagslib\r\n") << port;
  }
}

}  // namespace

TEST(ScriptingFlags, MasterAndOutOfMemoryMatchRedis) {
  Pair p;
  if (!p.ready()) GTEST_SKIP() << "redis-server not installed";
  load_library(p);
  expect_same(p, {{"FLUSHALL"}}, "master");
  // Over maxmemory (noeviction): scripts that declare flags are deny-oom unless allow-oom or no-writes;
  // scripts without a shebang may run, but their first deny-oom command is refused.
  expect_same(p, {{"CONFIG", "SET", "maxmemory-policy", "noeviction"}, {"CONFIG", "SET", "maxmemory", "1"}},
              "over maxmemory");
  Commands oom_functions = {
      {"FUNCTION", "LOAD", "REPLACE", kLibrary},
      {"FUNCTION", "RESTORE", "garbage"},
      {"FUNCTION", "DELETE", "nosuch"},
      {"EVAL", "redis.call('get','k'); return redis.call('set','k','v')", "0"},
      {"EVAL", "redis.call('del','k'); return redis.call('set','k','v')", "0"},
      {"CONFIG", "SET", "maxmemory", "0"},
  };
  {
    rawresp::Conn theirs(p.redis.port), ours(p.node.port);
    for (const std::string& d : reference::differences_on(theirs, ours, oom_functions)) ADD_FAILURE() << d;
  }
  // min-replicas-to-write without replicas: -NOREPLICAS for scripts that may write, as for writes.
  expect_same(p, {{"CONFIG", "SET", "min-replicas-to-write", "1"}}, "no good replicas");
}

TEST(ScriptingFlags, ReadOnlyAndStaleReplicaMatchRedis) {
  Pair p;
  if (!p.ready()) GTEST_SKIP() << "redis-server not installed";
  load_library(p);
  int dead = harness::free_port();  // nobody listens: the link stays down
  expect_same(p, {{"SET", "k", "1"}, {"REPLICAOF", "127.0.0.1", std::to_string(dead)}}, "read-only replica");
  Commands functions = {
      {"FUNCTION", "LOAD", "REPLACE", kLibrary},
      {"FUNCTION", "DELETE", "flagslib"},
      {"FUNCTION", "FLUSH"},
      {"FUNCTION", "FLUSH", "ASYNC"},
      {"FUNCTION", "RESTORE", "garbage"},
      {"FUNCTION", "RESTORE", "garbage", "REPLACE"},
      {"FUNCTION", "LIST", "LIBRARYNAME", "nosuch"},
      {"SCRIPT", "LOAD", "return 9"},
  };
  {
    rawresp::Conn theirs(p.redis.port), ours(p.node.port);
    for (const std::string& d : reference::differences_on(theirs, ours, functions))
      ADD_FAILURE() << "read-only replica: " << d;
  }
  expect_same(p, {{"CONFIG", "SET", "replica-serve-stale-data", "no"}}, "stale replica");
  {
    rawresp::Conn theirs(p.redis.port), ours(p.node.port);
    for (const std::string& d : reference::differences_on(theirs, ours, functions))
      ADD_FAILURE() << "stale replica: " << d;
  }
  // A writable replica: scripts with writes run, the stale rules stay.
  expect_same(p, {{"CONFIG", "SET", "replica-read-only", "no"}}, "writable stale replica");
  expect_same(p, {{"CONFIG", "SET", "replica-serve-stale-data", "yes"}}, "writable replica");
}

namespace {

Commands cluster_cases() {
  return {
      {"EVAL", "#!lua flags=no-cluster\nreturn 1", "0"},
      {"EVAL", "#!lua flags=no-cluster,no-writes\nreturn 1", "0"},
      {"EVAL", "redis.call('set','a','1'); return redis.call('set','b','1')", "0"},
      {"EVAL", "#!lua\nredis.call('set','a','1'); return redis.call('set','b','1')", "0"},
      {"EVAL", "#!lua\nredis.call('set','a','1'); return redis.call('set','{a}b','1')", "0"},
      {"EVAL",
       "#!lua flags=allow-cross-slot-keys\nredis.call('set','a','1'); return redis.call('set','b','1')", "0"},
      {"EVAL", "#!lua\nreturn redis.call('get','b')", "1", "a"},
      {"EVAL", "#!lua\nreturn redis.call('get','{a}x')", "1", "a"},
      {"EVAL", "return redis.call('get','b')", "1", "a"},
      {"EVAL", "#!lua\nreturn redis.pcall('get','b')", "1", "a"},
      {"EVAL", "#!lua\nreturn redis.call('mset','a','1','b','2')", "0"},
      {"EVAL", "return redis.call('mset','a','1','b','2')", "0"},
      {"EVAL", "return 1", "2", "a", "b"},
      {"EVAL", "#!lua flags=allow-cross-slot-keys\nreturn redis.call('get','b')", "1", "a"},
      {"FCALL", "nc", "0"},
      {"FCALL", "x", "0"},
      {"FCALL", "xx", "0"},
  };
}

}  // namespace

TEST(ScriptingFlags, OneNodeClusterMatchesRedis) {
  if (clusterlab::redis_server_bin().empty()) GTEST_SKIP() << "redis-server not installed";
  clusterlab::OurNode ours;
  clusterlab::RedisNode redis;
  for (clusterlab::Node* n : std::vector<clusterlab::Node*>{&ours, &redis}) {
    auto c = n->client();
    c->command({"CLUSTER", "ADDSLOTSRANGE", "0", "16383"});
    ASSERT_TRUE(harness::eventually(
        [&] {
          return harness::info_field(c->command({"CLUSTER", "INFO"}).str, "cluster_state") == "ok";
        },
        20s))
        << n->name();
    rawresp::Conn raw(n->port);
    ASSERT_EQ(raw.command({"FUNCTION", "LOAD", kLibrary}), "$8\r\nflagslib\r\n") << n->name();
  }
  rawresp::Conn theirs(redis.port), mine(ours.port);
  for (const std::string& d : reference::differences_on(theirs, mine, cluster_cases())) ADD_FAILURE() << d;
}

namespace {

std::vector<std::string> memory_field_names(int port) {
  rawresp::Conn c(port);
  std::string info = c.command({"INFO", "memory"});
  std::vector<std::string> names;
  std::istringstream lines(info);
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    if (first) {  // the bulk header
      first = false;
      continue;
    }
    size_t colon = line.find(':');
    if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
    names.push_back(line.substr(0, colon));
  }
  return names;
}

}  // namespace

TEST(ScriptingFlags, InfoScriptingFieldsMatchRedis) {
  Pair p;
  if (!p.ready()) GTEST_SKIP() << "redis-server not installed";
  auto is_scripting = [](const std::string& n) {
    return n.find("lua") != std::string::npos || n.find("script") != std::string::npos ||
           n.find("function") != std::string::npos || n.find("_vm_") != std::string::npos ||
           n.find("libraries") != std::string::npos;
  };
  std::vector<std::string> theirs, mine;
  for (const std::string& n : memory_field_names(p.redis.port))
    if (is_scripting(n)) theirs.push_back(n);
  for (const std::string& n : memory_field_names(p.node.port))
    if (is_scripting(n)) mine.push_back(n);
  ASSERT_FALSE(theirs.empty());
  EXPECT_EQ(mine, theirs);

  // Real values: the counts follow SCRIPT LOAD / FUNCTION LOAD, the sizes grow with them.
  auto c = p.node.client();
  std::string scripts_before = harness::info_field(*c, "memory", "used_memory_scripts_eval");
  std::string vm_before = harness::info_field(*c, "memory", "used_memory_vm_functions");
  c->command({"SCRIPT", "LOAD", "return 'a fairly long script body to be counted'"});
  c->command({"FUNCTION", "LOAD", kLibrary});
  EXPECT_EQ(harness::info_field(*c, "memory", "number_of_cached_scripts"), "1");
  EXPECT_EQ(harness::info_field(*c, "memory", "number_of_functions"), "9");
  EXPECT_EQ(harness::info_field(*c, "memory", "number_of_libraries"), "1");
  EXPECT_GT(std::stoll(harness::info_field(*c, "memory", "used_memory_scripts_eval")),
            std::stoll(scripts_before));
  EXPECT_GT(std::stoll(harness::info_field(*c, "memory", "used_memory_vm_functions")), std::stoll(vm_before));
  EXPECT_GT(std::stoll(harness::info_field(*c, "memory", "used_memory_vm_eval")), 0);
  int64_t vm_total = std::stoll(harness::info_field(*c, "memory", "used_memory_vm_total"));
  EXPECT_EQ(vm_total, std::stoll(harness::info_field(*c, "memory", "used_memory_vm_eval")) +
                          std::stoll(harness::info_field(*c, "memory", "used_memory_vm_functions")));
  c->command({"SCRIPT", "FLUSH"});
  c->command({"FUNCTION", "FLUSH"});
  EXPECT_EQ(harness::info_field(*c, "memory", "number_of_cached_scripts"), "0");
  EXPECT_EQ(harness::info_field(*c, "memory", "number_of_functions"), "0");
  EXPECT_EQ(harness::info_field(*c, "memory", "number_of_libraries"), "0");
  EXPECT_EQ(harness::info_field(*c, "memory", "used_memory_functions"), "200");
  EXPECT_EQ(harness::info_field(*c, "memory", "used_memory_scripts_eval"), "0");
}
