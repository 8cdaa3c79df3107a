// A master stuck in a read-only script answers -BUSY; once subjectively down, the sentinels send it
// SCRIPT KILL (Redis Sentinel's rule). A failover that started before the kill goes on although the
// master answers again (Redis Sentinel does not abort it; ours did, "-failover-abort-master-back"), so
// the outcome is "killed and failed over". Run under our sentinels and under real redis-sentinels, over
// our datanodes, and the outcomes compared.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
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
  // Quorum 1: a sentinel's own SDOWN is ODOWN, and it starts the failover in that same tick, before the
  // next -BUSY reply makes it send SCRIPT KILL. With a larger quorum the outcome is a race between the
  // kill and the other sentinels' SDOWN (either sentinel keeps the master when the kill wins it).
  o.quorum = 1;
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
  // Not failed over: the sentinels' events say why (when each saw +sdown, +odown, +try-failover ...).
  for (auto& s : lab.sentinels) {
    std::ifstream log(s->dir.file("sentinel.log"));
    std::string line;
    while (std::getline(log, line))
      if (line.find("down") != std::string::npos || line.find("failover") != std::string::npos ||
          line.find("elected") != std::string::npos || line.find("vote") != std::string::npos)
        std::cerr << "sentinel " << s->port << ": " << line << "\n";
  }
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
