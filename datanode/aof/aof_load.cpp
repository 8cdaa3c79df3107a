// Loading the AOF at start: replay every command through the normal dispatch with a fake client, drop
// a tail cut short by a crash, refuse a file corrupted before its end.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "datanode/aof/aof.h"
#include "datanode/aof/format.h"
#include "datanode/rdb/decoder.h"
#include "datanode/scripting/functions.h"
#include "datanode/scripting/scripting.h"

namespace datanode {

bool Aof::load_on_start() {
  if (!server_.settings().appendonly) return true;
  path_ = current_path();
  struct stat st {};
  if (stat(path_.c_str(), &st) == 0) {
    std::string err = load_file(path_);
    if (!err.empty()) {
      LOG_WARNING("%s", err.c_str());
      return false;
    }
  }
  fd_ = open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    LOG_WARNING("Can't open the append-only file %s: %s", path_.c_str(), strerror(errno));
    return false;
  }
  struct stat now {};
  fstat(fd_, &now);
  current_size_ = base_size_ = fsynced_size_ = now.st_size;
  last_fsync_ms_ = util::mono_ms();
  selected_db_ = -1;
  state_ = State::kOn;
  return true;
}

std::string Aof::debug_load() {
  if (state_ == State::kOn) flush(true);
  std::string path = path_.empty() ? current_path() : path_;
  // As Redis: the data set is emptied first, even when the file then cannot be read.
  server_.touch_all(-1);
  for (store::Database& db : server_.databases()) db.clear();
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return "ERR Error loading the AOF";
  std::string err = load_file(path);
  if (!err.empty()) {
    LOG_WARNING("%s", err.c_str());
    return "ERR Error loading the AOF";
  }
  LOG_WARNING("Append Only File loaded by DEBUG LOADAOF");
  return "";
}

namespace {

// The keys of an RDB preamble straight into the keyspace; *consumed: where the commands start.
std::string load_preamble_into(Server& server, std::string_view data, size_t* consumed) {
  int64_t now = util::unix_ms();
  size_t dbs = server.databases().size();
  std::string bad_db;
  rdb::LoadInfo info;
  std::string err = rdb::decode(
      data,
      [&](int db, std::string key, store::Value value, int64_t expire_ms) {
        if (db < 0 || static_cast<size_t>(db) >= dbs) {
          bad_db = std::to_string(db);
          return;
        }
        if (expire_ms >= 0 && expire_ms <= now && !server.is_replica()) return;
        server.db(db).put(key, std::move(value));
        if (expire_ms >= 0) server.db(db).set_expire(key, expire_ms);
      },
      &info);
  if (err.empty() && !bad_db.empty()) err = "database " + bad_db + " out of range";
  if (!err.empty()) return err;
  scripting_of(server).functions().replace_all(info.function_libraries);
  LOG_NOTICE("Reading RDB preamble from AOF file...");
  LOG_NOTICE("Loaded RDB preamble: %llu keys", static_cast<unsigned long long>(info.keys));
  *consumed = info.consumed;
  return "";
}

}  // namespace

std::string Aof::load_file(const std::string& path) {
  aof::MappedFile file;
  std::string err = file.open(path);
  if (!err.empty()) return "Fatal error: can't open the append only file for reading: " + err;
  std::string_view data = file.data();
  int64_t start = util::mono_ms();
  int64_t last_log = start;
  LOG_NOTICE("Reading the append only file %s (%zu bytes)", path.c_str(), data.size());

  Client fake;
  fake.authenticated = true;
  fake.flags = kClientMaster;  // write guards do not apply to what was already accepted
  std::string replies;
  resp::Writer out(&replies);
  // A Redis 7 AOF written with aof-use-rdb-preamble starts with an RDB snapshot; commands follow it.
  size_t base = 0;
  if (data.substr(0, 5) == "REDIS") {
    std::string err = load_preamble_into(server_, data, &base);
    if (!err.empty()) return "Bad RDB preamble in the append only file " + path + ": " + err;
  }
  aof::RecordScanner scanner(data.substr(base));
  std::vector<std::string_view> argv;
  size_t commands = 0;
  size_t before_multi = 0;
  loading_ = true;
  server_.set_loading(true);
  for (store::Database& db : server_.databases()) db.set_expiry_suspended(true);
  aof::RecordStatus status;
  for (;;) {
    status = scanner.next(&argv);
    if (status != aof::RecordStatus::kRecord) break;
    if (server_.commands().find(argv[0]) == nullptr) {
      err = "Unknown command '" + std::string(argv[0].substr(0, 64)) + "' reading the append only file " +
            path + " at offset " + std::to_string(base + scanner.record_start());
      break;
    }
    bool was_multi = fake.has(kClientMulti);
    server_.execute(fake, argv, out);
    if (!was_multi && fake.has(kClientMulti)) before_multi = base + scanner.record_start();
    if (replies.size() > 64 * 1024) replies.clear();
    if ((++commands & 0xFFF) == 0) {
      int64_t now = util::mono_ms();
      if (now - last_log >= 2000) {
        last_log = now;
        LOG_NOTICE("Loading the append only file: %.1f%% (%zu commands)",
                   100.0 * static_cast<double>(base + scanner.offset()) / static_cast<double>(data.size()),
                   commands);
      }
    }
  }
  server_.set_loading(false);
  loading_ = false;
  for (store::Database& db : server_.databases()) db.set_expiry_suspended(false);
  if (!err.empty()) return err;

  size_t valid_up_to = base + scanner.record_start();
  if (fake.has(kClientMulti)) {
    // A transaction without its EXEC never happened: cut it off with the tail.
    LOG_WARNING("Revert incomplete MULTI/EXEC transaction in AOF file %s", path.c_str());
    valid_up_to = before_multi;
    if (status == aof::RecordStatus::kEnd) status = aof::RecordStatus::kTruncated;
  }
  if (status == aof::RecordStatus::kCorrupt) {
    return "Bad file format reading the append only file " + path + " at offset " +
           std::to_string(valid_up_to) + " (" + scanner.error() +
           "). Make a backup of your AOF file, then use `datanode --check-aof " + path +
           " --fix` to truncate it at that point (everything after it is lost).";
  }
  if (status == aof::RecordStatus::kTruncated) {
    if (!server_.settings().aof_load_truncated) {
      return "Unexpected end of file reading the append only file " + path + " at offset " +
             std::to_string(valid_up_to) +
             ". You can: 1) Make a backup of your AOF file, then use `datanode --check-aof " + path +
             " --fix`. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and "
             "restart the server.";
    }
    LOG_WARNING("!!! Warning: short read while loading the AOF file %s!!!", path.c_str());
    LOG_WARNING("!!! Truncating the AOF %s at offset %zu (%zu bytes of an incomplete command dropped) !!!",
                path.c_str(), valid_up_to, data.size() - valid_up_to);
    if (truncate(path.c_str(), static_cast<off_t>(valid_up_to)) != 0)
      return "Error truncating the AOF file " + path + ": " + strerror(errno);
    LOG_WARNING("AOF %s loaded anyway because aof-load-truncated is enabled", path.c_str());
  }
  double secs = static_cast<double>(util::mono_ms() - start) / 1000.0;
  LOG_NOTICE("DB loaded from append only file: %.3f seconds (%zu commands)", secs, commands);
  return "";
}

}  // namespace datanode
