// EVAL, EVALSHA, EVAL_RO, SCRIPT against a real redis-server 7.0.15, byte for byte, in RESP2 and RESP3:
// conversions both ways, the sandbox's errors with their @user_script:N positions, shebang flags,
// read-only scripts, the bundled libraries (cjson, bit), and effects replication to the AOF.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

namespace {

using Commands = std::vector<std::vector<std::string>>;

Commands eval_commands() {
  return {
      {"FLUSHALL"},
      {"SCRIPT", "FLUSH"},
      {"EVAL", "return 1", "0"},
      {"EVAL", "return 'x'", "0"},
      {"EVAL", "return {1,2,3.7,'a',false,true,nil,5}", "0"},
      {"EVAL", "return {1,{2,{3,'x'}}}", "0"},
      {"EVAL", "return 3.99", "0"},
      {"EVAL", "return -3.99", "0"},
      {"EVAL", "return {err='My Err'}", "0"},
      {"EVAL", "return {err='multi\\nline'}", "0"},
      {"EVAL", "return redis.error_reply('XX y')", "0"},
      {"EVAL", "return redis.error_reply('-XX y')", "0"},
      {"EVAL", "return redis.error_reply('plain')", "0"},
      {"EVAL", "return redis.status_reply('fine')", "0"},
      {"EVAL", "return {ok='fine'}", "0"},
      {"EVAL", "return {double=3.5}", "0"},
      {"EVAL", "return {map={a=1}}", "0"},
      {"EVAL", "return {set={a=true}}", "0"},
      {"EVAL", "return {big_number='123456789012345678901234567890'}", "0"},
      {"EVAL", "return {verbatim_string={format='txt', string='hello'}}", "0"},
      {"EVAL", "return {true,false}", "0"},
      {"EVAL", "return nil", "0"},
      {"EVAL", "x=1", "0"},
      {"EVAL", "return y", "0"},
      {"EVAL", "string.foo = 1", "0"},
      {"EVAL", "redis.call = nil", "0"},
      {"EVAL", "os.exit()", "0"},
      {"EVAL", "return print", "0"},
      {"EVAL", "return dofile", "0"},
      {"EVAL", "return require", "0"},
      {"EVAL", "local t = {} ; t.a = 1 ; return t.a", "0"},
      {"EVAL", "return loadstring('return 1')()", "0"},
      {"EVAL", "redis.call('nosuch')", "0"},
      {"EVAL", "return redis.call('set','a')", "0"},
      {"EVAL", "return redis.pcall('incr','zz','b')", "0"},
      {"EVAL", "return redis.call()", "0"},
      {"EVAL", "return redis.call('get', {})", "0"},
      {"EVAL", "error('boom')", "0"},
      {"EVAL", "\n\nerror('on line three')", "0"},
      {"EVAL", "error({err='TABLED failure'})", "0"},
      {"EVAL", "return 1+", "0"},
      {"EVAL", "return redis.call('multi')", "0"},
      {"EVAL", "return redis.call('eval', 'return 1', '0')", "0"},
      {"EVAL", "return redis.call('set',KEYS[1],ARGV[1])", "1", "k", "v"},
      {"EVAL", "return redis.call('get',KEYS[1])", "1", "k"},
      {"EVAL", "return redis.call('get','missing')", "0"},
      {"EVAL", "return redis.call('lpush',KEYS[1],'x')", "1", "k"},
      {"EVAL", "return redis.pcall('lpush',KEYS[1],'x')", "1", "k"},
      {"EVAL", "local r = redis.pcall('lpush',KEYS[1],'x'); return r.err", "1", "k"},
      {"EVAL", "return redis.call('incrbyfloat','fl','1.5')", "0"},
      {"EVAL", "return redis.call('ping')", "0"},
      {"EVAL", "return redis.call('ping').ok", "0"},
      {"EVAL", "return redis.call('set', 'n', 3.25)", "0"},
      {"EVAL", "return redis.call('get', 'n')", "0"},
      {"EVAL", "return redis.call('blpop','nolist',0)", "0"},
      {"EVAL", "return pcall(function() error('x') end)", "0"},
      {"EVAL", "local ok, e = pcall(function() redis.call('nosuch') end); return e", "0"},
      {"EVAL", "local ok, e = pcall(error, {err='E1'}); return e", "0"},
      {"EVAL", "return #KEYS + #ARGV", "2", "a", "b", "c"},
      {"EVAL", "return ARGV", "0", "1", "2", "3"},
      {"EVAL", "return 1", "-1"},
      {"EVAL", "return 1", "5", "a"},
      {"EVAL", "return 1", "x"},
      {"EVAL", "return redis.sha1hex('abc')", "0"},
      {"EVAL", "return redis.sha1hex()", "0"},
      {"EVAL", "return redis.REDIS_VERSION", "0"},
      {"EVAL", "return redis.REDIS_VERSION_NUM", "0"},
      {"EVAL", "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}", "0"},
      {"EVAL", "redis.log(redis.LOG_DEBUG, 'quiet') return 1", "0"},
      {"EVAL", "redis.log(99, 'x')", "0"},
      {"EVAL", "redis.log(1)", "0"},
      {"EVAL", "return redis.breakpoint()", "0"},
      {"EVAL", "return redis.debug('x')", "0"},
      {"EVAL", "return redis.replicate_commands()", "0"},
      {"EVAL", "redis.set_repl(99)", "0"},
      {"EVAL",
       "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_REPLICA, redis.REPL_SLAVE, redis.REPL_ALL}", "0"},
      {"EVAL", "return redis.setresp(4)", "0"},
      {"EVAL", "redis.setresp(3); return redis.call('hgetall','nokey')", "0"},
      {"EVAL", "redis.setresp(3); redis.call('hset','h2','f','v'); return redis.call('hgetall','h2')", "0"},
      {"EVAL", "redis.setresp(3); redis.call('zadd','z','1.5','m'); return redis.call('zscore','z','m')",
       "0"},
      {"EVAL", "redis.setresp(3); return redis.call('zscore','z','m').double", "0"},
      {"EVAL", "redis.setresp(3); return {true,false}", "0"},
      {"EVAL", "redis.setresp(3); return redis.call('get','missing')", "0"},
      {"EVAL", "redis.setresp(3); redis.call('sadd','s1','only'); return redis.call('smembers','s1')", "0"},
      {"EVAL", "return redis.call('smembers','s1')", "0"},
      {"EVAL", "return cjson.encode({1,2,{a=1}})", "0"},
      {"EVAL", "return cjson.encode({a=0.1, b={}})", "0"},
      {"EVAL", "return cjson.decode('[1,2,{\"a\":3}]')[3].a", "0"},
      {"EVAL", "return cjson.decode('{\"x\":[true,null]}').x[1]", "0"},
      {"EVAL", "return cjson.decode('{bad')", "0"},
      {"EVAL", "return bit.band(7,3)", "0"},
      {"EVAL", "return {bit.bor(1,2), bit.bxor(5,1), bit.lshift(1,10), bit.rshift(256,4), bit.bnot(0)}", "0"},
      {"EVAL", "return bit.tohex(65535)", "0"},
      {"EVAL", "return tostring(math.random())", "0"},
      {"EVAL", "return math.random(10)", "0"},
      {"EVAL", "math.randomseed(7); return math.random(1, 100)", "0"},
      {"EVAL", "return string.format('%d-%s', 5, 'x')", "0"},
      {"EVAL", "return ('abc'):upper()", "0"},
      {"EVAL", "return table.concat({'a','b'}, ',')", "0"},
      {"EVAL_RO", "return redis.call('set','a','b')", "0"},
      {"EVAL_RO", "return redis.call('get','k')", "0"},
      {"EVAL", "#!lua flags=no-writes\nreturn redis.call('set','a','b')", "0"},
      {"EVAL", "#!lua flags=no-writes\nreturn redis.call('get','k')", "0"},
      {"EVAL", "#!lua\nreturn redis.call('set','a','b')", "0"},
      {"EVAL", "#!lua flags=allow-oom,allow-stale,allow-cross-slot-keys\nreturn 2", "0"},
      {"EVAL_RO", "#!lua\nreturn 1", "0"},
      {"EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"},
      {"EVAL", "#!lua flags=bogus\nreturn 1", "0"},
      {"EVAL", "#!python\nreturn 1", "0"},
      {"EVAL", "#!lua name=x\nreturn 1", "0"},
      {"EVAL", "#!lua", "0"},
      {"EVAL", "#!lua\n\nerror('line 3')", "0"},
      {"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"},
      {"EVALSHA", "abc", "0"},
      {"SCRIPT", "LOAD", "return 'loaded'"},
      {"SCRIPT", "LOAD", "return 1+"},
      {"EVALSHA", "6f2e77d7e2c1d45ae1e7d0ad4c3fc33e0b4ec3e9", "0"},
      {"SCRIPT", "EXISTS", "6f2e77d7e2c1d45ae1e7d0ad4c3fc33e0b4ec3e9",
       "0000000000000000000000000000000000000000"},
      {"EVAL_RO", "return 'cached'", "0"},
      {"EVALSHA_RO", "6f2e77d7e2c1d45ae1e7d0ad4c3fc33e0b4ec3e9", "0"},
      {"SCRIPT", "FLUSH", "ASYNC"},
      {"SCRIPT", "EXISTS", "6f2e77d7e2c1d45ae1e7d0ad4c3fc33e0b4ec3e9"},
      {"SCRIPT", "FLUSH", "SYNC"},
      {"SCRIPT", "FLUSH", "BAD"},
      {"SCRIPT", "EXISTS"},
      {"SCRIPT", "HELP"},
      {"SCRIPT", "FOO"},
      {"SCRIPT", "KILL"},
      {"SCRIPT", "LOAD"},
      {"EVAL"},
      {"EVALSHA", "x"},
  };
}

TEST(ScriptingEval, MatchesRedisInResp2AndResp3) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  for (int protocol : {2, 3}) {
    // The two servers start from the same math.random state only once: RESP3 runs on fresh ones.
    reference::RealRedis fresh_redis;
    harness::Datanode fresh_node;
    int rport = protocol == 2 ? redis.port : fresh_redis.port;
    int oport = protocol == 2 ? node.port : fresh_node.port;
    for (const std::string& d : reference::differences_in(protocol, rport, oport, eval_commands()))
      ADD_FAILURE() << "RESP" << protocol << ": " << d;
  }
}

