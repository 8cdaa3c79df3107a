// Master and replica sides of replication: backlog, replica links, WAIT, sync.
#pragma once

namespace datanode {

class Server;

class Replication {
 public:
  explicit Replication(Server& server) : server_(server) {}
  Replication(const Replication&) = delete;
  Replication& operator=(const Replication&) = delete;

 private:
  [[maybe_unused]] Server& server_;
};

}  // namespace datanode
