// Clients blocked on list keys (BLPOP, BRPOP, BLMOVE) and their wake-ups and timeouts.
#pragma once

namespace datanode {

class Server;

class Blocking {
 public:
  explicit Blocking(Server& server) : server_(server) {}
  Blocking(const Blocking&) = delete;
  Blocking& operator=(const Blocking&) = delete;

 private:
  [[maybe_unused]] Server& server_;
};

}  // namespace datanode