TEST(ScriptingEval, MultiWatchAndTransactions) {
  reference::RealRedis redis;
  if (!redis.available) GTEST_SKIP() << "redis-server not installed";
  harness::Datanode node;
  auto diffs = reference::differences(redis.port, node.port,
                                      {{"MULTI"},
                                       {"EVAL", "return redis.call('incr', KEYS[1])", "1", "c"},
                                       {"EVAL", "return redis.call('incr', KEYS[1])", "1", "c"},
                                       {"EXEC"},
                                       {"WATCH", "w"},
                                       {"EVAL", "return redis.call('set', 'w', '1')", "0"},
                                       {"MULTI"},
                                       {"GET", "w"},
                                       {"EXEC"},
                                       {"MULTI"},
                                       {"EVAL", "return 1"},
                                       {"EXEC"}});
  for (const auto& d : diffs) ADD_FAILURE() << d;
}

TEST(ScriptingEval, WritesReachTheAofAsMultiExec) {
  harness::Datanode node("appendonly = true\nappendfsync = \"always\"\n");
  auto c = node.client();
  c->command({"EVAL", "redis.call('set', KEYS[1], 'a'); redis.call('incr', 'n'); return 1", "1", "k"});
  c->command({"EVAL", "return redis.call('get', 'k')", "0"});
  c->command({"EVAL", "redis.set_repl(redis.REPL_NONE); redis.call('set', 'hidden', '1'); return 1", "0"});
  // The AOF holds the effects (never the EVAL), so it replays the same on restart.
  std::string aof = harness::run("cat " + node.dir.file("appendonly.aof"));
  EXPECT_NE(aof.find("MULTI"), std::string::npos) << aof;
  EXPECT_NE(aof.find("incr"), std::string::npos) << aof;
  EXPECT_EQ(aof.find("EVAL"), std::string::npos) << aof;
  EXPECT_EQ(aof.find("hidden"), std::string::npos) << aof;
  node.restart();
  auto c2 = node.client();
  EXPECT_EQ(c2->command({"GET", "k"}).str, "a");
  EXPECT_EQ(c2->command({"GET", "n"}).str, "1");
}

}  // namespace
