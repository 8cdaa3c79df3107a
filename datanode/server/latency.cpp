#include "datanode/server/latency.h"

#include <ctime>

#include "common/util/strings.h"

namespace datanode {

// Redis' histogram is an HdrHistogram of nanoseconds with two significant digits, iterated from 1024 ns
// by factors of two; each step prints the highest value equivalent to its bound, in microseconds.
// Values at 2^k ns (k >= 8) share a sub-bucket of 2^(k-7) ns, hence the bound + granularity - 1.
int64_t CallHistogram::bucket_bound_us(size_t i) {
  int64_t bound_ns = int64_t{1024} << i;
  int64_t granularity = int64_t{1} << (10 + i - 7);
  return (bound_ns + granularity - 1) / 1000;
}

void CallHistogram::add(int64_t duration_us) {
  int64_t ns = duration_us <= 0 ? 1 : duration_us * 1000;
  if (ns > 1000000000) ns = 1000000000;
  size_t i = 0;
  while (i + 1 < kBuckets && ns > (int64_t{1024} << i) + (int64_t{1} << (10 + i - 7)) - 1) ++i;
  counts[i]++;
  calls++;
}

void LatencyMonitor::sample_if_needed(std::string_view event, int64_t latency_ms, int64_t threshold_ms) {
  if (threshold_ms > 0 && latency_ms >= threshold_ms) sample(event, latency_ms);
}

void LatencyMonitor::sample(std::string_view event, int64_t latency_ms) {
  LatencySeries& ts = events_[std::string(event)];
  auto now = static_cast<int64_t>(time(nullptr));
  if (latency_ms > ts.max_ms) ts.max_ms = latency_ms;
  LatencySample& prev = ts.samples[(ts.next + LatencySeries::kLength - 1) % LatencySeries::kLength];
  // One sample per second: the worst of that second.
  if (prev.unix_seconds == now) {
    if (latency_ms > prev.latency_ms) prev.latency_ms = latency_ms;
    return;
  }
  ts.samples[ts.next] = {now, latency_ms};
  ts.next = (ts.next + 1) % LatencySeries::kLength;
}

int LatencyMonitor::reset(std::string_view event) {
  int n = 0;
  for (auto it = events_.begin(); it != events_.end();) {
    if (event.empty() || util::iequals(it->first, event)) {
      it = events_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

const LatencySeries* LatencyMonitor::find(std::string_view event) const {
  auto it = events_.find(std::string(event));
  return it == events_.end() ? nullptr : &it->second;
}

}  // namespace datanode
