// RDB persistence, as Redis 7.0: SAVE, BGSAVE [SCHEDULE], save points ("3600 1 300 100 60 10000"),
// dbfilename / rdbcompression / rdbchecksum, -MISCONF after a failed background save
// (stop-writes-on-bgsave-error), dump.rdb loaded at start when the AOF is off, the final save of
// SHUTDOWN / SIGTERM, and the rdb_* fields of INFO persistence.
//
// One RDB child at a time (Redis' CHILD_TYPE_RDB), shared with replication: a BGSAVE to the file
// (also what a disk-based full sync sends) or a snapshot written into a pipe for a diskless sync.
// The child is fork()ed, so the parent keeps serving with copy-on-write pages and no serialisation on
// the loop; it writes temp-<pid>.rdb, fsyncs, renames and _exit()s without touching libuv. The parent
// reaps it from the cron (waitpid WNOHANG on its pid) and never blocks.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "datanode/persistence/shutdown.h"
#include "datanode/rdb/encoder.h"
#include "datanode/rdb/writer.h"
#include "datanode/server/server.h"

namespace datanode {

class Persistence : public PropagationSink {
 public:
  enum ShutdownFlags : int {
    kShutdownNoFlags = 0,
    kShutdownNoSave = 1,
    kShutdownSave = 2,
    kShutdownNow = 4,
    kShutdownForce = 8,
  };
  enum class ChildKind { kNone, kDisk, kSocket };

  explicit Persistence(Server& server);
  ~Persistence() override;
  Persistence(const Persistence&) = delete;
  Persistence& operator=(const Persistence&) = delete;

  // PropagationSink: counts changes (rdb_changes_since_last_save, save points).
  void feed(int db, const std::vector<std::string_view>& argv) override;

  // --- Commands ---
  // SAVE: "" or the error text.
  std::string save_command();
  // BGSAVE [SCHEDULE]: *status is the status reply on success, otherwise the error text is returned.
  std::string bgsave_command(bool schedule, std::string* status);
  // The final save of SHUTDOWN or a signal: false when the server must keep running (save failed, no
  // FORCE). Also kills a running child.
  bool prepare_shutdown(int flags);
  bool has_save_points() const { return !save_points_.empty(); }
  // SHUTDOWN / signals waiting for replicas before the final save (shutdown.h).
  ShutdownSequence& shutdown() { return *shutdown_; }
  const ShutdownSequence& shutdown() const { return *shutdown_; }

  // --- For replication ---
  ChildKind child_kind() const { return child_pid_ > 0 ? child_kind_ : ChildKind::kNone; }
  bool any_child_active() const;
  // Starts a BGSAVE to dbfilename (a disk-based full sync sends that file). "" or the error.
  std::string start_disk_save(const rdb::SaveInfo& info);
  // Forks a child writing the snapshot into a pipe; returns the (non-blocking) read end, or -1.
  int start_socket_save(const rdb::SaveInfo& info);
  // Called once a child has been reaped: its kind and whether it succeeded.
  void set_child_listener(std::function<void(ChildKind, bool)> fn) { child_listener_ = std::move(fn); }
  std::string rdb_path() const;
  const rdb::SaveInfo& last_child_info() const { return child_info_; }

  // The rdb_* lines of INFO persistence (the AOF writes the section around them).
  void write_info(std::string& out) const;
  uint64_t dirty() const { return dirty_; }
  // -MISCONF while the last snapshot failed (stop-writes-on-bgsave-error), else "" (the dispatcher's
  // checks, datanode/server/admission.cpp).
  std::string write_guard() const;

 private:
  bool parse_save_points(const std::string& text, std::vector<std::pair<int64_t, int64_t>>* out) const;
  void cron(int64_t now_ms);
  bool load_on_start();
  rdb::SaveInfo save_info() const;
  rdb::WriteOptions write_options() const;
  // Foreground save to dbfilename: true on success (updates lastsave, dirty).
  bool save_foreground();
  pid_t fork_child(ChildKind kind, const rdb::SaveInfo& info, int pipe_write_fd);
  void reap_child();
  void kill_child();
  void child_done(bool ok, int64_t now_ms);

  Server& server_;
  std::vector<std::pair<int64_t, int64_t>> save_points_;  // (seconds, changes)
  uint64_t dirty_ = 0;
  uint64_t dirty_before_bgsave_ = 0;
  uint64_t saves_ = 0;
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_try_ms_ = 0;     // monotonic, for the retry delay after a failure
  int64_t last_bgsave_time_sec_ = -1;  // duration of the last background save
  bool bgsave_scheduled_ = false;
  uint64_t keys_loaded_ = 0, keys_expired_on_load_ = 0;

  pid_t child_pid_ = -1;
  ChildKind child_kind_ = ChildKind::kNone;
  int64_t child_start_ms_ = 0;
  rdb::SaveInfo child_info_;
  std::function<void(ChildKind, bool)> child_listener_;
  std::unique_ptr<ShutdownSequence> shutdown_;
};

}  // namespace datanode
