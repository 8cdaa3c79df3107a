// Prometheus exposition for both binaries. The loop thread owns every value: each second (or on
// demand) it builds a snapshot of metric families and publishes it; the exposer's HTTP thread only
// ever copies the last snapshot. So no metric is shared between threads, and counters can be
// published from the plain counters the server already keeps.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace prometheus {
class Exposer;
}

namespace metrics {

using Labels = std::map<std::string, std::string>;

// Builds one metric family: a name, its help text and type, and samples with labels.
class Family {
 public:
  Family(std::string name, std::string help, prometheus::MetricType type);
  Family& add(double value, const Labels& labels = {});
  // A histogram sample: cumulative counts per upper bound (ascending, +Inf implied), the sum and count.
  Family& add_histogram(const std::vector<double>& bounds, const std::vector<uint64_t>& cumulative_counts,
                        double sum, uint64_t count, const Labels& labels = {});
  prometheus::MetricFamily take() { return std::move(family_); }

 private:
  prometheus::MetricFamily family_;
};

class Snapshot : public prometheus::Collectable {
 public:
  void publish(std::vector<prometheus::MetricFamily> families);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  mutable std::mutex mutex_;
  std::vector<prometheus::MetricFamily> families_;
};

class Exporter {
 public:
  // Listens on bind:port (port 0 picks a free one). Returns nullptr and sets *error on failure.
  static std::unique_ptr<Exporter> start(const std::string& bind, int port, std::string* error);
  ~Exporter();
  void publish(std::vector<prometheus::MetricFamily> families) { snapshot_->publish(std::move(families)); }
  int port() const { return port_; }

 private:
  Exporter() = default;
  std::shared_ptr<Snapshot> snapshot_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

// Fixed histogram for durations: observations in seconds into cumulative buckets.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size(), 0) {}
  void observe(double value);
  void add_to(Family& family, const Labels& labels = {}) const;
  uint64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative
  double sum_ = 0;
  uint64_t count_ = 0;
};

}  // namespace metrics
