// Append-only file: append, fsync policy, rewrite, load on start.
//
// File format: ONE file, `<dir>/<appendfilename>`, holding RESP multibulk commands back to back
// (`*<argc>\r\n$<len>\r\n<arg>\r\n...`), exactly what the propagation stream carries, with `SELECT <db>`
// inserted whenever the database changes (the file starts in database 0). With aof-use-rdb-preamble
// (default yes, as Redis) a rewritten file starts with an RDB snapshot and the commands follow it. There
// is no multi-part manifest (Redis 7 has base + incr files; a single file is enough here: a rewrite builds
// the compact replacement next to it and renames it over the old one atomically). redis-server 7 loads
// such a file as an old-style AOF (it upgrades it to its manifest layout on start).
//
// Appending: every propagated command is encoded into a buffer; the buffer is written once per loop
// iteration, before replies are flushed (Server::add_before_flush).
//   always    write + fdatasync in that hook, so no reply to a write leaves before its record is on
//             disk. If the write or fdatasync fails the process EXITS (as Redis does): the replies
//             queued in this iteration are never sent, so no client was told OK for a lost write.
//   everysec  write in the hook, fdatasync at most once a second on a background thread. If an fsync
//             is still running, writes are postponed up to 2 s, then done anyway (aof_delayed_fsync).
//   no        write in the hook, the kernel decides when to sync.
// A failed write (ENOSPC, EIO, EFBIG...) with everysec/no keeps the data in the buffer, refuses write
// commands with -MISCONF, and is retried every second until the disk takes it again. A short write is
// rolled back with ftruncate so the file never ends in half a record that later data would follow.
// A failed background fsync (everysec) also refuses writes with -MISCONF until a retried fsync works.
//
// Rewrite (BGREWRITEAOF, automatic growth trigger, CONFIG SET appendonly yes): fork(); the child
// serialises the keyspace as an RDB preamble, or as one command per key (store/rewrite.h) with the
// preamble off, into temp-rewriteaof-bg-<pid>.aof,
// fsyncs and exits without touching libuv. Meanwhile the parent keeps appending to the old file and
// also keeps every new command in a rewrite buffer. When the child has exited successfully the parent
// appends that buffer to the temp file, fsyncs it, renames it over the AOF, fsyncs the directory and
// continues appending to the new file. A failure leaves the old file in place.
//
// Load (before the server listens): each command is run through Server::execute by a fake client with
// propagation off. A tail cut short by a crash is dropped (file truncated there) when aof-load-truncated
// is yes; a malformed record before the end refuses the start with its byte offset and points to
// `datanode --check-aof <file> --fix`.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "datanode/aof/fsync_worker.h"
#include "datanode/server/server.h"

namespace datanode {

class Aof : public PropagationSink {
 public:
  explicit Aof(Server& server);
  ~Aof() override;
  Aof(const Aof&) = delete;
  Aof& operator=(const Aof&) = delete;

  // PropagationSink: appends one command (and a SELECT when the database changes).
  void feed(int db, const std::vector<std::string_view>& argv) override;

  // Start-up: loads the AOF when appendonly is yes. Returns false when the server must not start.
  bool load_on_start();
  // DEBUG LOADAOF: writes out what is buffered, empties the data set and loads it back from the file.
  // Returns "" or Redis' error text (without "-").
  std::string debug_load();

  // BGREWRITEAOF: returns "" when a rewrite started, otherwise Redis' error text (without "-").
  std::string start_rewrite();
  bool rewrite_in_progress() const { return child_pid_ > 0; }
  // Starts a rewrite from the cron as soon as no other child runs.
  void schedule_rewrite() {
    rewrite_scheduled_ = true;
    rewrite_retry_at_ms_ = 0;
  }
  // The data set was replaced wholesale (replica full sync): the file no longer describes it. As Redis'
  // stop + start: appending stops, a fresh rewrite (restarted if one was running) builds the new file,
  // which replaces the old one only when complete.
  void restart_after_full_sync();
  bool enabled() const { return state_ != State::kOff; }
  const std::string& path() const { return path_; }

  // The INFO persistence fields.
  void write_info(std::string& out) const;
  // -MISCONF while the AOF cannot be written, else "" (the dispatcher's checks, admission.cpp).
  std::string write_guard() const;

 private:
  enum class State { kOff, kOn, kWaitRewrite };
  enum class Fsync { kAlways, kEverysec, kNo };

  Fsync policy() const;
  std::string current_path() const;
  // Writes the buffer (and syncs per policy). `force` writes even while a background fsync runs.
  void flush(bool force);
  void maybe_background_fsync(int64_t now_ms);
  // Runtime switch (CONFIG SET appendonly): "" or why it failed.
  std::string start_appending();
  void stop_appending();
  void periodic(int64_t now_ms);
  void shutdown();

  // Rewrite child management (aof_rewrite.cpp).
  void check_child();
  void rewrite_done(bool ok);
  void kill_child();
  std::string temp_path(pid_t pid) const;

  // Loading (aof_load.cpp): "" or the fatal error; sets *truncated_at when the tail was cut short.
  std::string load_file(const std::string& path);

  Server& server_;
  State state_ = State::kOff;
  std::string path_;
  int fd_ = -1;
  std::string buf_;             // encoded commands not yet written
  std::string scratch_;         // one encoded command, appended to the buffers
  int selected_db_ = -1;        // database the file is in at its end (-1: emit SELECT first)
  bool loading_ = false;

  int64_t current_size_ = 0;    // bytes in the file
  int64_t base_size_ = 0;       // size right after the last rewrite (or the load)
  int64_t fsynced_size_ = 0;    // size covered by the last fsync started
  int64_t last_fsync_ms_ = 0;
  int64_t postponed_since_ms_ = 0;
  uint64_t delayed_fsync_ = 0;
  bool write_ok_ = true;
  int write_errno_ = 0;
  int64_t last_write_retry_ms_ = 0;
  uint64_t changes_ = 0;        // commands appended since start (INFO rdb_changes_since_last_save)

  // Rewrite state.
  pid_t child_pid_ = -1;
  int64_t rewrite_start_ms_ = 0;
  int64_t last_rewrite_time_sec_ = -1;
  bool last_rewrite_ok_ = true;
  uint64_t rewrites_ = 0;
  uint64_t rewrite_failures_in_row_ = 0;
  bool rewrite_scheduled_ = false;
  int64_t rewrite_retry_at_ms_ = 0;
  std::string rewrite_buf_;
  int rewrite_selected_db_ = -1;
  std::string rewrite_target_;  // the AOF path the running rewrite replaces

  aof::FsyncWorker worker_;
};

// Body of the rewrite child: writes the whole keyspace as commands to `path` and fsyncs it.
// Returns "" or what failed.
std::string write_snapshot(Server& server, const std::string& path);

}  // namespace datanode
