// LATENCY LATEST | HISTORY | RESET | GRAPH | DOCTOR | HISTOGRAM | HELP over datanode/latency.cpp.
#include "datanode/server/latency.h"

#include <ctime>

#include "common/command/help.h"
#include "datanode/commands/families.h"

namespace datanode {
namespace {

using namespace command;

void reply_histogram(Context& ctx, const CallHistogram& h) {
  ctx.out.map_header(2);
  ctx.out.bulk("calls");
  ctx.out.integer(static_cast<int64_t>(h.calls));
  ctx.out.bulk("histogram_usec");
  size_t used = 0;
  for (uint64_t n : h.counts) used += n > 0;
  ctx.out.map_header(used);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < CallHistogram::kBuckets; ++i) {
    if (h.counts[i] == 0) continue;
    cumulative += h.counts[i];
    ctx.out.integer(CallHistogram::bucket_bound_us(i));
    ctx.out.integer(static_cast<int64_t>(cumulative));
  }
}

void latency_histogram(Context& ctx) {
  const auto& all = ctx.server.latency().histograms();
  std::vector<std::pair<std::string_view, const CallHistogram*>> chosen;
  if (ctx.argc() == 2) {
    for (const auto& [name, h] : all) chosen.emplace_back(name, &h);
  } else {
    // A container name ("config") stands for its subcommands ("config|get" ...), as in Redis.
    for (size_t i = 2; i < ctx.argc(); ++i) {
      const CommandSpec* c = ctx.server.commands().find(ctx.arg(i));
      if (c == nullptr) continue;
      for (const auto& [name, h] : all) {
        bool sub = name.size() > c->name.size() && name.compare(0, c->name.size(), c->name) == 0 &&
                   name[c->name.size()] == '|';
        if (name == c->name || sub) chosen.emplace_back(name, &h);
      }
    }
  }
  ctx.out.map_header(chosen.size());
  for (const auto& [name, h] : chosen) {
    ctx.out.bulk(name);
    reply_histogram(ctx, *h);
  }
}

// Each sample as a column of '#' scaled between the lowest and highest sample, oldest first, with how
// long ago it was under it. Redis draws a sparkline; the header line is the same.
std::string latency_graph(std::string_view event, const LatencySeries& ts) {
  std::vector<const LatencySample*> samples;
  for (size_t j = 0; j < LatencySeries::kLength; ++j) {
    const LatencySample& s = ts.samples[(ts.next + j) % LatencySeries::kLength];
    if (s.unix_seconds != 0) samples.push_back(&s);
  }
  int64_t lo = 0, hi = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (i == 0 || samples[i]->latency_ms < lo) lo = samples[i]->latency_ms;
    if (i == 0 || samples[i]->latency_ms > hi) hi = samples[i]->latency_ms;
  }
  std::string out = std::string(event) + " - high " + std::to_string(hi) + " ms, low " + std::to_string(lo) +
                    " ms (all time high " + std::to_string(ts.max_ms) + " ms)\n";
  out += std::string(80, '-') + "\n";
  if (samples.size() > 80) samples.erase(samples.begin(), samples.end() - 80);
  constexpr int kRows = 4;
  for (int row = kRows; row >= 1; --row) {
    for (const LatencySample* s : samples) {
      int64_t level = hi == lo ? kRows : 1 + (s->latency_ms - lo) * (kRows - 1) / (hi - lo);
      out.push_back(level >= row ? '#' : ' ');
    }
    out.push_back('\n');
  }
  auto now = static_cast<int64_t>(time(nullptr));
  for (const LatencySample* s : samples) {
    int64_t ago = now - s->unix_seconds;
    std::string label = ago < 60      ? std::to_string(ago) + "s"
                        : ago < 3600  ? std::to_string(ago / 60) + "m"
                        : ago < 86400 ? std::to_string(ago / 3600) + "h"
                                      : std::to_string(ago / 86400) + "d";
    out.push_back(label[0]);
  }
  out.push_back('\n');
  return out;
}

