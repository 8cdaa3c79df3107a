// The persistence subsystem's wiring, save points, SAVE / BGSAVE, the -MISCONF guard, shutdown and
// INFO. The child process and the start-up load live in rdb_child.cpp and rdb_load.cpp.
#include "datanode/persistence/persistence.h"

#include <sstream>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/fs.h"
#include "common/util/strings.h"
#include "datanode/aof/aof.h"
#include "datanode/replication/replication.h"
#include "datanode/scripting/functions.h"
#include "datanode/scripting/scripting.h"

namespace datanode {
namespace {

// After a failed BGSAVE the save points try again only after this delay (Redis'
// CONFIG_BGSAVE_RETRY_DELAY), so a full disk is not hammered by a fork per cron tick.
constexpr int64_t kBgsaveRetryDelayMs = 5000;

constexpr const char* kMisconf =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. "
    "Commands "
    "that may modify the data set are disabled, because this instance is configured to report errors during "
    "writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for "
    "details about the RDB error.";

}  // namespace

Persistence::Persistence(Server& server) : server_(server) {
  server_.add_sink(this);
  server_.add_periodic(100, [this](int64_t now) { cron(now); });
  shutdown_ = std::make_unique<ShutdownSequence>(server_, *this);
  // Runs after the AOF and the replica snapshot loaders (registered before us).
  server_.add_startup_hook([this] { return load_on_start(); });
  if (config::Option* o = server_.registry().find("save")) {
    o->on_change = [this]() -> std::string {
      std::vector<std::pair<int64_t, int64_t>> points;
      if (!parse_save_points(server_.settings().save, &points)) return "Invalid save parameters";
      save_points_ = std::move(points);
      return "";
    };
  }
  if (config::Option* o = server_.registry().find("dbfilename")) {
    o->on_change = [this]() -> std::string {
      const std::string& name = server_.settings().dbfilename;
      if (name.find('/') != std::string::npos) return "dbfilename can't be a path, just a filename";
      return "";
    };
  }
}

Persistence::~Persistence() {
  child_listener_ = nullptr;  // its owner may already be gone
  kill_child();
  server_.remove_sink(this);
}

bool Persistence::parse_save_points(const std::string& text,
                                    std::vector<std::pair<int64_t, int64_t>>* out) const {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  // `save ""` disables snapshots; an odd count or a non-number is an error, as Redis' "Invalid save
  // parameters".
  if (words.size() % 2 != 0) return false;
  out->clear();
  for (size_t i = 0; i < words.size(); i += 2) {
    auto secs = util::parse_int(words[i]), changes = util::parse_int(words[i + 1]);
    if (!secs || !changes || *secs < 1 || *changes < 0) return false;
    out->emplace_back(*secs, *changes);
  }
  return true;
}

void Persistence::feed(int, const std::vector<std::string_view>& argv) {
  std::string_view name = argv[0];
  if (util::iequals(name, "multi") || util::iequals(name, "exec") || util::iequals(name, "publish") ||
      util::iequals(name, "ping") || util::iequals(name, "replconf"))
    return;
  ++dirty_;
}

std::string Persistence::rdb_path() const {
  return util::path_join(server_.settings().dir, server_.settings().dbfilename);
}

rdb::SaveInfo Persistence::save_info() const {
  // What a replica restarted from this file needs to partially resync (Redis' rdbPopulateSaveInfo).
  rdb::SaveInfo info;
  const Replication& repl = server_.replication();
  info.has_repl = true;
  info.repl_id = repl.replid();
  info.repl_offset = repl.master_repl_offset();
  info.repl_stream_db = repl.resume_db();
  info.function_libraries = scripting_of(server_).functions().sources();
  return info;
}

rdb::WriteOptions Persistence::write_options() const {
  return {server_.settings().rdbcompression, server_.settings().rdbchecksum};
}

std::string Persistence::write_guard() const {
  const Settings& s = server_.settings();
  if (s.stop_writes_on_bgsave_error && !save_points_.empty() && !last_bgsave_ok_) return kMisconf;
  return "";
}

bool Persistence::save_foreground() {
  std::string path = rdb_path();
  std::string tmp = util::path_join(server_.settings().dir, "temp-" + std::to_string(getpid()) + ".rdb");
  ++saves_;
  std::string err = rdb::save_file(tmp, path, server_.databases(), save_info(), write_options());
  if (!err.empty()) {
    LOG_WARNING("%s", err.c_str());
    return false;
  }
  LOG_NOTICE("DB saved on disk");
  dirty_ = 0;
  server_.set_lastsave_unix(util::unix_ms() / 1000);
  last_bgsave_ok_ = true;
  return true;
}

std::string Persistence::save_command() {
  if (child_kind() != ChildKind::kNone) return "ERR Background save already in progress";
  return save_foreground() ? "" : "ERR";
}

std::string Persistence::bgsave_command(bool schedule, std::string* status) {
  if (child_kind() != ChildKind::kNone) return "ERR Background save already in progress";
  if (any_child_active()) {
    if (!schedule)
      return "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in "
             "order "
             "to schedule a BGSAVE whenever possible.";
    bgsave_scheduled_ = true;
    *status = "Background saving scheduled";
    return "";
  }
  std::string err = start_disk_save(save_info());
  if (!err.empty()) return "ERR " + err;
  *status = "Background saving started";
  return "";
}

bool Persistence::any_child_active() const { return child_pid_ > 0 || server_.aof().rewrite_in_progress(); }

void Persistence::cron(int64_t now_ms) {
  reap_child();
  if (any_child_active()) return;
  if (bgsave_scheduled_) {
    bgsave_scheduled_ = false;
    if (start_disk_save(save_info()).empty()) return;
  }
  int64_t now_unix = util::unix_ms() / 1000;
  for (const auto& [secs, changes] : save_points_) {
    if (dirty_ < static_cast<uint64_t>(changes) || now_unix - server_.lastsave_unix() <= secs) continue;
    if (!last_bgsave_ok_ && now_ms - last_bgsave_try_ms_ <= kBgsaveRetryDelayMs) continue;
    LOG_NOTICE("%llu changes in %lld seconds. Saving...", static_cast<unsigned long long>(changes),
               static_cast<long long>(secs));
    start_disk_save(save_info());
    break;
  }
}

bool Persistence::prepare_shutdown(int flags) {
  if (server_.loading()) flags = (flags & ~kShutdownSave) | kShutdownNoSave;
  if (child_pid_ > 0) {
    LOG_WARNING("There is a child saving an .rdb. Killing it!");
    kill_child();
  }
  bool save = (!save_points_.empty() && !(flags & kShutdownNoSave)) || (flags & kShutdownSave);
  if (!save) return true;
  LOG_NOTICE("Saving the final RDB snapshot before exiting.");
  if (save_foreground()) return true;
  if (flags & kShutdownForce) {
    LOG_WARNING("Error trying to save the DB. Exit anyway.");
    return true;
  }
  LOG_WARNING("Error trying to save the DB, can't exit.");
  LOG_WARNING("Errors trying to shut down the server. Check the logs for more information.");
  return false;
}

void Persistence::write_info(std::string& out) const {
  auto num = [&out](const char* name, int64_t v) {
    out += name;
    out += ':';
    out += std::to_string(v);
    out += "\r\n";
  };
  bool running = child_kind() != ChildKind::kNone;
  num("rdb_changes_since_last_save", static_cast<int64_t>(dirty_));
  num("rdb_bgsave_in_progress", running ? 1 : 0);
  num("rdb_last_save_time", server_.lastsave_unix());
  out += last_bgsave_ok_ ? "rdb_last_bgsave_status:ok\r\n" : "rdb_last_bgsave_status:err\r\n";
  num("rdb_last_bgsave_time_sec", last_bgsave_time_sec_);
  num("rdb_current_bgsave_time_sec", running ? (util::mono_ms() - child_start_ms_) / 1000 : -1);
  num("rdb_saves", static_cast<int64_t>(saves_));
  num("rdb_last_cow_size", 0);
  num("rdb_last_load_keys_expired", static_cast<int64_t>(keys_expired_on_load_));
  num("rdb_last_load_keys_loaded", static_cast<int64_t>(keys_loaded_));
}

}  // namespace datanode
