// A master stuck in a read-only script answers -BUSY; once subjectively down, the sentinels send it
// SCRIPT KILL (Redis Sentinel's rule) and it stays the master. Run under our sentinels and under real
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
  std::this_thread::sleep_for(3s);
  bool kept = lab.all_agree(lab.master->port, 5s);
  return outcome + (kept ? " and kept" : " and failed over");
}

}  // namespace

TEST(ScriptingSentinel, BusyMasterGetsScriptKillFromOurSentinels) {
  EXPECT_EQ(stuck_master_outcome(0), "killed and kept");
}

TEST(ScriptingSentinel, RealRedisSentinelsAlsoKillTheScript) {
  if (!harness::have_program("redis-sentinel")) GTEST_SKIP() << "redis-sentinel not installed";
  // Real redis-sentinel 7.0 kills the script too; in this lab it has usually reached ODOWN and started a
  // failover by then ("killed and failed over") where ours keep the master: an open difference of timing
  // (when the kill goes out against when ODOWN is reached), so only the kill is asserted here.
  std::string outcome = stuck_master_outcome(3);
  EXPECT_EQ(outcome.rfind("killed", 0), 0u) << outcome;
}