std::string latency_doctor(Context& ctx) {
  const auto& events = ctx.server.latency().events();
  const Settings& s = ctx.server.settings();
  if (events.empty() && s.latency_monitor_threshold == 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may "
           "use "
           "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in "
           "a "
           "deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
  }
  if (events.empty()) {
    return "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the "
           "slightest "
           "bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n";
  }
  std::string out =
      "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you "
      "Dave?\n\n";
  auto now = static_cast<int64_t>(time(nullptr));
  int num = 0;
  bool commands = false, fast = false;
  for (const auto& [name, ts] : events) {
    int64_t count = 0, sum = 0, oldest = 0;
    for (const LatencySample& x : ts.samples) {
      if (x.unix_seconds == 0) continue;
      ++count;
      sum += x.latency_ms;
      if (oldest == 0 || x.unix_seconds < oldest) oldest = x.unix_seconds;
    }
    int64_t avg = count ? sum / count : 0, mad = 0;
    for (const LatencySample& x : ts.samples)
      if (x.unix_seconds != 0) mad += std::abs(avg - x.latency_ms);
    if (count) mad /= count;
    int64_t period = count ? std::max<int64_t>(1, now - oldest) : 0;
    char line[512];
    snprintf(
        line, sizeof line,
        "%d. %s: %lld latency spikes (average %lldms, mean deviation %lldms, period %.2f sec). Worst all "
        "time event %lldms.\n",
        ++num, name.c_str(), static_cast<long long>(count), static_cast<long long>(avg),
        static_cast<long long>(mad), count ? static_cast<double>(period) / static_cast<double>(count) : 0.0,
        static_cast<long long>(ts.max_ms));
    out += line;
    commands |= name == "command";
    fast |= name == "fast-command";
  }
  if (!commands && !fast) {
    out +=
        "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis "
        "community to get some help, providing this report in your help request.\n";
    return out;
  }
  out += "\nI have a few advices for you:\n\n";
  if (commands) {
    if (s.slowlog_log_slower_than < 0)
      out +=
          "- Slow commands were seen while the slow log is disabled: enable it with 'CONFIG SET "
          "slowlog-log-slower-than " +
          std::to_string(s.latency_monitor_threshold * 1000) + "'.\n";
    else if (s.slowlog_log_slower_than / 1000 > s.latency_monitor_threshold)
      out +=
          "- The slow log only keeps commands slower than the latency monitor threshold: use 'CONFIG SET "
          "slowlog-log-slower-than " +
          std::to_string(s.latency_monitor_threshold * 1000) + "'.\n";
    out +=
        "- SLOWLOG GET shows which commands were slow; commands over large values (SORT, ZUNIONSTORE, "
        "KEYS, DEL of big collections) block the server for their whole duration.\n";
  }
  if (fast)
    out +=
        "- Commands flagged fast were slow: the host did not give this process CPU time (load, noisy "
        "neighbours, swapping). 'redis-cli --intrinsic-latency 100' measures what the system itself adds.\n";
  return out;
}

void cmd_latency(Context& ctx) {
  std::string_view sub = ctx.arg(1);
  size_t n = ctx.argc();
  LatencyMonitor& lm = ctx.server.latency();
  struct Sub {
    const char* name;
    int arity;
  };
  static const Sub kSubs[] = {{"history", 3}, {"graph", 3},      {"latest", 2}, {"doctor", 2},
                              {"reset", -2},  {"histogram", -2}, {"help", 2}};
  const Sub* found = nullptr;
  for (const Sub& s : kSubs)
    if (util::iequals(sub, s.name)) found = &s;
  if (found == nullptr) return ctx.out.error(unknown_subcommand_error(sub, "latency"));
  bool arity_ok =
      found->arity > 0 ? n == static_cast<size_t>(found->arity) : n >= static_cast<size_t>(-found->arity);
  if (!arity_ok) return ctx.out.error(wrong_sub_arity_error("latency", sub));
  std::string_view name = found->name;
  if (name == "history") {
    const LatencySeries* ts = lm.find(ctx.arg(2));
    if (ts == nullptr) return ctx.out.array_header(0);
    std::vector<const LatencySample*> samples;
    for (size_t j = 0; j < LatencySeries::kLength; ++j) {
      const LatencySample& s = ts->samples[(ts->next + j) % LatencySeries::kLength];
      if (s.unix_seconds != 0) samples.push_back(&s);
    }
    ctx.out.array_header(samples.size());
    for (const LatencySample* s : samples) {
      ctx.out.array_header(2);
      ctx.out.integer(s->unix_seconds);
      ctx.out.integer(s->latency_ms);
    }
    return;
  }
  if (name == "graph") {
    const LatencySeries* ts = lm.find(ctx.arg(2));
    if (ts == nullptr)
      return ctx.out.error("ERR No samples available for event '" + std::string(ctx.arg(2)) + "'");
    return ctx.out.verbatim(latency_graph(ctx.arg(2), *ts));
  }
  if (name == "latest") {
    ctx.out.array_header(lm.events().size());
    for (const auto& [event, ts] : lm.events()) {
      ctx.out.array_header(4);
      ctx.out.bulk(event);
      ctx.out.integer(ts.latest().unix_seconds);
      ctx.out.integer(ts.latest().latency_ms);
      ctx.out.integer(ts.max_ms);
    }
    return;
  }
  if (name == "doctor") return ctx.out.verbatim(latency_doctor(ctx));
  if (name == "reset") {
    if (n == 2) return ctx.out.integer(lm.reset(""));
    int resets = 0;
    for (size_t i = 2; i < n; ++i) resets += lm.reset(ctx.arg(i));
    return ctx.out.integer(resets);
  }
  if (name == "histogram") return latency_histogram(ctx);
  reply_help(
      ctx.out, "latency",
      {"DOCTOR", "    Return a human readable latency analysis report.", "GRAPH <event>",
       "    Return an ASCII latency graph for the <event> class.", "HISTORY <event>",
       "    Return time-latency samples for the <event> class.", "LATEST",
       "    Return the latest latency samples for all events.", "RESET [<event> ...]",
       "    Reset latency data of one or more <event> classes.",
       "    (default: reset all data for all event classes)", "HISTOGRAM [COMMAND ...]",
       "    Return a cumulative distribution of latencies in the format of a histogram for the specified "
       "command names.",
       "    If no commands are specified then all histograms are replied."});
}

}  // namespace

void register_latency_commands(CommandTable& t) {
  t.add("latency", -2, kAdmin | kLoading | kStale | kSubcommands, cmd_latency);
}

}  // namespace datanode
