// FUNCTION and FCALL against a real redis-server 7.0.15 (RESP2 and RESP3), FUNCTION DUMP payloads
// crossing both ways, the bundled struct/cmsgpack libraries, library-style workloads driven by
// python3-redis (Lock, register_script rate limiter, function_load queue), and busy scripts (-BUSY to
// others, SCRIPT KILL, FUNCTION KILL, UNKILLABLE, SHUTDOWN NOSAVE).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

namespace {

using Commands = std::vector<std::vector<std::string>>;

const char* kLib =
    "#!lua name=mylib\n"
    "redis.register_function('hello', function(keys, args) return 'hi ' .. (args[1] or '') end)\n"
    "redis.register_function{function_name='getter', callback=function(keys) return redis.call('get', "
    "keys[1]) end,"
    " flags={'no-writes'}, description='reads a key'}\n"
    "redis.register_function('setter', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n"
    "redis.register_function('failing', function() error('deliberate') end)\n";

const char* kSolo =
    "#!lua name=solo\n"
    "redis.register_function{function_name='solo_fn', callback=function() return redis.call('ping') end,"
    " flags={'no-writes', 'allow-stale'}, description='only one'}\n";

Commands function_commands() {
  return {
      {"FUNCTION", "FLUSH"},
      {"FUNCTION", "LOAD", kLib},
      {"FUNCTION", "LOAD", kLib},
      // Redis lists libraries and functions in hash order: the listings compare one-function libraries.
      {"FUNCTION", "LOAD", kSolo},
      {"FUNCTION", "LIST", "LIBRARYNAME", "so*"},
      {"FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "solo"},
      {"FUNCTION", "LIST", "LIBRARYNAME", "zz*"},
      {"FCALL", "solo_fn", "0"},
      {"FCALL_RO", "solo_fn", "0"},
      {"FUNCTION", "LIST", "LIBRARYNAME"},
      {"FUNCTION", "LIST", "BOGUS"},
      {"FCALL", "hello", "0", "world"},
      {"FCALL", "setter", "1", "fk", "fv"},
      {"FCALL", "getter", "1", "fk"},
      {"FCALL_RO", "getter", "1", "fk"},
      {"FCALL_RO", "setter", "1", "fk", "x"},
      {"FCALL", "failing", "0"},
      {"FCALL", "nosuch", "0"},
      {"FCALL", "hello", "x"},
      {"FCALL", "hello", "-1"},
      {"FCALL", "hello", "3", "a"},
      {"FUNCTION", "LOAD", "REPLACE", kLib},
      {"FUNCTION", "LOAD", "return 1"},
      {"FUNCTION", "LOAD", "#!lua\nreturn 1"},
      {"FUNCTION", "LOAD", "#!lua name=bad-name\nreturn 1"},
      {"FUNCTION", "LOAD", "#!js name=x\nreturn 1"},
      {"FUNCTION", "LOAD", "#!lua name=x foo=bar\nreturn 1"},
      {"FUNCTION", "LOAD", "#!lua name=empty\nlocal a = 1"},
      {"FUNCTION", "LOAD", "#!lua name=broken\nreturn 1+"},
      {"FUNCTION", "LOAD", "#!lua name=clash\nredis.register_function('hello', function() return 1 end)"},
      {"FUNCTION", "LOAD",
       "#!lua name=twice\nredis.register_function('a1', function() end)\n"
       "redis.register_function('a1', function() end)"},
      {"FUNCTION", "LOAD", "#!lua name=args\nredis.register_function('x')"},
      {"FUNCTION", "LOAD", "#!lua name=args\nredis.register_function{function_name='x'}"},
      {"FUNCTION", "LOAD",
       "#!lua name=args\nredis.register_function{function_name='x', callback=function() end,"
       " flags={'bogus'}}"},
      {"FUNCTION", "LOAD",
       "#!lua name=args\nredis.register_function{function_name='x', callback=function() end,"
       " other=1}"},
      {"FUNCTION", "LOAD", "#!lua name=calls\nredis.call('ping')"},
      {"FUNCTION", "LOAD", "#!lua name=glob\nx = 1"},
      {"FUNCTION", "LOAD", "REPLACE"},
      {"FUNCTION", "LOAD", "BOGUS", kLib},
      {"FUNCTION", "STATS"},
      {"FUNCTION", "KILL"},
      {"FUNCTION", "DELETE", "nosuch"},
      {"FUNCTION", "DELETE", "mylib"},
      {"FUNCTION", "LIST"},
      {"FUNCTION", "FLUSH", "BAD"},
      {"FUNCTION", "FLUSH", "ASYNC"},
      {"FUNCTION", "RESTORE", "garbage"},
      {"FUNCTION", "RESTORE", "x", "BADPOLICY"},
      {"FUNCTION", "HELP"},
      {"FUNCTION", "BOGUS"},
      {"FUNCTION", "DUMP"},
  };
}

TEST(ScriptingFunctions, MatchesRedisInResp2AndResp3) {
  for (int protocol : {2, 3}) {
    reference::RealRedis redis;
    if (!redis.available) GTEST_SKIP() << "redis-server not installed";
    harness::Datanode node;
    for (const std::string& d :
         reference::differences_in(protocol, redis.port, node.port, function_commands()))
      ADD_FAILURE() << "RESP" << protocol << ": " << d;
  }
}

TEST(ScriptingFunctions, DumpPayloadsCrossBothWays) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  harness::Client r(redis.port), o(node.port);
  ASSERT_EQ(r.command({"FUNCTION", "LOAD", kLib}).str, "mylib");
  harness::Reply dump = r.command({"FUNCTION", "DUMP"});
  ASSERT_FALSE(dump.str.empty());
  EXPECT_EQ(o.command({"FUNCTION", "RESTORE", dump.str}).str, "OK");
  EXPECT_EQ(o.command({"FCALL", "hello", "0", "x"}).str, "hi x");
  EXPECT_EQ(o.command({"FUNCTION", "RESTORE", dump.str}).str, "ERR Library mylib already exists");
  EXPECT_EQ(o.command({"FUNCTION", "RESTORE", dump.str, "REPLACE"}).str, "OK");
  ASSERT_EQ(o.command({"FUNCTION", "LOAD",
                       "#!lua name=ours\nredis.register_function('mine', function() return 7 end)"})
                .str,
            "ours");
  harness::Reply our_dump = o.command({"FUNCTION", "DUMP"});
  EXPECT_EQ(r.command({"FUNCTION", "RESTORE", our_dump.str, "FLUSH"}).str, "OK");
  EXPECT_EQ(r.command({"FCALL", "mine", "0"}).integer, 7);
  EXPECT_EQ(r.command({"FCALL", "hello", "0", "y"}).str, "hi y");
}

TEST(ScriptingFunctions, StructAndCmsgpackMatchRedis) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  Commands cmds = {
      {"EVAL", "return struct.pack('>I', 5)", "0"},
      {"EVAL", "return struct.pack('<hHbBi2', -2, 65535, -1, 255, 300)", "0"},
      {"EVAL", "return {struct.unpack('>I', struct.pack('>I', 123456))}", "0"},
      {"EVAL", "return {struct.unpack('<i4s', struct.pack('<i4s', -7, 'abc'))}", "0"},
      {"EVAL", "return struct.size('>iIhd')", "0"},
      {"EVAL", "return struct.pack('c3', 'abcdef')", "0"},
      {"EVAL", "return {struct.unpack('Bc0', struct.pack('B', 3) .. 'xyz')}", "0"},
      {"EVAL", "return tostring(struct.unpack('>d', struct.pack('>d', 1.5)))", "0"},
      {"EVAL", "return struct.pack('q', 1)", "0"},
      {"EVAL", "return cmsgpack.pack({1,2,3})", "0"},
      {"EVAL", "return cmsgpack.pack({a=1})", "0"},
      {"EVAL",
       "return cmsgpack.pack(1, -1, 200, -200, 70000, -70000, 5000000000, 1.5, 0.1, true, false, 'hi')", "0"},
      {"EVAL", "return cmsgpack.pack(string.rep('x', 40), string.rep('y', 300))", "0"},
      {"EVAL", "return cmsgpack.pack({})", "0"},
      {"EVAL", "return cmsgpack.unpack(cmsgpack.pack({1,2,{3,'x'}}))", "0"},
      {"EVAL", "return cmsgpack.unpack(cmsgpack.pack({k='v'})).k", "0"},
      {"EVAL", "return {cmsgpack.unpack(cmsgpack.pack(1, 2, 3))}", "0"},
      {"EVAL", "return {cmsgpack.unpack_one(cmsgpack.pack(10, 20))}", "0"},
      {"EVAL", "return {cmsgpack.unpack_limit(cmsgpack.pack(10, 20, 30), 2)}", "0"},
      {"EVAL", "return cmsgpack.unpack('\\196')", "0"},
      {"EVAL", "return cjson.decode(cjson.encode({n=cmsgpack.unpack(cmsgpack.pack(42))})).n", "0"},
  };
  for (int protocol : {2, 3})
    for (const std::string& d : reference::differences_in(protocol, redis.port, node.port, cmds))
      ADD_FAILURE() << "RESP" << protocol << ": " << d;
}

