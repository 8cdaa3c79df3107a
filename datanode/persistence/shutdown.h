// The shutdown sequence of SHUTDOWN and SIGTERM/SIGINT, as Redis 7.0's prepareForShutdown /
// isReadyToShutdown / finishShutdown: with replicas attached that have not acknowledged the whole
// stream, writes are paused, the replicas are asked for their offset (REPLCONF GETACK) and the server
// waits up to `shutdown-timeout` seconds for them, then saves (when configured) and exits. NOW skips the
// wait, FORCE ignores save errors, ABORT cancels a pending shutdown and resumes writes. The SHUTDOWN
// client stays blocked meanwhile and gets "-ERR Errors trying to SHUTDOWN. Check logs." when the
// shutdown is aborted or the final save fails; on success the connection closes with the process.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace datanode {

class Server;
class Persistence;
struct Client;

class ShutdownSequence {
 public:
  enum class Outcome { kExiting, kWaiting, kFailed };

  ShutdownSequence(Server& server, Persistence& persistence);
  ShutdownSequence(const ShutdownSequence&) = delete;
  ShutdownSequence& operator=(const ShutdownSequence&) = delete;

  // SHUTDOWN (blocker: its client) or a signal (null). `flags` are Persistence::ShutdownFlags.
  // kWaiting: the blocker is parked until the end; kFailed: the caller answers with the error.
  Outcome start(int flags, Client* blocker);
  // SHUTDOWN ABORT: false when no shutdown is in progress.
  bool abort();
  // A SIGTERM/SIGINT reached the loop: shutdown-on-sigterm / shutdown-on-sigint decide the flags.
  void on_signal(int signum);
  bool initiated() const { return deadline_ms_ != 0; }
  // INFO server's shutdown_in_milliseconds, -1 when no shutdown is in progress.
  int64_t remaining_ms(int64_t now_ms) const { return initiated() ? deadline_ms_ - now_ms : -1; }

 private:
  void cron(int64_t now_ms);
  bool finish();
  void cancel();
  int flags_for_signal(int signum) const;
  int64_t timeout_seconds() const;

  Server& server_;
  Persistence& persistence_;
  int flags_ = 0;
  int64_t deadline_ms_ = 0;  // monotonic; 0: no shutdown in progress
  bool signal_pending_ = false;
  std::vector<uint64_t> blocked_;  // SHUTDOWN clients waiting for the outcome
};

}  // namespace datanode
