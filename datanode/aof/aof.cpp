// The AOF subsystem's wiring and its append path: feed, buffer, write, fsync policy, disk errors, the
// runtime switch and INFO. Rewrite and load live in aof_rewrite.cpp and aof_load.cpp.
#include "datanode/aof/aof.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "common/log/log.h"
#include "common/resp/writer.h"
#include "common/util/clock.h"
#include "common/util/fs.h"
#include "common/util/strings.h"
#include "datanode/persistence/persistence.h"

namespace datanode {
namespace {

// Writes everything, retrying on EINTR and partial writes; returns bytes written, or -1 if nothing was
// written (errno set). A short count means the last write failed (errno set).
ssize_t write_all(int fd, const char* data, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::write(fd, data + done, len - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return done == 0 ? -1 : static_cast<ssize_t>(done);
    }
    if (n == 0) {
      errno = ENOSPC;
      break;
    }
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

void cmd_bgrewriteaof(Context& ctx) {
  Aof& aof = ctx.server.aof();
  if (aof.rewrite_in_progress())
    return ctx.out.error("ERR Background append only file rewriting already in progress");
  // One child at a time, as Redis: the rewrite starts from the cron once the RDB child is gone.
  if (ctx.server.persistence().child_kind() != Persistence::ChildKind::kNone) {
    aof.schedule_rewrite();
    return ctx.out.simple("Background append only file rewriting scheduled");
  }
  std::string err = aof.start_rewrite();
  if (!err.empty()) return ctx.out.error(err);
  ctx.out.simple("Background append only file rewriting started");
}

}  // namespace

Aof::Aof(Server& server) : server_(server) {
  // The file size limit (RLIMIT_FSIZE) must surface as EFBIG on write, not kill the process.
  signal(SIGXFSZ, SIG_IGN);
  server_.add_sink(this);
  server_.commands().add("bgrewriteaof", 1, command::kAdmin, cmd_bgrewriteaof);
  server_.add_startup_hook([this] { return load_on_start(); });
  server_.add_before_flush([this] { flush(false); });
  server_.add_periodic(100, [this](int64_t now) { periodic(now); });
  server_.add_shutdown_hook([this] { shutdown(); });
  server_.add_info_section("persistence", [this](std::string& out) { write_info(out); });
  if (config::Option* opt = server_.registry().find("appendonly")) {
    opt->on_change = [this]() -> std::string {
      if (server_.settings().appendonly && state_ == State::kOff) return start_appending();
      if (!server_.settings().appendonly && state_ != State::kOff) stop_appending();
      return "";
    };
  }
}

Aof::~Aof() {
  kill_child();
  if (fd_ >= 0) ::close(fd_);
}

Aof::Fsync Aof::policy() const {
  const std::string& p = server_.settings().appendfsync;
  if (p == "always") return Fsync::kAlways;
  if (p == "no") return Fsync::kNo;
  return Fsync::kEverysec;
}

std::string Aof::current_path() const {
  return util::path_join(server_.settings().dir, server_.settings().appendfilename);
}

void Aof::feed(int db, const std::vector<std::string_view>& argv) {
  if (state_ == State::kOff && child_pid_ <= 0) return;
  if (loading_) return;
  // PUBLISH travels the replication stream so replicas' subscribers get it, but it is not data: like
  // Redis, keep it out of the file (replaying it at start would publish to nobody).
  if (util::iequals(argv[0], "publish") || util::iequals(argv[0], "spublish")) return;
  ++changes_;
  scratch_.clear();
  resp::Writer w(&scratch_);
  w.command(argv);
  auto append = [&](std::string& out, int& selected) {
    if (selected != db) {
      std::string n = std::to_string(db);
      std::vector<std::string_view> select = {"SELECT", n};
      resp::Writer(&out).command(select);
      selected = db;
    }
    out += scratch_;
  };
  if (state_ == State::kOn) append(buf_, selected_db_);
  if (child_pid_ > 0) append(rewrite_buf_, rewrite_selected_db_);
}

void Aof::flush(bool force) {
  if (state_ != State::kOn || fd_ < 0) return;
  int64_t now = util::mono_ms();
  Fsync fs = policy();
  if (buf_.empty()) {
    // Nothing new, but data written earlier may still wait for its once-a-second fsync.
    if (fs == Fsync::kEverysec) maybe_background_fsync(now);
    return;
  }
  if (fs == Fsync::kEverysec && !force && worker_.pending_fsyncs() > 0) {
    // A write(2) would block behind the running fsync on many file systems: wait up to 2 s.
    if (postponed_since_ms_ == 0) {
      postponed_since_ms_ = now;
      return;
    }
    if (now - postponed_since_ms_ < 2000) return;
    delayed_fsync_++;
    LOG_NOTICE(
        "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting "
        "for fsync to complete, this may slow down Redis.");
  }
  postponed_since_ms_ = 0;

  ssize_t n = write_all(fd_, buf_.data(), buf_.size());
  if (n != static_cast<ssize_t>(buf_.size())) {
    int err = n < 0 ? errno : (errno != 0 ? errno : ENOSPC);
    if (n > 0) {
      // Never leave half a record that later records would follow: cut it off, or failing that,
      // keep what made it and write the rest later.
      if (ftruncate(fd_, current_size_) == 0) {
        n = 0;
      } else {
        LOG_WARNING("Could not remove short write from the append-only file: %s", strerror(errno));
        current_size_ += n;
        buf_.erase(0, static_cast<size_t>(n));
      }
    }
    if (fs == Fsync::kAlways) {
      LOG_WARNING("Can't recover from AOF write error when the AOF fsync policy is 'always' (%s). Exiting...",
                  strerror(err));
      _exit(1);
    }
    if (write_ok_ || write_errno_ != err) LOG_WARNING("Error writing to the AOF file: %s", strerror(err));
    write_ok_ = false;
    write_errno_ = err;
    last_write_retry_ms_ = now;
    return;
  }
  if (!write_ok_) LOG_WARNING("AOF write error looks solved, Redis can write again.");
  write_ok_ = true;
  write_errno_ = 0;
  current_size_ += n;
  if (buf_.capacity() > 4 * 1024 * 1024) {
    std::string().swap(buf_);
  } else {
    buf_.clear();
  }

  if (server_.settings().no_appendfsync_on_rewrite && child_pid_ > 0) return;
  if (fs == Fsync::kAlways) {
    if (fdatasync(fd_) != 0 && errno != EINVAL) {
      LOG_WARNING("Can't persist AOF for fsync error when the AOF fsync policy is 'always': %s. Exiting...",
                  strerror(errno));
      _exit(1);
    }
    fsynced_size_ = current_size_;
    last_fsync_ms_ = now;
  } else if (fs == Fsync::kEverysec) {
    maybe_background_fsync(now);
  }
}

void Aof::maybe_background_fsync(int64_t now_ms) {
  // A failed fsync is retried (once a second) even with nothing new: writes stay refused until it works.
  bool failed = worker_.last_fsync_errno() != 0;
  if ((fsynced_size_ == current_size_ && !failed) || now_ms - last_fsync_ms_ < 1000) return;
  if (worker_.pending_fsyncs() > 0) return;
  if (server_.settings().no_appendfsync_on_rewrite && child_pid_ > 0) return;
  worker_.fsync(fd_);
  fsynced_size_ = current_size_;
  last_fsync_ms_ = now_ms;
}

void Aof::periodic(int64_t now_ms) {
  check_child();
  if (state_ == State::kOn) {
    // Writes that no client round flushed (expiry DELs), postponed writes and failed writes.
    if (!write_ok_) {
      if (now_ms - last_write_retry_ms_ >= 1000) flush(true);
    } else {
      flush(false);
    }
  }
  if (child_pid_ > 0 || server_.persistence().child_kind() != Persistence::ChildKind::kNone) return;
  if (rewrite_scheduled_ && now_ms >= rewrite_retry_at_ms_) {
    rewrite_scheduled_ = false;
    std::string err = start_rewrite();
    if (!err.empty()) {
      rewrite_scheduled_ = true;
      rewrite_retry_at_ms_ = now_ms + 5000;
    }
    return;
  }
  const Settings& s = server_.settings();
  if (state_ == State::kOn && s.auto_aof_rewrite_percentage > 0 &&
      current_size_ > s.auto_aof_rewrite_min_size) {
    int64_t base = base_size_ > 0 ? base_size_ : 1;
    int64_t growth = current_size_ * 100 / base - 100;
    if (growth >= s.auto_aof_rewrite_percentage) {
      if (base_size_ > 0) {
        LOG_NOTICE("Starting automatic rewriting of AOF on %lld%% growth", static_cast<long long>(growth));
      } else {  // a percentage of nothing reads as nonsense (22160419500%): say what happened
        LOG_NOTICE("Starting automatic rewriting of AOF: it started empty and has grown to %lld bytes",
                   static_cast<long long>(current_size_));
      }
      std::string err = start_rewrite();
      if (!err.empty()) LOG_WARNING("Automatic AOF rewrite failed to start: %s", err.c_str());
    }
  }
}

std::string Aof::write_guard() const {
  if (state_ == State::kOff) return "";
  int err = !write_ok_ ? write_errno_ : worker_.last_fsync_errno();
  if (err == 0) return "";
  return std::string("MISCONF Errors writing to the AOF file: ") + strerror(err);
}

std::string Aof::start_appending() {
  path_ = current_path();
  // Like Redis: the new file starts as a full rewrite; until it is in place, commands only go to the
  // rewrite buffer.
  if (child_pid_ > 0) kill_child();
  state_ = State::kWaitRewrite;
  std::string err = start_rewrite();
  if (!err.empty()) {
    state_ = State::kOff;
    LOG_WARNING("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. (%s)",
                err.c_str());
    return "Can't start the AOF rewrite: " + err;
  }
  LOG_NOTICE("AOF enabled: background rewrite started to create the initial file");
  return "";
}

void Aof::stop_appending() {
  if (state_ == State::kOn) {
    flush(true);
    if (fd_ >= 0) {
      fdatasync(fd_);
      worker_.drain();
      ::close(fd_);
    }
  }
  fd_ = -1;
  kill_child();
  state_ = State::kOff;
  rewrite_scheduled_ = false;
  buf_.clear();
  selected_db_ = -1;
  LOG_NOTICE("AOF disabled");
}

void Aof::restart_after_full_sync() {
  if (state_ == State::kOff) return;
  if (state_ == State::kOn && fd_ >= 0) {
    flush(true);
    worker_.close(fd_);
  }
  fd_ = -1;
  buf_.clear();
  selected_db_ = -1;
  kill_child();
  state_ = State::kWaitRewrite;
  std::string err = start_rewrite();
  if (!err.empty()) {
    LOG_WARNING("Could not start the AOF rewrite after the full sync: %s", err.c_str());
    rewrite_scheduled_ = true;
    rewrite_retry_at_ms_ = util::mono_ms() + 1000;
  }
}

void Aof::shutdown() {
  kill_child();
  if (state_ != State::kOn || fd_ < 0) return;
  flush(true);
  LOG_NOTICE("Calling fsync() on the AOF file.");
  worker_.drain();
  fdatasync(fd_);
}

void Aof::write_info(std::string& out) const {
  auto field = [&out](const char* name, const std::string& value) {
    out += name;
    out += ':';
    out += value;
    out += "\r\n";
  };
  auto num = [&field](const char* name, int64_t v) { field(name, std::to_string(v)); };
  int64_t now = util::mono_ms();
  num("loading", server_.loading() ? 1 : 0);
  num("async_loading", 0);
  num("current_cow_peak", 0);
  num("current_cow_size", 0);
  num("current_cow_size_age", 0);
  field("current_fork_perc", "0.00");
  num("current_save_keys_processed", 0);
  num("current_save_keys_total", 0);
  server_.persistence().write_info(out);
  num("aof_enabled", state_ != State::kOff ? 1 : 0);
  num("aof_rewrite_in_progress", child_pid_ > 0 ? 1 : 0);
  num("aof_rewrite_scheduled", rewrite_scheduled_ ? 1 : 0);
  num("aof_last_rewrite_time_sec", last_rewrite_time_sec_);
  num("aof_current_rewrite_time_sec", child_pid_ > 0 ? (now - rewrite_start_ms_) / 1000 : -1);
  field("aof_last_bgrewrite_status", last_rewrite_ok_ ? "ok" : "err");
  num("aof_rewrites", static_cast<int64_t>(rewrites_));
  num("aof_rewrites_consecutive_failures", static_cast<int64_t>(rewrite_failures_in_row_));
  field("aof_last_write_status", write_ok_ && worker_.last_fsync_errno() == 0 ? "ok" : "err");
  num("aof_last_cow_size", 0);
  num("module_fork_in_progress", 0);
  num("module_fork_last_cow_size", 0);
  if (state_ != State::kOff) {
    num("aof_current_size", current_size_);
    num("aof_base_size", base_size_);
    num("aof_pending_rewrite", rewrite_scheduled_ ? 1 : 0);
    num("aof_buffer_length", static_cast<int64_t>(buf_.size()));
    num("aof_pending_bio_fsync", worker_.pending_fsyncs());
    num("aof_delayed_fsync", static_cast<int64_t>(delayed_fsync_));
  }
}

}  // namespace datanode
