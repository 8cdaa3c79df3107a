// A background thread that runs fdatasync (and closes old files) off the event loop, like Redis' bio
// thread: appendfsync everysec never blocks the loop on a slow disk. Jobs run in order, so closing a
// file queued after its fsync happens after the fsync.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

namespace aof {

class FsyncWorker {
 public:
  FsyncWorker();
  ~FsyncWorker();
  FsyncWorker(const FsyncWorker&) = delete;
  FsyncWorker& operator=(const FsyncWorker&) = delete;

  void fsync(int fd);
  void close(int fd);

  // Jobs not finished yet (INFO aof_pending_bio_fsync counts fsyncs only).
  int pending_fsyncs() const { return pending_fsyncs_.load(); }
  // Monotonic ms when the running fsync started, 0 when none runs.
  int64_t fsync_started_ms() const { return fsync_started_ms_.load(); }
  // errno of the last fsync, 0 if it succeeded; set by the thread, read by the loop.
  int last_fsync_errno() const { return last_errno_.load(); }
  // Waits until every queued job is done (shutdown, appendonly no).
  void drain();

 private:
  struct Job {
    bool close;
    int fd;
  };
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<Job> jobs_;
  bool busy_ = false;
  bool stop_ = false;
  std::atomic<int> pending_fsyncs_{0};
  std::atomic<int64_t> fsync_started_ms_{0};
  std::atomic<int> last_errno_{0};
  std::thread thread_;
};

}  // namespace aof
