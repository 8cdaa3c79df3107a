// The datanode's Prometheus exposer.
#pragma once

namespace datanode {

class Server;

class Metrics {
 public:
  explicit Metrics(Server& server) : server_(server) {}
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

 private:
  [[maybe_unused]] Server& server_;
};

}  // namespace datanode
