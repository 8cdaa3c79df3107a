// CLIENT PAUSE / UNPAUSE: while a pause lasts, commands from normal clients that it covers (writes, or
// every command with ALL) wait, unexecuted, in their client's input; replicas and the master link are
// never held. When the pause ends (its deadline or CLIENT UNPAUSE) the held clients run again in order.
#pragma once

#include <uv.h>

#include <cstdint>
#include <vector>

#include "common/command/table.h"
#include "datanode/server/context.h"

namespace datanode {

class Server;
struct Client;

class ClientPause {
 public:
  explicit ClientPause(Server& server);
  ~ClientPause();
  ClientPause(const ClientPause&) = delete;
  ClientPause& operator=(const ClientPause&) = delete;

  // Pauses until `until_ms` (monotonic clock); a pause in progress is extended and made stricter, never
  // shortened or relaxed, as Redis does.
  void pause(int64_t until_ms, bool all);
  void unpause();
  // True when `cmd` (already checked to exist with a valid arity) from `c` must wait: the caller leaves
  // the request unconsumed and the client is parked until the pause ends.
  bool holds(Client& c, const command::Command<Context>& cmd);

 private:
  void schedule(int64_t delay_ms);
  void on_timer();
  void resume_all();
  void close_timer();

  Server& server_;
  bool active_ = false;
  bool all_ = false;
  int64_t until_ms_ = 0;
  std::vector<uint64_t> parked_;
  uv_timer_t* timer_;
};

}  // namespace datanode
