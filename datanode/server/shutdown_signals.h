// SIGTERM and SIGINT for the datanode. A signal schedules the normal shutdown on the loop (AOF flushed,
// links closed, exit 0). If the loop is inside a long command and cannot get to it within the grace period,
// a watchdog thread ends the process anyway: every write a client was told about is already in the AOF
// (replies leave only after the AOF write of their loop iteration), so this loses nothing acknowledged,
// while a node that ignores SIGTERM for minutes would be killed with SIGKILL by its supervisor. Redis waits
// for the command; systemd's TimeoutStopSec does not.
#pragma once

#include <uv.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace datanode {

class ShutdownSignals {
 public:
  // `on_signal` runs on the loop thread for each signal received.
  ShutdownSignals(uv_loop_t* loop, std::function<void(int signum)> on_signal, int64_t grace_ms = 1000);
  ~ShutdownSignals();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  // While a shutdown must run on the loop to keep data (a final RDB save with no AOF to fall back on), the
  // watchdog waits for the loop instead of ending the process.
  void set_loop_shutdown_required(bool required) { loop_shutdown_required_.store(required); }
  // Stops the signal handling and the watchdog before the loop closes its handles.
  void stop();

 private:
  static void handle_signal(int signum);
  void watch();

  uv_async_t* async_;  // freed by its close callback
  std::function<void(int)> on_signal_;
  const int64_t grace_ms_;
  std::atomic<bool> loop_shutdown_required_{false};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread watchdog_;
};

}  // namespace datanode
