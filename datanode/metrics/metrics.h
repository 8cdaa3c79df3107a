// The datanode's Prometheus endpoint (metrics-port / metrics-bind; 0 disables). Once a second the loop
// builds a snapshot from the server's own counters and the INFO sections that AOF and replication
// register, so metrics never reach into those subsystems' internals.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/metrics/exporter.h"

namespace datanode {

class Server;

class Metrics {
 public:
  explicit Metrics(Server& server);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Starts the exporter if configured; returns "" or why it could not listen.
  std::string start();
  int port() const { return exporter_ ? exporter_->port() : 0; }
  // Builds the families as they would be scraped now (also used by tests).
  std::vector<prometheus::MetricFamily> collect() const;

 private:
  Server& server_;
  std::unique_ptr<metrics::Exporter> exporter_;
};

// "key:value" lines of an INFO section text, as a map (for fields other subsystems print).
std::vector<std::pair<std::string, std::string>> parse_info_fields(const std::string& text);

}  // namespace datanode
