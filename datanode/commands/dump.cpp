// DUMP and RESTORE: a value serialized as Redis 7.0 does (datanode/rdb/value_payload.h), so values move
// between redis-server and the datanode in both directions. RESTORE with a relative TTL is propagated
// with the absolute time and ABSTTL, and a RESTORE ... REPLACE whose TTL already passed as a DEL, as in
// Redis' restoreCommand.
#include "datanode/commands/families.h"
#include "datanode/commands/keys_common.h"
#include "datanode/rdb/value_payload.h"
#include "datanode/server/notify.h"

namespace datanode {
namespace {

using namespace command;

void cmd_dump(Context& ctx) {
  store::Value* v = keys::lookup_read(ctx, ctx.arg(1));
  if (v == nullptr) return ctx.out.null();
  ctx.out.bulk(rdb::dump_payload(*v));
}

void cmd_restore(Context& ctx) {
  bool replace = false, absttl = false, idle_given = false, freq_given = false;
  int64_t idle = 0;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    bool has_arg = j + 1 < ctx.argc();
    if (util::iequals(opt, "replace")) {
      replace = true;
    } else if (util::iequals(opt, "absttl")) {
      absttl = true;
    } else if (util::iequals(opt, "idletime") && has_arg && !freq_given) {
      auto seconds = util::parse_int(ctx.arg(++j));
      if (!seconds) return ctx.not_integer();
      if (*seconds < 0) return ctx.out.error("ERR Invalid IDLETIME value, must be >= 0");
      idle = *seconds;
      idle_given = true;
    } else if (util::iequals(opt, "freq") && has_arg && !idle_given) {
      auto freq = util::parse_int(ctx.arg(++j));
      if (!freq) return ctx.not_integer();
      if (*freq < 0 || *freq > 255) return ctx.out.error("ERR Invalid FREQ value, must be >= 0 and <= 255");
      freq_given = true;
    } else {
      return ctx.syntax_error();
    }
  }
  store::Database& db = ctx.db();
  std::string_view key = ctx.arg(1);
  if (!replace && db.find(key, ctx.now_ms) != nullptr)
    return ctx.out.error("BUSYKEY Target key name already exists.");
  auto ttl = util::parse_int(ctx.arg(2));
  if (!ttl) return ctx.not_integer();
  if (*ttl < 0) return ctx.out.error("ERR Invalid TTL value, must be >= 0");
  std::string_view payload = ctx.arg(3);
  if (!rdb::verify_payload(payload)) return ctx.out.error("ERR DUMP payload version or checksum are wrong");
  auto value = rdb::load_payload(payload);
  if (!value) return ctx.out.error("ERR Bad data format");

  bool deleted = replace && db.erase(key);
  int64_t at = *ttl;
  if (at != 0 && !absttl) {
    if (__builtin_add_overflow(at, ctx.now_ms, &at)) at = INT64_MAX;
  }
  if (at != 0 && keys::already_expired(ctx, at)) {
    if (deleted) {
      ctx.server.touch(ctx.client.db, key);
      ctx.changed();
      notify(ctx, kNotifyGeneric, "del", key);
      ctx.propagate_as({"DEL", std::string(key)});
    }
    return ctx.out.ok();
  }
  db.put(key, std::move(*value));
  notify(ctx, kNotifyNew, "new", key);  // absent or just deleted (REPLACE)
  if (at != 0) db.set_expire(key, at);
  if (idle_given && ctx.server.settings().maxmemory_policy.find("lfu") == std::string::npos) {
    // The access clock as if the key was last touched `idle` seconds ago (OBJECT IDLETIME). The
    // database has no setter for it: the entry is reached through its table.
    if (store::KeyEntry* e = db.keys_table().lookup(key)) {
      constexpr int64_t kClock = int64_t{store::KeyEntry::kLruMask} + 1;
      int64_t last =
          (static_cast<int64_t>(store::KeyEntry::lru_clock(ctx.now_ms)) - idle % kClock + kClock) % kClock;
      e->lru = static_cast<uint32_t>(last);
    }
  }
  ctx.server.touch(ctx.client.db, key);
  ctx.changed();
  notify(ctx, kNotifyGeneric, "restore", key);
  if (at != 0 && !absttl) {
    std::vector<std::string> argv(ctx.args.begin(), ctx.args.end());
    argv[2] = std::to_string(at);
    argv.emplace_back("ABSTTL");
    ctx.propagate_as(std::move(argv));
  }
  ctx.out.ok();
}

}  // namespace

void register_dump_commands(CommandTable& t) {
  t.add("dump", 2, kReadOnly, cmd_dump, 1, 1, 1);
  t.add("restore", -4, kWrite | kDenyOom, cmd_restore, 1, 1, 1);
  // MIGRATE's RESTORE in cluster mode: the router serves it in an importing slot as if ASKING was sent.
  t.add("restore-asking", -4, kWrite | kDenyOom, cmd_restore, 1, 1, 1);
}

}  // namespace datanode