bool have_python_redis() {
  int status = -1;
  harness::run("/usr/bin/python3 -c 'import redis' 2>/dev/null", &status);
  return status == 0;
}

TEST(ScriptingFunctions, PythonRedisLockRateLimiterAndQueue) {
  if (!have_python_redis()) GTEST_SKIP() << "python3-redis not installed";
  harness::Datanode node;
  harness::TempDir dir;
  dir.write("workload.py", R"PY(
import sys, time, redis
from redis.lock import Lock
r = redis.Redis(port=int(sys.argv[1]))
# Redlock-style lock: SET NX PX to take it, python-redis' Lua scripts to release and extend it.
lock = Lock(r, 'res', timeout=5)
assert lock.acquire(blocking=False)
other = Lock(r, 'res', timeout=5)
assert not other.acquire(blocking=False)
lock.extend(2)
lock.release()
assert other.acquire(blocking=False)
other.release()
try:
    lock.release()
    raise SystemExit('released a lock it did not hold')
except redis.exceptions.LockError:
    pass
# Sliding-window rate limiter in Lua through register_script (EVALSHA, then EVAL after SCRIPT FLUSH).
limiter = r.register_script("""
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then return 0 end
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, window)
return 1
""")
allowed = [limiter(keys=['rl'], args=[1000 + i, 100, 3, 'req%d' % i]) for i in range(5)]
assert allowed == [1, 1, 1, 0, 0], allowed
assert limiter(keys=['rl'], args=[1200, 100, 3, 'late']) == 1
r.script_flush()
assert limiter(keys=['rl'], args=[1201, 100, 3, 'again']) == 1
# A queue as a FUNCTION library.
r.function_load("""#!lua name=queue
redis.register_function('q_push', function(keys, args) return redis.call('RPUSH', keys[1], unpack(args)) end)
redis.register_function{function_name='q_pop', callback=function(keys)
  local v = redis.call('LPOP', keys[1])
  if v then redis.call('INCR', keys[1] .. ':served') end
  return v
end}
redis.register_function{function_name='q_len', callback=function(keys) return redis.call('LLEN', keys[1]) end,
  flags={'no-writes'}}
""", replace=True)
assert r.fcall('q_push', 1, 'jobs', 'a', 'b', 'c') == 3
assert r.fcall_ro('q_len', 1, 'jobs') == 3
assert r.fcall('q_pop', 1, 'jobs') == b'a'
assert r.fcall('q_pop', 1, 'jobs') == b'b'
assert r.get('jobs:served') == b'2'
libs = r.function_list()
assert b'queue' in libs[0] or 'queue' in libs[0], libs
print('ok')
)PY");
  int status = -1;
  std::string out = harness::run(
      "/usr/bin/python3 " + dir.file("workload.py") + " " + std::to_string(node.port) + " 2>&1", &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out, "ok\n");
}

