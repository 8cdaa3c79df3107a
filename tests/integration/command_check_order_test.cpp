// The order of the dispatcher's refusals, next to redis-server 7.0.15: a command that two checks would
// refuse gets the error of the one Redis' processCommand checks first (-OOM before -MISCONF, -READONLY,
// the Pub/Sub context and -MASTERDOWN; "not allowed inside a transaction" before -NOPERM; -MISCONF
// before -READONLY and -MASTERDOWN ...).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "harness.h"
#include "reference_redis.h"

namespace {

using harness::Datanode;
using namespace std::chrono_literals;

void report(const std::vector<std::string>& diffs) {
  for (const auto& d : diffs) ADD_FAILURE() << d;
}

// A BGSAVE that fails on both: a non-empty directory stands where dump.rdb would be renamed to (root
// included, rename(2) cannot replace it). Returns once both report the failure.
bool fail_bgsave(rawresp::Conn& theirs, rawresp::Conn& ours, const std::string& redis_dir,
                 const std::string& our_dir) {
  for (const std::string& dir : {redis_dir, our_dir}) {
    mkdir((dir + "/dump.rdb").c_str(), 0755);
    std::ofstream(dir + "/dump.rdb/keep") << "x";
  }
  for (rawresp::Conn* c : {&theirs, &ours}) {
    c->command({"CONFIG", "SET", "save", "3600 1"});
    c->command({"BGSAVE"});
  }
  return harness::eventually(
      [&] {
        for (rawresp::Conn* c : {&theirs, &ours}) {
          std::string info = c->command({"INFO", "persistence"});
          if (info.find("rdb_bgsave_in_progress:0") == std::string::npos ||
              info.find("rdb_last_bgsave_status:err") == std::string::npos)
            return false;
        }
        return true;
      },
      20s);
}

TEST(CommandCheckOrder, OomComesBeforeMisconfReadonlyAndMasterdown) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  rawresp::Conn theirs(redis.port), ours(node.port);
  ASSERT_TRUE(fail_bgsave(theirs, ours, redis.dir.path(), node.dir.path()));
  report(reference::differences_on(theirs, ours,
                                   {{"SET", "k", "v"},  // -MISCONF alone
                                    {"PING"},
                                    {"CONFIG", "SET", "min-replicas-to-write", "1"},
                                    {"SET", "k", "v"},  // -MISCONF and -NOREPLICAS: -MISCONF
                                    {"CONFIG", "SET", "min-replicas-to-write", "0"},
                                    {"CONFIG", "SET", "maxmemory", "1"},
                                    {"SET", "k", "v"},  // -OOM and -MISCONF: -OOM
                                    {"APPEND", "k", "v"},
                                    {"DEL", "k"},  // not deny-oom: -MISCONF
                                    {"PING"},      // -MISCONF
                                    {"GET", "k"},  // neither
                                    {"MULTI"},
                                    {"DEL", "k"},  // queued while out of memory: -OOM, not -MISCONF
                                    {"EXEC"},
                                    {"CONFIG", "SET", "maxmemory", "0"},
                                    {"MULTI"},
                                    {"DEL", "k"},  // queued: the write guards refuse it (-MISCONF)
                                    {"EXEC"}}));
  // A replica of a master that is down, refusing stale reads: -MISCONF before -READONLY before
  // -MASTERDOWN. The OOM check is off on a replica (replica-ignore-maxmemory), as in Redis.
  int dead_port = harness::free_port();
  report(reference::differences_on(theirs, ours,
                                   {{"CONFIG", "SET", "replica-serve-stale-data", "no"},
                                    {"REPLICAOF", "127.0.0.1", std::to_string(dead_port)},
                                    {"SET", "k", "v"},  // -MISCONF, -READONLY, -MASTERDOWN: -MISCONF
                                    {"PING"},
                                    {"GET", "k"},  // -MASTERDOWN
                                    {"CONFIG", "SET", "maxmemory", "1"},
                                    {"SET", "k", "v"},
                                    {"CONFIG", "SET", "maxmemory", "0"},
                                    {"CONFIG", "SET", "save", ""},  // no save points: no -MISCONF
                                    {"SET", "k", "v"},              // -READONLY and -MASTERDOWN: -READONLY
                                    {"INCR", "n"},
                                    {"GET", "k"},
                                    {"REPLICAOF", "NO", "ONE"},
                                    {"SET", "k", "v"}}));
}

