// notification-script and client-reconfig-script: run as child processes, at most kMaxRunning at once,
// the rest queued (up to kMaxQueue), each killed after kMaxRuntime, as Redis Sentinel does.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <list>
#include <string>
#include <vector>

#include "sentinel/model/sentinel_state.h"

namespace sentinel {

class ScriptRunner {
 public:
  static constexpr size_t kMaxRunning = 16;
  static constexpr size_t kMaxQueue = 256;
  static constexpr int64_t kMaxRuntime = 60000;

  ScriptRunner(uv_loop_t* loop, SentinelState& st);
  ~ScriptRunner();

  // Queues `path args...` (dropped when the queue is full).
  void schedule(const std::string& path, std::vector<std::string> args);
  // Starts queued scripts and kills those running too long; from the monitor's tick.
  void tick(int64_t now);

  struct Job {
    std::vector<std::string> argv;  // path first
    uv_process_t* proc = nullptr;
    int64_t started = 0;
    ScriptRunner* owner = nullptr;
  };
  const std::list<Job>& jobs() const { return jobs_; }

 private:
  static void on_exit(uv_process_t* p, int64_t status, int signal);
  void update_counts();

  uv_loop_t* loop_;
  SentinelState& st_;
  std::list<Job> jobs_;  // running ones have proc set
};

}  // namespace sentinel