// Starts a script that spins for `ms` on its own connection (the reply is read by the caller later).
void start_spin(rawresp::Conn& c, const std::string& body) { c.send({"EVAL", body, "0"}); }

TEST(ScriptingBusy, OthersGetBusyAndScriptKillRecovers) {
  harness::Datanode node("busy-reply-threshold = 100\n");
  rawresp::Conn runner(node.port, 20000), other(node.port);
  start_spin(runner, "local i = 0 while true do i = i + 1 end");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(other.command({"GET", "x"}),
            "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n");
  EXPECT_EQ(other.command({"FUNCTION", "KILL"}),
            "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n");
  EXPECT_EQ(other.command({"SCRIPT", "KILL"}), "+OK\r\n");
  std::string reply = runner.read_reply();
  EXPECT_EQ(reply.rfind("-ERR Script killed by user with SCRIPT KILL...", 0), 0u) << reply;
  EXPECT_EQ(other.command({"PING"}), "+PONG\r\n");
  EXPECT_EQ(runner.command({"PING"}), "+PONG\r\n");
  EXPECT_EQ(other.command({"SCRIPT", "KILL"}), "-NOTBUSY No scripts in execution right now.\r\n");
}

TEST(ScriptingBusy, ScriptThatWroteIsUnkillableAndShutdownNosaveWorks) {
  harness::Datanode node("busy-reply-threshold = 100\n");
  rawresp::Conn runner(node.port, 20000), other(node.port);
  start_spin(runner, "redis.call('set', 'w', '1') local i = 0 while true do i = i + 1 end");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  std::string kill = other.command({"SCRIPT", "KILL"});
  EXPECT_EQ(kill.rfind("-UNKILLABLE Sorry the script already executed write commands", 0), 0u) << kill;
  EXPECT_EQ(other.command({"SHUTDOWN"}),
            "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n");
  other.send({"SHUTDOWN", "NOSAVE"});
  EXPECT_GE(node.process.wait(std::chrono::seconds(10)), 0);
}

