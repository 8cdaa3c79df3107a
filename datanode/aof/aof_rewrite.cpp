// AOF rewrite: the forked child that writes a compact snapshot, and the parent's side: buffering the
// writes made meanwhile, then appending them, renaming atomically and switching files.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "common/log/log.h"
#include "common/resp/writer.h"
#include "common/util/clock.h"
#include "common/util/fs.h"
#include "datanode/aof/aof.h"
#include "datanode/rdb/writer.h"
#include "datanode/scripting/functions.h"
#include "datanode/scripting/scripting.h"
#include "datanode/store/rewrite.h"

namespace datanode {
namespace {

// Buffered output of the child, syncing every 32 MB so the final fsync does not stall on gigabytes
// (Redis' aof-rewrite-incremental-fsync).
class SnapshotFile {
 public:
  explicit SnapshotFile(int fd) : fd_(fd) { buf_.reserve(kChunk + 64 * 1024); }
  bool append_command(const std::vector<std::string_view>& argv) {
    resp::Writer(&buf_).command(argv);
    return buf_.size() < kChunk || write_out();
  }
  bool write_out() {
    size_t done = 0;
    while (done < buf_.size()) {
      ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n == 0) errno = ENOSPC;
        return false;
      }
      done += static_cast<size_t>(n);
    }
    since_sync_ += buf_.size();
    buf_.clear();
    if (since_sync_ >= kSyncEvery) {
      if (fdatasync(fd_) != 0) return false;
      since_sync_ = 0;
    }
    return true;
  }

 private:
  static constexpr size_t kChunk = 1024 * 1024;
  static constexpr size_t kSyncEvery = 32 * 1024 * 1024;
  int fd_;
  std::string buf_;
  size_t since_sync_ = 0;
};

bool fsync_dir_of(const std::string& path) {
  int dfd = open(util::dirname_of(path).c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd < 0) return false;
  bool ok = fsync(dfd) == 0;
  close(dfd);
  return ok;
}

// aof-use-rdb-preamble: the base of the new file is an RDB snapshot (as Redis writes it: no replication
// aux fields, the AOF is not a replication position); the writes made meanwhile follow as commands.
std::string write_rdb_base(Server& server, const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::string("Opening the temp file for AOF rewrite: ") + strerror(errno);
  rdb::WriteOptions options{server.settings().rdbcompression, server.settings().rdbchecksum};
  rdb::SaveInfo info;  // libraries go into the preamble too, as function records
  info.function_libraries = scripting_of(server).functions().sources();
  std::string err = rdb::write_snapshot(fd, server.databases(), info, options);
  if (err.empty() && fsync(fd) != 0) err = strerror(errno);
  close(fd);
  if (!err.empty()) return "Writing the AOF rewrite: " + err;
  LOG_NOTICE("Rewrote the keyspace into the RDB preamble of the new append only file");
  return "";
}

bool rdb_preamble_enabled(Server& server) {
  const config::Option* opt = server.registry().find("aof-use-rdb-preamble");
  return opt == nullptr || opt->get() == "yes";
}

}  // namespace

std::string write_snapshot(Server& server, const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::string("Opening the temp file for AOF rewrite: ") + strerror(errno);
  SnapshotFile out(fd);
  bool ok = true;
  int64_t now = util::unix_ms();
  size_t keys = 0;
  // Libraries first, as Redis' rewriteFunctions: each one FUNCTION LOAD.
  for (const std::string& code : scripting_of(server).functions().sources()) {
    if (ok) ok = out.append_command({"FUNCTION", "LOAD", code});
  }
  for (store::Database& db : server.databases()) {
    if (db.size() == 0) continue;
    std::string index = std::to_string(db.index());
    ok = out.append_command({"SELECT", index});
    if (!ok) break;
    keys += store::rewrite_database(db, now, [&](const std::vector<std::string_view>& argv) {
      if (ok) ok = out.append_command(argv);
    });
    if (!ok) break;
  }
  if (ok) ok = out.write_out();
  if (ok) ok = fsync(fd) == 0;
  std::string err = ok ? "" : std::string("Writing the AOF rewrite: ") + strerror(errno);
  close(fd);
  if (ok) LOG_NOTICE("Rewrote %zu keys into the new append only file", keys);
  return err;
}

std::string Aof::temp_path(pid_t pid) const {
  return util::path_join(util::dirname_of(rewrite_target_),
                         "temp-rewriteaof-bg-" + std::to_string(pid) + ".aof");
}

