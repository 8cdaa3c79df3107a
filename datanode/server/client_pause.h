// Client pauses (CLIENT PAUSE, a failover's write pause, SHUTDOWN waiting for replicas): while a pause
// lasts, commands from normal clients that it covers (writes, or every command with kAll) wait,
// unexecuted, in their client's input; replicas and the master link are never held. As in Redis 7.0
// each purpose holds its own pause, and the effective one is the strictest active pause (ending at the
// latest end among those of that type), so ending one purpose's pause never lifts another's. When the
// effective pause is relaxed or ends, the held clients run again in order (and may be held again).
#pragma once

#include <uv.h>

#include <array>
#include <cstdint>
#include <vector>

#include "common/command/table.h"
#include "datanode/server/context.h"

namespace datanode {

class Server;
struct Client;

// Ordered from least to most restrictive, as Redis' pause_type.
enum class PauseType { kOff = 0, kWrite, kAll };

// Who paused: Redis' pause_purpose.
enum class PausePurpose { kClientCommand = 0, kShutdown, kFailover, kCount };

class ClientPause {
 public:
  // No deadline: the pause lasts until unpause(purpose).
  static constexpr int64_t kForever = INT64_MAX;

  explicit ClientPause(Server& server);
  ~ClientPause();
  ClientPause(const ClientPause&) = delete;
  ClientPause& operator=(const ClientPause&) = delete;

  // Pauses `type` commands for `purpose` until `until_ms` (monotonic clock). A pause of the same purpose
  // in progress is extended and made stricter, never shortened or relaxed, as Redis does.
  void pause(PausePurpose purpose, int64_t until_ms, PauseType type);
  // Ends `purpose`'s pause only; pauses of other purposes go on.
  void unpause(PausePurpose purpose);
  // The effective pause, after dropping expired ones.
  PauseType type();
  bool paused() { return type() != PauseType::kOff; }
  // True when `cmd` (already checked to exist with a valid arity) from `c` must wait: the caller leaves
  // the request unconsumed and the client is parked until the pause ends.
  bool holds(Client& c, const command::Command<Context>& cmd);

 private:
  struct Event {
    PauseType type = PauseType::kOff;
    int64_t until_ms = 0;
  };

  // Redis' updateClientPauseTypeAndEndTime: recompute() drops expired purposes and computes the
  // effective pause (true when it became less restrictive, so the held clients must be released).
  void update();
  bool recompute();
  void arm();
  void on_timer();
  void resume_all();
  void close_timer();

  Server& server_;
  std::array<Event, static_cast<size_t>(PausePurpose::kCount)> events_{};
  PauseType type_ = PauseType::kOff;
  int64_t until_ms_ = 0;
  bool release_ = false;
  std::vector<uint64_t> parked_;
  uv_timer_t* timer_;
};

}  // namespace datanode