TEST(ScriptingBusy, FunctionKillStopsABusyFunction) {
  harness::Datanode node("busy-reply-threshold = 100\n");
  harness::Client setup(node.port);
  ASSERT_EQ(
      setup
          .command({"FUNCTION", "LOAD",
                    "#!lua name=spin\nredis.register_function{function_name='spin', callback=function() "
                    "local i = 0 while true do i = i + 1 end end, flags={'no-writes'}}"})
          .str,
      "spin");
  rawresp::Conn runner(node.port, 20000), other(node.port);
  runner.send({"FCALL", "spin", "0"});
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(other.command({"GET", "x"}),
            "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n");
  EXPECT_EQ(other.command({"FUNCTION", "KILL"}), "+OK\r\n");
  std::string reply = runner.read_reply();
  EXPECT_EQ(reply.rfind("-ERR Script killed by user with SCRIPT KILL...", 0), 0u) << reply;
}

}  // namespace

namespace {

const char* kPersisted =
    "#!lua name=kept\nredis.register_function{function_name='kept_fn', callback=function() return 'still "
    "here' end, "
    "flags={'no-writes'}}";

}  // namespace

TEST(ScriptingFunctionsPersistence, SnapshotAofAndReplicasKeepLibraries) {
  // RDB: SAVE, restart, the library is back.
  {
    harness::Datanode node;
    harness::Client c(node.port);
    ASSERT_EQ(c.command({"FUNCTION", "LOAD", kPersisted}).str, "kept");
    ASSERT_EQ(c.command({"SAVE"}).str, "OK");
    node.restart();
    harness::Client c2(node.port);
    EXPECT_EQ(c2.command({"FCALL", "kept_fn", "0"}).str, "still here");
  }
  // AOF: FUNCTION LOAD is in the log and replays; a rewrite keeps it.
  {
    harness::Datanode node("appendonly = true\nappendfsync = \"always\"\n");
    harness::Client c(node.port);
    ASSERT_EQ(c.command({"FUNCTION", "LOAD", kPersisted}).str, "kept");
    node.restart();
    harness::Client c2(node.port);
    EXPECT_EQ(c2.command({"FCALL", "kept_fn", "0"}).str, "still here");
    c2.command({"BGREWRITEAOF"});
    std::this_thread::sleep_for(std::chrono::seconds(2));
    node.restart();
    harness::Client c3(node.port);
    EXPECT_EQ(c3.command({"FCALL", "kept_fn", "0"}).str, "still here");
  }
  // Replication: a full sync carries the libraries, later loads stream to the replica.
  {
    harness::Datanode master;
    harness::Client m(master.port);
    ASSERT_EQ(m.command({"FUNCTION", "LOAD", kPersisted}).str, "kept");
    harness::Datanode replica("replicaof = \"127.0.0.1 " + std::to_string(master.port) + "\"\n");
    harness::Client r(replica.port);
    EXPECT_TRUE(harness::eventually(
        [&] {
          return r.command({"FCALL_RO", "kept_fn", "0"}).str == "still here";
        },
        std::chrono::seconds(10)));
    ASSERT_EQ(m.command({"FUNCTION", "LOAD",
                         "#!lua name=later\nredis.register_function{function_name='later_fn', "
                         "callback=function() return 2 end, flags={'no-writes'}}"})
                  .str,
              "later");
    EXPECT_TRUE(harness::eventually(
        [&] {
          return r.command({"FCALL_RO", "later_fn", "0"}).integer == 2;
        },
        std::chrono::seconds(10)));
  }
}