std::string Aof::start_rewrite() {
  if (child_pid_ > 0) return "ERR Background append only file rewriting already in progress";
  rewrite_target_ = state_ == State::kOff ? current_path() : path_;
  // What is still buffered belongs to the old file: get it out before the child's snapshot point.
  flush(true);
  const bool preamble = rdb_preamble_enabled(server_);
  int64_t start = util::mono_ms();
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    last_rewrite_ok_ = false;
    LOG_WARNING("Can't rewrite append only file in background: fork: %s", strerror(err));
    return std::string("ERR Can't rewrite append only file in background: fork: ") + strerror(err);
  }
  if (pid == 0) {
    // The child: plain memory and one file. No libuv, no signals handled by the parent's loop.
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    logx::set_role('C');
    std::string tmp = temp_path(getpid());
    std::string err = preamble ? write_rdb_base(server_, tmp) : write_snapshot(server_, tmp);
    if (!err.empty()) {
      LOG_WARNING("%s", err.c_str());
      _exit(1);
    }
    _exit(0);
  }
  child_pid_ = pid;
  rewrite_start_ms_ = start;
  rewrite_buf_.clear();
  rewrite_selected_db_ = -1;  // the snapshot may end in any database
  LOG_NOTICE("Background append only file rewriting started by pid %d", static_cast<int>(pid));
  return "";
}

void Aof::check_child() {
  if (child_pid_ <= 0) return;
  int status = 0;
  pid_t r = waitpid(child_pid_, &status, WNOHANG);
  if (r == 0) return;
  if (r < 0) {
    LOG_WARNING("waitpid() on the AOF rewrite child failed: %s", strerror(errno));
    rewrite_done(false);
    return;
  }
  bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok) {
    if (WIFSIGNALED(status))
      LOG_WARNING("Background AOF rewrite terminated by signal %d", WTERMSIG(status));
    else
      LOG_WARNING("Background AOF rewrite terminated with error");
  }
  rewrite_done(ok);
}

void Aof::rewrite_done(bool ok) {
  pid_t pid = child_pid_;
  child_pid_ = -1;
  std::string tmp = temp_path(pid);
  int64_t now = util::mono_ms();
  last_rewrite_time_sec_ = (now - rewrite_start_ms_) / 1000;
  int new_fd = -1;
  std::string err;
  if (ok) {
    new_fd = open(tmp.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (new_fd < 0) err = std::string("opening the rewritten file: ") + strerror(errno);
  }
  if (ok && err.empty()) {
    // The writes made while the child worked, then sync: the new file must be complete before the
    // rename makes it the AOF.
    size_t done = 0;
    while (done < rewrite_buf_.size()) {
      ssize_t n = ::write(new_fd, rewrite_buf_.data() + done, rewrite_buf_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        err = std::string("appending the rewrite buffer: ") + strerror(n == 0 ? ENOSPC : errno);
        break;
      }
      done += static_cast<size_t>(n);
    }
    if (err.empty() && fdatasync(new_fd) != 0)
      err = std::string("fsync of the rewritten file: ") + strerror(errno);
    if (err.empty() && rename(tmp.c_str(), rewrite_target_.c_str()) != 0)
      err = std::string("rename of the rewritten file: ") + strerror(errno);
    if (err.empty()) fsync_dir_of(rewrite_target_);
  }
  std::string().swap(rewrite_buf_);
  if (!ok || !err.empty()) {
    if (new_fd >= 0) close(new_fd);
    unlink(tmp.c_str());
    last_rewrite_ok_ = false;
    ++rewrite_failures_in_row_;
    if (!err.empty()) LOG_WARNING("Background AOF rewrite failed: %s", err.c_str());
    if (state_ == State::kWaitRewrite) {
      // AOF was switched on and has no file yet: keep trying.
      rewrite_scheduled_ = true;
      rewrite_retry_at_ms_ = now + 1000;
    }
    return;
  }
  last_rewrite_ok_ = true;
  rewrite_failures_in_row_ = 0;
  ++rewrites_;
  struct stat st {};
  int64_t size = fstat(new_fd, &st) == 0 ? st.st_size : 0;
  if (state_ == State::kOff) {
    close(new_fd);
    LOG_NOTICE("Background AOF rewrite finished successfully (AOF is off: file written, not appended to)");
    return;
  }
  // The old file's descriptor is closed on the worker, after any fsync queued on it.
  if (fd_ >= 0) worker_.close(fd_);
  fd_ = new_fd;
  path_ = rewrite_target_;
  // Everything in buf_ was also in the rewrite buffer, now in the new file.
  buf_.clear();
  selected_db_ = -1;
  current_size_ = base_size_ = size;
  fsynced_size_ = size;
  last_fsync_ms_ = now;
  write_ok_ = true;
  write_errno_ = 0;
  if (state_ == State::kWaitRewrite) {
    state_ = State::kOn;
    LOG_NOTICE("Background AOF rewrite terminated with success; AOF is now on");
  }
  LOG_NOTICE("Background AOF rewrite finished successfully (%lld bytes)", static_cast<long long>(size));
}

void Aof::kill_child() {
  if (child_pid_ <= 0) return;
  pid_t pid = child_pid_;
  kill(pid, SIGUSR1);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  child_pid_ = -1;
  unlink(temp_path(pid).c_str());
  std::string().swap(rewrite_buf_);
  LOG_NOTICE("Killed the AOF rewrite child %d", static_cast<int>(pid));
}

}  // namespace datanode
