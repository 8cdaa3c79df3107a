// The RDB child: fork(), write the snapshot (to temp-<pid>.rdb renamed over dbfilename, or into a pipe
// for a diskless full sync), _exit(). The parent polls waitpid(pid, WNOHANG) from the cron.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/fs.h"
#include "datanode/persistence/persistence.h"

namespace datanode {
namespace {

std::string temp_path(const Settings& s, pid_t pid) {
  return util::path_join(s.dir, "temp-" + std::to_string(pid) + ".rdb");
}

}  // namespace

pid_t Persistence::fork_child(ChildKind kind, const rdb::SaveInfo& info, int pipe_write_fd) {
  rdb::WriteOptions options = write_options();
  std::string path = rdb_path();
  pid_t pid = fork();
  if (pid != 0) return pid;
  // Child: only reads the (copy-on-write) keyspace and writes; never touches the loop or sockets.
  std::string err;
  if (kind == ChildKind::kDisk) {
    err = rdb::save_file(temp_path(server_.settings(), getpid()), path, server_.databases(), info, options);
  } else {
    err = rdb::write_snapshot(pipe_write_fd, server_.databases(), info, options);
    ::close(pipe_write_fd);
  }
  if (!err.empty())
    LOG_WARNING("%s", err.c_str());
  else if (kind == ChildKind::kDisk)
    LOG_NOTICE("DB saved on disk");
  _exit(err.empty() ? 0 : 1);
}

std::string Persistence::start_disk_save(const rdb::SaveInfo& info) {
  if (child_pid_ > 0) return "Background save already in progress";
  last_bgsave_try_ms_ = util::mono_ms();
  dirty_before_bgsave_ = dirty_;
  pid_t pid = fork_child(ChildKind::kDisk, info, -1);
  if (pid < 0) {
    last_bgsave_ok_ = false;
    LOG_WARNING("Can't save in background: fork: %s", strerror(errno));
    return std::string("Can't save in background: fork: ") + strerror(errno);
  }
  LOG_NOTICE("Background saving started by pid %d", static_cast<int>(pid));
  ++saves_;
  child_pid_ = pid;
  child_kind_ = ChildKind::kDisk;
  child_start_ms_ = util::mono_ms();
  child_info_ = info;
  return "";
}

int Persistence::start_socket_save(const rdb::SaveInfo& info) {
  if (child_pid_ > 0) return -1;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    LOG_WARNING("Can't setup the pipe for the diskless sync: %s", strerror(errno));
    return -1;
  }
  pid_t pid = fork_child(ChildKind::kSocket, info, fds[1]);
  ::close(fds[1]);
  if (pid < 0) {
    LOG_WARNING("Can't save in background: fork: %s", strerror(errno));
    ::close(fds[0]);
    return -1;
  }
  LOG_NOTICE("Background RDB transfer started by pid %d", static_cast<int>(pid));
  fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  child_pid_ = pid;
  child_kind_ = ChildKind::kSocket;
  child_start_ms_ = util::mono_ms();
  child_info_ = info;
  return fds[0];
}

void Persistence::reap_child() {
  if (child_pid_ <= 0) return;
  int status = 0;
  pid_t r = waitpid(child_pid_, &status, WNOHANG);
  if (r == 0) return;
  bool ok = r == child_pid_ && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (r == child_pid_ && WIFSIGNALED(status))
    LOG_WARNING("Background saving terminated by signal %d", WTERMSIG(status));
  child_done(ok, util::mono_ms());
}

void Persistence::child_done(bool ok, int64_t now_ms) {
  ChildKind kind = child_kind_;
  pid_t pid = child_pid_;
  child_pid_ = -1;
  child_kind_ = ChildKind::kNone;
  if (kind == ChildKind::kDisk) {
    last_bgsave_time_sec_ = (now_ms - child_start_ms_) / 1000;
    if (ok) {
      LOG_NOTICE("Background saving terminated with success");
      dirty_ = dirty_ >= dirty_before_bgsave_ ? dirty_ - dirty_before_bgsave_ : 0;
      server_.set_lastsave_unix(util::unix_ms() / 1000);
      last_bgsave_ok_ = true;
    } else {
      LOG_WARNING("Background saving error");
      last_bgsave_ok_ = false;
      unlink(temp_path(server_.settings(), pid).c_str());
    }
  } else {
    if (ok)
      LOG_NOTICE("Background RDB transfer terminated with success");
    else
      LOG_WARNING("Background transfer error");
  }
  if (child_listener_) child_listener_(kind, ok);
}

void Persistence::kill_child() {
  if (child_pid_ <= 0) return;
  pid_t pid = child_pid_;
  ChildKind kind = child_kind_;
  kill(pid, SIGUSR1);
  int status = 0;
  waitpid(pid, &status, 0);
  if (kind == ChildKind::kDisk) unlink(temp_path(server_.settings(), pid).c_str());
  child_pid_ = -1;
  child_kind_ = ChildKind::kNone;
  if (child_listener_) child_listener_(kind, false);
}

}  // namespace datanode
