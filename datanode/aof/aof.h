// Append-only file: append, fsync policy, rewrite, load on start.
#pragma once

namespace datanode {

class Server;

class Aof {
 public:
  explicit Aof(Server& server) : server_(server) {}
  Aof(const Aof&) = delete;
  Aof& operator=(const Aof&) = delete;

 private:
  [[maybe_unused]] Server& server_;
};

}  // namespace datanode
