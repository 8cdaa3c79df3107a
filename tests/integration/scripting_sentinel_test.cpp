// A master stuck in a read-only script answers -BUSY; once subjectively down, the sentinels send it
// SCRIPT KILL (Redis Sentinel's rule). ODOWN and the failover start while the killed master's next PONG
// is still a ping period away, and Redis Sentinel does not abort a started failover when the master
// answers again, so the outcome is "killed and failed over". Run under our sentinels and under real
// redis-sentinels, over our datanodes, and the outcomes compared.
#include <gtest/gtest.h>

#include <thread>

#include "raw_resp.h"
#include "sentinel_lab.h"

using namespace sentinel_lab;

namespace {

// "killed and kept" or "failed over", with what the script's caller got.
std::string stuck_master_outcome(int real_sentinels) {
  Options o;
  o.kind = DataKind::kDatanode;
  o.real_sentinels = real_sentinels;
  o.down_after = 1000;
  o.failover_timeout = 60000;
  Lab lab(o);
  if (!lab.discovered()) return "sentinels never discovered the lab";
  auto admin = lab.master->client();
  admin->command({"CONFIG", "SET", "busy-reply-threshold", "100"});
  rawresp::Conn runner(lab.master->port, 30000);
  runner.send({"EVAL", "local i = 0 while true do i = i + 1 end", "0"});
  // The script runs until a sentinel kills it: SDOWN after 1 s of -BUSY, then SCRIPT KILL.
  std::string reply = runner.read_reply();
  std::string outcome =
      reply.rfind("-ERR Script killed by user with SCRIPT KILL...", 0) == 0 ? "killed" : "not killed";
  // Failed over: every sentinel names one of the replicas. Kept: they still name the master after that.
  auto agree_on_a_replica = [&] {
    for (auto& r : lab.replicas)
      if (lab.all_agree(r->port, 0ms)) return true;
    return false;
  };
  if (harness::eventually(agree_on_a_replica, 15s)) return outcome + " and failed over";
  if (lab.all_agree(lab.master->port, 1s)) return outcome + " and kept";
  return outcome + " and undecided";
}

}  // namespace

TEST(ScriptingSentinel, BusyMasterGetsScriptKillFromOurSentinels) {
  EXPECT_EQ(stuck_master_outcome(0), "killed and failed over");
}

TEST(ScriptingSentinel, RealRedisSentinelsAlsoKillTheScript) {
  if (!harness::have_program("redis-sentinel")) GTEST_SKIP() << "redis-sentinel not installed";
  EXPECT_EQ(stuck_master_outcome(3), "killed and failed over");
}
