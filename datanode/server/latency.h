// The latency monitor: per event ("command", "fast-command"), the worst latency of each second over the
// last 160 samples, and per command the distribution of call durations that LATENCY HISTOGRAM reports
// (power-of-two buckets, as Redis' HdrHistogram log iteration prints them).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/util/string_map.h"

namespace datanode {

struct LatencySample {
  int64_t unix_seconds = 0;
  int64_t latency_ms = 0;
};

struct LatencySeries {
  static constexpr size_t kLength = 160;
  std::array<LatencySample, kLength> samples{};
  size_t next = 0;  // where the next sample goes; samples[next-1] is the latest
  int64_t max_ms = 0;
  const LatencySample& latest() const { return samples[(next + kLength - 1) % kLength]; }
};

// Call durations of one command, counted in buckets whose upper bounds grow by powers of two from 1 µs.
struct CallHistogram {
  static constexpr size_t kBuckets = 22;
  std::array<uint64_t, kBuckets> counts{};
  uint64_t calls = 0;
  void add(int64_t duration_us);
  // The upper bound, in microseconds, that Redis prints for bucket i.
  static int64_t bucket_bound_us(size_t i);
};

class LatencyMonitor {
 public:
  // Records a sample for `event` when `latency_ms` reaches `threshold_ms` (0: monitoring disabled).
  void sample_if_needed(std::string_view event, int64_t latency_ms, int64_t threshold_ms);
  void sample(std::string_view event, int64_t latency_ms);
  // Forgets one event (case-insensitive) or, with an empty name, all; returns how many were dropped.
  int reset(std::string_view event);
  const std::map<std::string, LatencySeries>& events() const { return events_; }
  const LatencySeries* find(std::string_view event) const;

  void record_call(std::string_view full_name, int64_t duration_us) {
    histograms_[full_name].add(duration_us);
  }
  const util::StringMap<CallHistogram>& histograms() const { return histograms_; }
  void reset_histograms() { histograms_.clear(); }

 private:
  std::map<std::string, LatencySeries> events_;
  util::StringMap<CallHistogram> histograms_;
};

}  // namespace datanode
