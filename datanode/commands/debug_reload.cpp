#include "datanode/commands/debug_reload.h"

#include <string>

#include "common/util/strings.h"
#include "datanode/rdb/decoder.h"
#include "datanode/rdb/encoder.h"
#include "datanode/server/server.h"

namespace datanode {

void debug_reload(Context& ctx) {
  // MERGE and NOFLUSH keep keys, NOSAVE reloads an existing file: only the plain form is offered.
  if (ctx.argc() != 2) return ctx.out.error("ERR DEBUG RELOAD options are not supported by this server");
  Server& server = ctx.server;
  std::string snapshot = rdb::encode_snapshot(server.databases(), rdb::SaveInfo{});
  server.touch_all(-1);
  for (auto& db : server.databases()) db.clear();
  rdb::LoadInfo info;
  std::string err = rdb::decode(
      snapshot,
      [&server](int db, std::string key, store::Value value, int64_t expire_ms) {
        if (db < 0 || db >= static_cast<int>(server.databases().size())) return;
        store::Database& d = server.db(db);
        d.put(key, std::move(value));
        if (expire_ms >= 0) d.set_expire(key, expire_ms);
      },
      &info);
  if (!err.empty()) return ctx.out.error("ERR Error trying to load the RDB dump: " + err);
  ctx.out.ok();
}

}  // namespace datanode
