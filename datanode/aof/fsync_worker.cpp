#include "datanode/aof/fsync_worker.h"

#include <unistd.h>

#include <cerrno>

#include "common/util/clock.h"

namespace aof {

FsyncWorker::FsyncWorker() : thread_([this] { run(); }) {}

FsyncWorker::~FsyncWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void FsyncWorker::fsync(int fd) {
  pending_fsyncs_++;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back({false, fd});
  }
  cv_.notify_one();
}

void FsyncWorker::close(int fd) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back({true, fd});
  }
  cv_.notify_one();
}

void FsyncWorker::drain() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return jobs_.empty() && !busy_; });
}

void FsyncWorker::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping with nothing left to do
    Job job = jobs_.front();
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    if (job.close) {
      ::close(job.fd);
    } else {
      fsync_started_ms_ = util::mono_ms();
      int rc = fdatasync(job.fd);
      // EBADF/EINVAL: the file was closed or cannot be synced (a pipe, /dev/null); not a disk error.
      last_errno_ = (rc == 0 || errno == EBADF || errno == EINVAL) ? 0 : errno;
      fsync_started_ms_ = 0;
      pending_fsyncs_--;
    }
    lock.lock();
    busy_ = false;
    if (jobs_.empty()) idle_cv_.notify_all();
  }
}

}  // namespace aof
