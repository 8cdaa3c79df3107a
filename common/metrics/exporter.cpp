#include "common/metrics/exporter.h"

#include <prometheus/exposer.h>

#include <limits>

namespace metrics {

Family::Family(std::string name, std::string help, prometheus::MetricType type) {
  family_.name = std::move(name);
  family_.help = std::move(help);
  family_.type = type;
}

namespace {
std::vector<prometheus::ClientMetric::Label> to_labels(const Labels& labels) {
  std::vector<prometheus::ClientMetric::Label> out;
  for (const auto& [k, v] : labels) out.push_back({k, v});
  return out;
}
}  // namespace

Family& Family::add(double value, const Labels& labels) {
  prometheus::ClientMetric m;
  m.label = to_labels(labels);
  switch (family_.type) {
    case prometheus::MetricType::Counter: m.counter.value = value; break;
    case prometheus::MetricType::Gauge: m.gauge.value = value; break;
    default: m.untyped.value = value; break;
  }
  family_.metric.push_back(std::move(m));
  return *this;
}

Family& Family::add_histogram(const std::vector<double>& bounds, const std::vector<uint64_t>& cumulative,
                              double sum, uint64_t count, const Labels& labels) {
  prometheus::ClientMetric m;
  m.label = to_labels(labels);
  for (size_t i = 0; i < bounds.size(); ++i) {
    prometheus::ClientMetric::Bucket b;
    b.upper_bound = bounds[i];
    b.cumulative_count = cumulative[i];
    m.histogram.bucket.push_back(b);
  }
  prometheus::ClientMetric::Bucket inf;
  inf.upper_bound = std::numeric_limits<double>::infinity();
  inf.cumulative_count = count;
  m.histogram.bucket.push_back(inf);
  m.histogram.sample_count = count;
  m.histogram.sample_sum = sum;
  family_.metric.push_back(std::move(m));
  return *this;
}

void Snapshot::publish(std::vector<prometheus::MetricFamily> families) {
  std::lock_guard<std::mutex> lock(mutex_);
  families_ = std::move(families);
}

std::vector<prometheus::MetricFamily> Snapshot::Collect() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return families_;
}

std::unique_ptr<Exporter> Exporter::start(const std::string& bind, int port, std::string* error) {
  std::unique_ptr<Exporter> e(new Exporter);
  std::string address = (bind.find(':') != std::string::npos ? "[" + bind + "]" : bind) + ":" + std::to_string(port);
  try {
    e->exposer_ = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception& ex) {
    *error = "cannot listen for metrics on " + address + ": " + ex.what();
    return nullptr;
  }
  e->snapshot_ = std::make_shared<Snapshot>();
  e->exposer_->RegisterCollectable(e->snapshot_);
  auto ports = e->exposer_->GetListeningPorts();
  e->port_ = ports.empty() ? port : ports[0];
  return e;
}

Exporter::~Exporter() = default;

void Histogram::observe(double value) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (value <= bounds_[i]) {
      counts_[i]++;
      break;
    }
  }
  sum_ += value;
  count_++;
}

void Histogram::add_to(Family& family, const Labels& labels) const {
  std::vector<uint64_t> cumulative(bounds_.size());
  uint64_t running = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    running += counts_[i];
    cumulative[i] = running;
  }
  family.add_histogram(bounds_, cumulative, sum_, count_, labels);
}

}  // namespace metrics
