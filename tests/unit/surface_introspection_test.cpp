// The pieces behind SLOWLOG, LATENCY HISTOGRAM and COMMAND GETKEYS, without a server: argv trimming,
// histogram buckets, and key extraction from Redis 7.0's key specs.
#include <gtest/gtest.h>

#include "datanode/commands/command_meta.h"
#include "datanode/server/latency.h"
#include "datanode/server/slowlog.h"

using namespace datanode;

TEST(SurfaceSlowLog, TrimsArgumentsAndEntries) {
  std::vector<std::string_view> argv = {"SET", "k", "v"};
  auto out = SlowLog::trimmed_argv(argv);
  EXPECT_EQ(out, (std::vector<std::string>{"SET", "k", "v"}));
  std::vector<std::string> many(40, "x");
  std::vector<std::string_view> views(many.begin(), many.end());
  out = SlowLog::trimmed_argv(views);
  ASSERT_EQ(out.size(), 32u);
  EXPECT_EQ(out.back(), "... (9 more arguments)");
  std::string big(130, 'y');
  out = SlowLog::trimmed_argv({"GET", big});
  EXPECT_EQ(out[1], std::string(128, 'y') + "... (2 more bytes)");
  out = SlowLog::trimmed_argv({"HELLO", "3", "AUTH", "user", "pass", "SETNAME", "auth"});
  EXPECT_EQ(out,
            (std::vector<std::string>{"HELLO", "3", "AUTH", "(redacted)", "(redacted)", "SETNAME", "auth"}));

  SlowLog log;
  for (int i = 0; i < 5; ++i) log.record({"PING"}, i, "peer", "", 2, 3);
  ASSERT_EQ(log.entries().size(), 3u);
  EXPECT_EQ(log.entries().front().duration_us, 4);
  EXPECT_EQ(log.entries().front().id, 2);
  log.record({"PING"}, 100, "", "", -1, 3);  // disabled
  EXPECT_EQ(log.entries().size(), 3u);
  log.record({"PING"}, 0, "", "", 10, 1);  // not slow, but the smaller limit applies
  EXPECT_EQ(log.entries().size(), 1u);
}

TEST(SurfaceLatency, HistogramBucketsAreRedisPowersOfTwo) {
  // What Redis 7.0 prints for its first buckets (1024 ns << i, as HdrHistogram's highest equivalent).
  EXPECT_EQ(CallHistogram::bucket_bound_us(0), 1);
  EXPECT_EQ(CallHistogram::bucket_bound_us(1), 2);
  EXPECT_EQ(CallHistogram::bucket_bound_us(2), 4);
  EXPECT_EQ(CallHistogram::bucket_bound_us(3), 8);
  CallHistogram h;
  h.add(0);
  h.add(1);
  h.add(3);
  h.add(5000000);  // clamped at one second
  EXPECT_EQ(h.calls, 4u);
  EXPECT_EQ(h.counts[0], 2u);
  EXPECT_EQ(h.counts[2], 1u);
  EXPECT_EQ(h.counts[CallHistogram::kBuckets - 1] + h.counts[CallHistogram::kBuckets - 2], 1u);

  LatencyMonitor m;
  m.sample_if_needed("command", 5, 0);  // disabled
  EXPECT_TRUE(m.events().empty());
  m.sample_if_needed("command", 5, 10);
  EXPECT_TRUE(m.events().empty());
  m.sample_if_needed("command", 15, 10);
  m.sample_if_needed("command", 20, 10);  // same second: the worst is kept
  ASSERT_NE(m.find("command"), nullptr);
  EXPECT_EQ(m.find("command")->latest().latency_ms, 20);
  EXPECT_EQ(m.find("command")->max_ms, 20);
  EXPECT_EQ(m.reset("COMMAND"), 1);
}

namespace {
std::vector<std::string> keys(const std::vector<std::string_view>& argv, bool* ok = nullptr) {
  const meta::CommandMeta* m = meta::find(argv[0]);
  if (m == nullptr) return {"<unknown>"};
  auto k = meta::keys_of(*m, argv);
  if (ok) *ok = k.has_value();
  std::vector<std::string> out;
  if (k)
    for (const auto& r : *k) out.emplace_back(argv[r.pos]);
  return out;
}
}  // namespace

TEST(SurfaceCommandMeta, KeysFromSpecs) {
  using V = std::vector<std::string>;
  EXPECT_EQ(keys({"GET", "a"}), V{"a"});
  EXPECT_EQ(keys({"MSET", "a", "1", "b", "2"}), (V{"a", "b"}));
  EXPECT_EQ(keys({"ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"}), (V{"d", "a", "b"}));
  EXPECT_EQ(keys({"BLMPOP", "0", "2", "a", "b", "LEFT"}), (V{"a", "b"}));
  EXPECT_EQ(keys({"XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0"}), (V{"s1", "s2"}));
  EXPECT_EQ(keys({"SORT", "a", "BY", "w_*", "STORE", "d"}), (V{"a", "d"}));
  EXPECT_EQ(keys({"BLPOP", "a", "b", "0"}), (V{"a", "b"}));
  EXPECT_EQ(keys({"EVAL", "s", "2", "k1", "k2", "arg"}), (V{"k1", "k2"}));
  bool ok = true;
  keys({"ZUNIONSTORE", "d", "9", "a"}, &ok);
  EXPECT_FALSE(ok);
  ASSERT_NE(meta::find("CONFIG|GET"), nullptr);
  EXPECT_FALSE(meta::subcommands("config").empty());
  EXPECT_EQ(meta::find("nosuch"), nullptr);
}
