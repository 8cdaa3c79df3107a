// What Prometheus scrapes from a sentinel (metrics-port / metrics-bind; 0 disables). Event counters
// come from the one event stream (Events observers), state gauges from the model at publication time,
// so nothing here touches the monitoring or failover logic. Published once a second and after every
// event.
#pragma once

#include <uv.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/metrics/exporter.h"
#include "sentinel/model/sentinel_state.h"

namespace sentinel {

class SentinelMetrics {
 public:
  explicit SentinelMetrics(SentinelState& state);
  ~SentinelMetrics();
  SentinelMetrics(const SentinelMetrics&) = delete;
  SentinelMetrics& operator=(const SentinelMetrics&) = delete;

  // Starts the exporter and the publication timer; "" or why it could not listen.
  std::string start(uv_loop_t* loop, const std::string& bind, int port);
  void stop();
  int port() const { return exporter_ ? exporter_->port() : 0; }

  // Config rewrites are not events: the state-file code reports them here.
  void count_config_rewrite(bool ok) { (ok ? config_rewrites_ : config_rewrite_failures_)++; }

  std::vector<prometheus::MetricFamily> collect() const;

 private:
  void on_event(const Event& e);
  void publish();

  struct PerMaster {
    std::map<std::string, uint64_t> events;  // by event type, e.g. "+sdown"
    uint64_t failovers_started = 0, failovers_succeeded = 0;
    std::map<std::string, uint64_t> failovers_aborted;  // by reason
    uint64_t elections_won = 0, elections_lost = 0;
    int64_t odown_at = 0;  // monotonic ms of the +odown (or forced start) the running failover began with
  };

  SentinelState& state_;
  std::unique_ptr<metrics::Exporter> exporter_;
  std::map<std::string, PerMaster> masters_;
  metrics::Histogram failover_seconds_{{0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 60, 120, 300}};
  uint64_t config_rewrites_ = 0, config_rewrite_failures_ = 0;
  uint64_t tilt_entered_ = 0;
  uv_timer_t* timer_ = nullptr;
};

}  // namespace sentinel
