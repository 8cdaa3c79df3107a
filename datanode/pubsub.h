// Channels and patterns, subscribers, PUBLISH fan-out.
#pragma once

namespace datanode {

class Server;

class PubSub {
 public:
  explicit PubSub(Server& server) : server_(server) {}
  PubSub(const PubSub&) = delete;
  PubSub& operator=(const PubSub&) = delete;

 private:
  [[maybe_unused]] Server& server_;
};

}  // namespace datanode
