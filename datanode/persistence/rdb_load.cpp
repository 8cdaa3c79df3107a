// dump.rdb at start: loaded when the AOF is off (with appendonly yes the AOF is the source of truth, as
// in Redis) and no replica snapshot already filled the keyspace. A master drops keys already expired.
#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/fs.h"
#include "datanode/persistence/persistence.h"
#include "datanode/rdb/decoder.h"
#include "datanode/scripting/functions.h"
#include "datanode/scripting/scripting.h"

namespace datanode {

bool Persistence::load_on_start() {
  const Settings& s = server_.settings();
  if (!parse_save_points(s.save, &save_points_)) {
    LOG_WARNING("Invalid save parameters: '%s'", s.save.c_str());
    return false;
  }
  if (s.appendonly) return true;
  for (const auto& db : server_.databases())
    if (db.size() > 0) return true;
  std::string data;
  std::string path = rdb_path();
  if (!util::read_file(path, &data)) return true;
  int64_t started = util::mono_ms();
  int64_t now = util::unix_ms();
  bool master = s.replicaof.empty() || s.replicaof == "no one";
  size_t dbs = server_.databases().size();
  rdb::LoadInfo info;
  std::string bad_db;
  keys_loaded_ = keys_expired_on_load_ = 0;
  std::string err = rdb::decode(
      data,
      [&](int db, std::string key, store::Value value, int64_t expire_ms) {
        if (db < 0 || static_cast<size_t>(db) >= dbs) {
          bad_db = std::to_string(db);
          return;
        }
        if (master && expire_ms >= 0 && expire_ms <= now) {
          ++keys_expired_on_load_;
          return;
        }
        server_.db(db).put(key, std::move(value));
        if (expire_ms >= 0) server_.db(db).set_expire(key, expire_ms);
        ++keys_loaded_;
      },
      &info);
  if (err.empty() && !bad_db.empty())
    err =
        "FATAL: Data file was created with a Redis server configured to handle "
        "more than " +
        std::to_string(dbs) + " databases (DB " + bad_db + ")";
  if (!err.empty()) {
    LOG_WARNING("Fatal error loading the DB %s: %s. Exiting.", path.c_str(), err.c_str());
    return false;
  }
  scripting_of(server_).functions().replace_all(info.function_libraries);
  dirty_ = 0;
  LOG_NOTICE("Done loading RDB, keys loaded: %llu, keys expired: %llu.",
             static_cast<unsigned long long>(keys_loaded_),
             static_cast<unsigned long long>(keys_expired_on_load_));
  LOG_NOTICE("DB loaded from disk: %.3f seconds", static_cast<double>(util::mono_ms() - started) / 1000.0);
  return true;
}

}  // namespace datanode
