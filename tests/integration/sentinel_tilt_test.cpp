// TILT: our sentinel measures the time between its ticks on the monotonic clock, so a process stall
// (SIGSTOP, a paused VM) longer than TILT-TRIGGER (2 s) puts it in TILT (+tilt, no SDOWN/ODOWN/failover
// for TILT-PERIOD = 30 s, then -tilt), while a step of the wall clock (NTP, `date -s`) does nothing.
// Real redis-sentinel measures it on the wall clock, so the same step puts it in TILT: the comparison is
// printed on stdout. Wall-clock steps are made per process by the LD_PRELOAD shim tests/fault/clockshift.c.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>

#include "sentinel_lab.h"

using namespace sentinel_lab;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t kHourMs = 3600 * 1000;

// Starts `s` (config already written) under the clock shim; its offset file starts absent (offset 0).
void start_shifted(SentinelNode& s) {
  // An ASan build of ours insists on its runtime coming first; the shim is not instrumented, so it may not.
  // Added to the options the test runs with, not in their place.
  const char* asan_options = std::getenv("ASAN_OPTIONS");
  std::vector<std::string> args = {
      std::string("LD_PRELOAD=") + CLOCKSHIFT_LIB, "CLOCKSHIFT_FILE=" + s.dir.file("clock_offset_ms"),
      std::string("ASAN_OPTIONS=") + (asan_options ? std::string(asan_options) + ":" : "") + "verify_asan_link_order=0"};
  if (s.real) {
    args.insert(args.end(), {"/usr/bin/redis-sentinel", s.config_path()});
  } else {
    args.insert(args.end(), {SENTINEL_BIN, "--config", s.config_path()});
  }
  s.proc = harness::Process("/usr/bin/env", args, s.dir.file("sentinel.log"));
  ASSERT_TRUE(harness::wait_for_port(s.port, 20s)) << s.dir.read("sentinel.log");
}

// Sets the wall-clock offset of `s`; written then renamed so the shim never reads half a file.
void set_offset(SentinelNode& s, int64_t ms) {
  s.dir.write("clock_offset_ms.tmp", std::to_string(ms) + "\n");
  std::filesystem::rename(s.dir.file("clock_offset_ms.tmp"), s.dir.file("clock_offset_ms"));
}

std::string info_sentinel_field(const SentinelNode& s, const std::string& key) {
  harness::Reply r = s.cmd({"INFO", "sentinel"});
  size_t at = r.str.find(key + ":");
  if (at == std::string::npos) return "";
  size_t end = r.str.find("\r\n", at);
  return r.str.substr(at + key.size() + 1, end - at - key.size() - 1);
}

bool in_tilt(const SentinelNode& s) { return info_sentinel_field(s, "sentinel_tilt") == "1"; }

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The wall-clock time (seconds) stamped on the last log line containing `what`, -1 if none. Both our
// log and Redis's read "pid:X 25 Nov 2026 17:45:27.216 # ...".
int64_t log_stamp(const std::string& log, const std::string& what) {
  size_t at = log.rfind(what);
  if (at == std::string::npos) return -1;
  size_t bol = log.rfind('\n', at);
  bol = bol == std::string::npos ? 0 : bol + 1;
  std::string line = log.substr(bol, at - bol);
  size_t sp = line.find(' ');
  if (sp == std::string::npos) return -1;
  tm t{};
  if (strptime(line.c_str() + sp + 1, "%d %b %Y %H:%M:%S", &t) == nullptr) return -1;
  t.tm_isdst = -1;
  return static_cast<int64_t>(mktime(&t));
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// One master (real redis-server) with one replica and no sentinels yet.
Options one_replica_lab() {
  Options o;
  o.priorities = {100};
  o.sentinels = 0;
  o.quorum = 1;
  o.down_after = 1000;
  o.failover_timeout = 10000;
  return o;
}

std::unique_ptr<SentinelNode> add_sentinel(Lab& lab, bool real, bool shifted) {
  auto s = std::make_unique<SentinelNode>();
  s->real = real;
  s->write_config(lab.master->port, 1, lab.opts.down_after, lab.opts.failover_timeout);
  if (shifted) start_shifted(*s);
  else s->start();
  return s;
}

}  // namespace

