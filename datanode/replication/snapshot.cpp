// Replica snapshots: a replica keeps `<dir>/replica.rdb` (written by a forked child about once a
// second while its data changes, and on shutdown) holding its data and the stream position it
// reflects (repl-id / repl-offset AUX fields). Restarted, even after SIGKILL, it loads the file and asks
// its master to continue from that position: a partial resync when the master's backlog still has it.
// With appendonly yes the AOF is the source of truth at start and the snapshot is not used.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/fs.h"
#include "datanode/rdb/decoder.h"
#include "datanode/rdb/encoder.h"
#include "datanode/replication/replica_link.h"
#include "datanode/replication/replication.h"
#include "datanode/scripting/functions.h"
#include "datanode/scripting/scripting.h"

namespace datanode {
namespace {

constexpr int64_t kSnapshotPeriodMs = 1000;

// Writes `data` to `path` through a temporary file and a rename; usable in a forked child.
bool write_snapshot_file(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  FILE* f = fopen(tmp.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = fwrite(data.data(), 1, data.size(), f) == data.size();
  ok = fflush(f) == 0 && ok;
  ok = fsync(fileno(f)) == 0 && ok;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace

std::string Replication::snapshot_path() const { return util::path_join(server_.settings().dir, "replica.rdb"); }

bool Replication::load_snapshot_on_start() {
  if (server_.settings().appendonly) return false;
  std::string data;
  if (!util::read_file(snapshot_path(), &data) || data.empty()) return false;
  size_t dbs = server_.databases().size();
  rdb::LoadInfo info;
  int64_t started = util::mono_ms();
  std::string err = rdb::decode(
      data,
      [&](int db, std::string key, store::Value value, int64_t expire_ms) {
        if (db < 0 || static_cast<size_t>(db) >= dbs) return;
        server_.db(db).put(key, std::move(value));
        if (expire_ms >= 0) server_.db(db).set_expire(key, expire_ms);
      },
      &info);
  if (!err.empty()) {
    LOG_WARNING("Ignoring replica snapshot %s: %s", snapshot_path().c_str(), err.c_str());
    for (auto& db : server_.databases()) db.clear();
    return false;
  }
  LOG_NOTICE("DB loaded from replica snapshot: %llu keys in %lld ms", static_cast<unsigned long long>(info.keys),
             static_cast<long long>(util::mono_ms() - started));
  if (info.repl_id.size() == 40 && info.repl_offset >= 0) {
    replid_ = info.repl_id;
    master_repl_offset_ = info.repl_offset;
    snapshot_offset_ = info.repl_offset;
    have_history_ = true;
    for (const auto& [k, v] : info.aux)
      if (k == "repl-stream-db") resume_db_ = std::atoi(v.c_str());
    LOG_NOTICE("Using the snapshot's replication position %s:%lld to resume replication", replid_.c_str(),
               static_cast<long long>(master_repl_offset_));
  }
  return true;
}

void Replication::maybe_save_snapshot(int64_t now_ms) {
  // A replica that must resync (a command of the stream could not be applied: have_history_ is off)
  // holds data that no (replid, offset) describes: a snapshot of it would resume from the wrong place.
  if (!is_replica() || !link_ || !link_->up() || snapshot_child_ > 0 || !have_history_) return;
  if (server_.settings().appendonly) return;
  int64_t offset = link_->consistent_offset();
  if (offset == snapshot_offset_ || now_ms - last_snapshot_ms_ < kSnapshotPeriodMs) return;
  last_snapshot_ms_ = now_ms;
  rdb::SaveInfo info{true, replid_, offset, link_->stream_db(), scripting_of(server_).functions().sources()};
  pid_t pid = fork();
  if (pid < 0) {
    LOG_WARNING("Can't fork for the replica snapshot: %s", strerror(errno));
    return;
  }
  if (pid == 0) {
    // Child: touches nothing of the loop, writes the file and leaves.
    std::string data = rdb::encode_snapshot(server_.databases(), info);
    _exit(write_snapshot_file(snapshot_path(), data) ? 0 : 1);
  }
  snapshot_child_ = pid;
  snapshot_offset_ = offset;
}

void Replication::reap_snapshot_child() {
  if (snapshot_child_ <= 0) return;
  int status = 0;
  pid_t r = waitpid(snapshot_child_, &status, WNOHANG);
  if (r == 0) return;
  if (r == snapshot_child_ && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    LOG_WARNING("Replica snapshot child failed");
    snapshot_offset_ = -1;
  }
  snapshot_child_ = -1;
}

bool Replication::save_snapshot_now() {
  if (snapshot_child_ > 0) {
    int status = 0;
    waitpid(snapshot_child_, &status, 0);
    snapshot_child_ = -1;
  }
  int64_t offset = link_ ? link_->consistent_offset() : master_repl_offset_;
  rdb::SaveInfo info{true, replid_, offset, link_ ? link_->stream_db() : 0,
                     scripting_of(server_).functions().sources()};
  bool ok = write_snapshot_file(snapshot_path(), rdb::encode_snapshot(server_.databases(), info));
  if (ok) LOG_NOTICE("Replica snapshot saved at offset %lld", static_cast<long long>(offset));
  else LOG_WARNING("Could not save the replica snapshot %s", snapshot_path().c_str());
  return ok;
}

}  // namespace datanode