TEST(CommandCheckOrder, OomComesBeforeThePubSubContextAndNoMultiBeforeAcl) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  {
    // A RESP2 subscriber out of memory: -OOM for a deny-oom command, the context error for the rest.
    rawresp::Conn admin_theirs(redis.port), admin_ours(node.port);
    rawresp::Conn theirs(redis.port), ours(node.port);
    report(reference::differences_on(theirs, ours, {{"SUBSCRIBE", "ch"}}));
    report(reference::differences_on(admin_theirs, admin_ours, {{"CONFIG", "SET", "maxmemory", "1"}}));
    report(reference::differences_on(theirs, ours, {{"SET", "k", "v"}, {"GET", "k"}, {"PING"}}));
    report(reference::differences_on(admin_theirs, admin_ours, {{"CONFIG", "SET", "maxmemory", "0"}}));
    report(reference::differences_on(theirs, ours, {{"SET", "k", "v"}}));
  }
  // A user who may not SAVE: inside MULTI the transaction's refusal comes first, and NOAUTH before both;
  // an unknown command or a wrong arity before NOAUTH.
  rawresp::Conn theirs(redis.port), ours(node.port);
  report(reference::differences_on(
      theirs, ours,
      {{"ACL", "SETUSER", "alice", "on", ">pw", "+multi", "+exec", "+discard", "+get", "+auth", "~*"},
       {"CONFIG", "SET", "requirepass", "secret"}}));
  rawresp::Conn t2(redis.port), o2(node.port);
  report(reference::differences_on(t2, o2,
                                   {{"NOSUCHCOMMAND", "x"},
                                    {"GET"},
                                    {"SAVE"},
                                    {"GET", "k"},
                                    {"AUTH", "alice", "pw"},
                                    {"SAVE"},  // -NOPERM
                                    {"MULTI"},
                                    {"SAVE"},           // not allowed in a transaction, and not permitted
                                    {"SET", "k", "v"},  // -NOPERM
                                    {"GET", "k"},
                                    {"EXEC"}}));
}

// A container's subcommand is resolved before the command is queued: an unknown one or a wrong arity
// refuses it at once and makes EXEC fail, as an unknown command does.
TEST(CommandCheckOrder, SubcommandsAreCheckedBeforeQueueing) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  rawresp::Conn theirs(redis.port), ours(node.port);
  report(reference::differences_on(theirs, ours,
                                   {{"MULTI"},
                                    {"SET", "k", "v"},
                                    {"CLIENT", "NOSUCH"},
                                    {"EXEC"},
                                    {"MULTI"},
                                    {"OBJECT", "ENCODING"},
                                    {"CONFIG", "GET"},
                                    {"EXEC"},
                                    {"MULTI"},
                                    {"CONFIG", "GET", "maxmemory"},
                                    {"OBJECT", "ENCODING", "k"},
                                    {"EXEC"},
                                    {"GET", "k"}}));
}

// While a script is busy, -BUSY is the last check: a command another check refuses gets that check's
// error (unknown command, arity, the Pub/Sub context), and -OOM is not looked at (no eviction while the
// script yields to the loop).
TEST(CommandCheckOrder, BusyComesLast) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  Datanode node;
  auto replies = [](int port) {
    rawresp::Conn admin(port), runner(port, 20000), subscriber(port);
    admin.command({"CONFIG", "SET", "busy-reply-threshold", "100"});
    subscriber.command({"SUBSCRIBE", "ch"});
    admin.command({"CONFIG", "SET", "maxmemory", "1"});
    runner.send({"EVAL", "local i = 0 while true do i = i + 1 end", "0"});
    std::this_thread::sleep_for(400ms);
    std::vector<std::string> out;
    for (const std::vector<std::string>& cmd : std::vector<std::vector<std::string>>{
             {"SET", "k", "v"}, {"NOSUCHCOMMAND"}, {"GET"}, {"CLIENT", "NOSUCH"}, {"CONFIG", "GET", "x"}})
      out.push_back(admin.command(cmd));
    out.push_back(subscriber.command({"GET", "k"}));
    out.push_back(subscriber.command({"PING"}));
    out.push_back(admin.command({"SCRIPT", "KILL"}));
    out.push_back(runner.read_reply());
    out.push_back(admin.command({"CONFIG", "SET", "maxmemory", "0"}));
    return out;
  };
  std::vector<std::string> theirs = replies(redis.port), ours = replies(node.port);
  ASSERT_EQ(theirs.size(), ours.size());
  for (size_t i = 0; i < theirs.size(); ++i) EXPECT_EQ(ours[i], theirs[i]) << "reply " << i;
}

}  // namespace