// (a) A 3.5 s stall (SIGSTOP/SIGCONT) puts our sentinel in TILT; a master killed during TILT is not
// failed over while TILT lasts, and is failed over once TILT has ended. down-after is 4 s here: a
// replica whose link has been down longer than 10 x down-after is not promoted (as in Redis), and the
// replica's link has been down for the whole 30 s TILT.
TEST(SentinelTilt, StallEntersTiltAndHoldsFailoverUntilTiltEnds) {
  Options o = one_replica_lab();
  o.down_after = 4000;
  Lab lab(o);
  lab.sentinels.push_back(add_sentinel(lab, false, false));
  SentinelNode& s = *lab.sentinels[0];
  ASSERT_TRUE(lab.discovered());
  ASSERT_FALSE(in_tilt(s));
  const int old_master = lab.master->port;
  const int replica = lab.replicas[0]->port;

  s.proc.kill(SIGSTOP);
  std::this_thread::sleep_for(3500ms);
  s.proc.kill(SIGCONT);
  ASSERT_TRUE(harness::eventually([&] { return in_tilt(s); }, 3s)) << s.dir.read("sentinel.log");
  auto tilt_seen = Clock::now();
  EXPECT_EQ(count(s.dir.read("sentinel.log"), "+tilt"), 1u);

  lab.master->kill();
  auto killed = Clock::now();
  // For all of TILT (30 s, more than seven times down-after): no SDOWN, no failover. TILT-PERIOD
  // counts from the tick that entered TILT; on a loaded machine a late tick (> 2 s) may legitimately
  // enter TILT again and restart the period, hence the generous bound.
  while (in_tilt(s)) {
    ASSERT_LT(seconds_since(tilt_seen), 75.0) << "TILT does not end\n" << s.dir.read("sentinel.log");
    ASSERT_EQ(s.master_port(), old_master);
    std::this_thread::sleep_for(200ms);
  }
  double held = seconds_since(killed);
  double tilt_lasted = seconds_since(tilt_seen);
  EXPECT_GT(held, 20.0) << "TILT ended early";
  std::string log = s.dir.read("sentinel.log");
  size_t tilt_end = log.find("-tilt");
  ASSERT_NE(tilt_end, std::string::npos) << log;
  std::string during = log.substr(0, tilt_end);
  EXPECT_EQ(count(during, "+sdown"), 0u) << log;
  EXPECT_EQ(count(during, "+odown"), 0u) << log;
  EXPECT_EQ(count(during, "+try-failover"), 0u) << log;
  EXPECT_EQ(count(during, "+switch-master"), 0u) << log;

  auto tilt_over = Clock::now();
  ASSERT_TRUE(harness::eventually([&] { return s.master_port() == replica; }, 30s)) << s.dir.read("sentinel.log");
  std::cout << "[tilt] our sentinel after a 3.5 s SIGSTOP: +tilt; master killed during TILT; no SDOWN and no "
            << "failover for the " << held << " s until -tilt (TILT lasted ~" << tilt_lasted
            << " s, +tilt lines: " << count(log, "+tilt") << "); +switch-master seen " << seconds_since(tilt_over)
            << " s after -tilt was\n";
}

// (b) Wall-clock steps of +1 h and -1 h on our sentinel: no TILT, no SDOWN, no failover.
TEST(SentinelTilt, WallClockJumpsDoNotTiltOurSentinel) {
  Lab lab(one_replica_lab());
  lab.sentinels.push_back(add_sentinel(lab, false, true));
  SentinelNode& s = *lab.sentinels[0];
  ASSERT_TRUE(lab.discovered());
  const int old_master = lab.master->port;

  // Each step is held for 3 s: longer than TILT-TRIGGER and than down-after.
  for (int64_t offset : {kHourMs, int64_t{0}, -kHourMs, int64_t{0}}) {
    set_offset(s, offset);
    auto stepped = Clock::now();
    while (seconds_since(stepped) < 3.0) {
      ASSERT_FALSE(in_tilt(s)) << "offset " << offset << "\n" << s.dir.read("sentinel.log");
      std::this_thread::sleep_for(100ms);
    }
    if (offset != 0) {
      // Prove the shim moved this process's clock: the +set log line carries the shifted time.
      s.cmd({"SENTINEL", "SET", "mymaster", "down-after-milliseconds", "1000"});
      ASSERT_TRUE(harness::eventually([&] { return log_stamp(s.dir.read("sentinel.log"), "+set") > 0; }, 2s));
      int64_t stamp = log_stamp(s.dir.read("sentinel.log"), "+set");
      int64_t expected = static_cast<int64_t>(std::time(nullptr)) + offset / 1000;
      EXPECT_NEAR(static_cast<double>(stamp), static_cast<double>(expected), 60.0)
          << "the clock shim did not take effect on our sentinel";
    }
  }
  std::string log = s.dir.read("sentinel.log");
  EXPECT_EQ(count(log, "+tilt"), 0u) << log;
  EXPECT_EQ(count(log, "+sdown"), 0u) << log;
  EXPECT_EQ(count(log, "+odown"), 0u) << log;
  EXPECT_EQ(count(log, "+switch-master"), 0u) << log;
  EXPECT_EQ(s.master_port(), old_master);
  std::cout << "[clock-jump] our sentinel: wall clock +1h, back, -1h, back (3 s each): tilt entered "
            << count(log, "+tilt") << " times, +sdown " << count(log, "+sdown") << ", +switch-master "
            << count(log, "+switch-master") << "\n";
}

// (c) The comparison: the same steps on real redis-sentinel, one fresh sentinel per direction.
TEST(SentinelTilt, WallClockJumpsTiltRealRedisSentinel) {
  if (!harness::have_program("redis-sentinel")) GTEST_SKIP() << "redis-sentinel is not installed";
  Lab lab(one_replica_lab());
  lab.sentinels.push_back(add_sentinel(lab, true, true));
  lab.sentinels.push_back(add_sentinel(lab, true, true));
  // The two sentinels discover each other; each alone has quorum 1.
  ASSERT_TRUE(lab.discovered());
  for (int i = 0; i < 2; ++i) {
    SentinelNode& s = *lab.sentinels[i];
    ASSERT_FALSE(in_tilt(s));
    int64_t offset = i == 0 ? kHourMs : -kHourMs;
    set_offset(s, offset);
    auto stepped = Clock::now();
    bool tilted = harness::eventually([&] { return in_tilt(s); }, 5s);
    double after = seconds_since(stepped);
    std::string log = s.dir.read("sentinel.log");
    std::cout << "[clock-jump] redis-sentinel " << (offset > 0 ? "+1h" : "-1h") << ": "
              << (tilted ? "entered TILT " + std::to_string(after) + " s after the step" : "no TILT within 5 s")
              << " (+tilt lines: " << count(log, "+tilt") << ")\n";
    EXPECT_TRUE(tilted) << log;
  }
}
