// Keyspace commands: DEL, EXISTS, TYPE, RENAME, KEYS, SCAN, RANDOMKEY, TOUCH, databases (SELECT, DBSIZE,
// FLUSHDB, FLUSHALL, SWAPDB, MOVE, COPY). The expiry family lives in keys_expire.cpp; OBJECT in object.cpp.
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <optional>

#include "datanode/commands/families.h"
#include "datanode/commands/keys_common.h"
#include "datanode/server/notify.h"

namespace datanode {
namespace {

using namespace command;

void cmd_del(Context& ctx) {
  int64_t removed = 0;
  store::Database& db = ctx.db();
  // A replica keeps logically expired keys until its master's DEL arrives: that DEL must remove them.
  bool replica = !db.expire_actively();
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if ((replica || db.peek(ctx.arg(i), ctx.now_ms)) && db.erase(ctx.arg(i))) {
      ++removed;
      ctx.server.touch(ctx.client.db, ctx.arg(i));
      notify(ctx, kNotifyGeneric, "del", ctx.arg(i));
    }
  }
  ctx.changed(removed);
  ctx.out.integer(removed);
}

void cmd_exists(Context& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) n += keys::lookup_read(ctx, ctx.arg(i), false) != nullptr;
  ctx.out.integer(n);
}

void cmd_touch(Context& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) n += keys::lookup_read(ctx, ctx.arg(i)) != nullptr;
  ctx.out.integer(n);
}

void cmd_type(Context& ctx) {
  store::Value* v = keys::lookup_read(ctx, ctx.arg(1), false);
  ctx.out.simple(v == nullptr ? "none" : store::type_name(v->type()));
}

void rename_generic(Context& ctx, bool nx) {
  std::string_view from = ctx.arg(1), to = ctx.arg(2);
  store::Database& db = ctx.db();
  if (db.find(from, ctx.now_ms) == nullptr) return ctx.out.error("ERR no such key");
  if (from == to) return nx ? ctx.out.integer(0) : ctx.out.ok();
  if (db.find(to, ctx.now_ms) != nullptr && nx) return ctx.out.integer(0);
  db.rename(from, to);
  // The destination is deleted and added again, as Redis' RENAME does: "new" always fires.
  notify(ctx, kNotifyNew, "new", to);
  ctx.server.touch(ctx.client.db, from);
  ctx.server.touch(ctx.client.db, to);
  notify(ctx, kNotifyGeneric, "rename_from", from);
  notify(ctx, kNotifyGeneric, "rename_to", to);
  ctx.changed();
  if (nx) return ctx.out.integer(1);
  ctx.out.ok();
}

void cmd_rename(Context& ctx) { rename_generic(ctx, false); }
void cmd_renamenx(Context& ctx) { rename_generic(ctx, true); }

void cmd_keys(Context& ctx) {
  std::string_view pattern = ctx.arg(1);
  bool all = pattern == "*";
  store::Database& db = ctx.db();
  bool check_ttl = db.volatile_count() > 0;
  std::vector<std::string_view> out;
  for (const auto& [key, value] : db.entries()) {
    if (!all && !util::glob_match(pattern, key)) continue;
    if (check_ttl) {
      int64_t at = db.expire_at(key);
      if (at >= 0 && at <= ctx.now_ms) continue;
    }
    out.push_back(key);
  }
  ctx.out.array_header(out.size());
  for (std::string_view k : out) ctx.out.bulk(k);
}

// Redis parses SCAN cursors with strtoul: leading '-' or '+' accepted, spaces and overflow are not.
std::optional<uint64_t> parse_cursor(std::string_view s) {
  std::string buf(s);
  if (buf.empty() || isspace(static_cast<unsigned char>(buf[0]))) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = strtoull(buf.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return std::nullopt;
  return static_cast<uint64_t>(v);
}

void cmd_scan(Context& ctx) {
  auto cursor = parse_cursor(ctx.arg(1));
  if (!cursor) return ctx.out.error("ERR invalid cursor");
  std::optional<std::string_view> pattern, type;
  int64_t count = 10;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    if (i + 1 >= ctx.argc()) return ctx.syntax_error();
    std::string_view opt = ctx.arg(i), val = ctx.arg(i + 1);
    if (util::iequals(opt, "count")) {
      auto n = util::parse_int(val);
      if (!n) return ctx.not_integer();
      if (*n < 1) return ctx.syntax_error();
      count = *n;
    } else if (util::iequals(opt, "match")) {
      pattern = val;
    } else if (util::iequals(opt, "type")) {
      type = val;
    } else {
      return ctx.syntax_error();
    }
  }
  if (pattern && *pattern == "*") pattern.reset();
  store::Database& db = ctx.db();
  std::vector<std::string> found;
  uint64_t next = db.scan(*cursor, static_cast<size_t>(count), [&](std::string_view key, const store::Value& v) {
    if (pattern && !util::glob_match(*pattern, key)) return;
    if (type && !util::iequals(*type, store::type_name(v.type()))) return;
    found.emplace_back(key);
  });
  // Expired keys are dropped from the reply (and deleted, as any access would) after the walk.
  if (db.volatile_count() > 0)
    std::erase_if(found, [&](const std::string& k) { return db.peek(k, ctx.now_ms) == nullptr; });
  ctx.out.array_header(2);
  ctx.out.bulk(std::to_string(next));
  ctx.out.array_header(found.size());
  for (const std::string& k : found) ctx.out.bulk(k);
}

void cmd_randomkey(Context& ctx) {
  const std::string* k = ctx.db().random_key(ctx.now_ms);
  if (k == nullptr) return ctx.out.null();
  ctx.out.bulk(*k);
}

// A database index argument: "ERR value is not an integer or out of range" unless an int, then the
// given error unless in range. Replies and returns nullopt on failure.
std::optional<int> parse_db(Context& ctx, std::string_view arg, const char* not_int = nullptr) {
  auto n = util::parse_int(arg);
  if (!n || *n < INT_MIN || *n > INT_MAX) {
    if (not_int != nullptr) ctx.out.error(not_int);
    else ctx.not_integer();
    return std::nullopt;
  }
  if (*n < 0 || *n >= static_cast<int64_t>(ctx.server.databases().size())) {
    ctx.out.error("ERR DB index is out of range");
    return std::nullopt;
  }
  return static_cast<int>(*n);
}

void cmd_select(Context& ctx) {
  if (ctx.server.settings().cluster_enabled) {
    auto n = util::parse_int(ctx.arg(1));
    if (!n || *n < INT32_MIN || *n > INT32_MAX) return ctx.not_integer();
    if (*n != 0) return ctx.out.error("ERR SELECT is not allowed in cluster mode");
  }
  auto id = parse_db(ctx, ctx.arg(1));
  if (!id) return;
  ctx.client.db = *id;
  ctx.out.ok();
}

void cmd_dbsize(Context& ctx) { ctx.out.integer(static_cast<int64_t>(ctx.db().size())); }

// FLUSHDB/FLUSHALL take an optional ASYNC or SYNC; freeing is synchronous either way here.
bool flush_option_ok(Context& ctx) {
  if (ctx.argc() == 1) return true;
  if (ctx.argc() == 2 && (util::iequals(ctx.arg(1), "async") || util::iequals(ctx.arg(1), "sync"))) return true;
  ctx.syntax_error();
  return false;
}

void cmd_flushdb(Context& ctx) {
  if (!flush_option_ok(ctx)) return;
  ctx.server.touch_all(ctx.client.db);
  ctx.db().clear();
  ctx.changed();
  ctx.out.ok();
}

void cmd_flushall(Context& ctx) {
  if (!flush_option_ok(ctx)) return;
  ctx.server.touch_all(-1);
  for (store::Database& db : ctx.server.databases()) db.clear();
  ctx.changed();
  ctx.out.ok();
}

void cmd_swapdb(Context& ctx) {
  if (ctx.server.settings().cluster_enabled) return ctx.out.error("ERR SWAPDB is not allowed in cluster mode");
  auto a = parse_db(ctx, ctx.arg(1), "ERR invalid first DB index");
  if (!a) return;
  auto b = parse_db(ctx, ctx.arg(2), "ERR invalid second DB index");
  if (!b) return;
  if (*a != *b) {
    ctx.server.touch_all(*a);
    ctx.server.touch_all(*b);
    store::Database& da = ctx.server.db(*a);
    store::Database& db = ctx.server.db(*b);
    da.swap_contents(db);
    // Clients blocked on a key that now exists in their database must be woken.
    for (int idx : {*a, *b}) {
      std::vector<std::string> keys;
      ctx.server.db(idx).for_each([&](std::string_view k, const store::Value&) { keys.emplace_back(k); });
      for (const std::string& k : keys) ctx.server.touch(idx, k);
    }
  }
  ctx.changed();
  ctx.out.ok();
}

void cmd_move(Context& ctx) {
  if (ctx.server.settings().cluster_enabled) return ctx.out.error("ERR MOVE is not allowed in cluster mode");
  auto dst_id = parse_db(ctx, ctx.arg(2));
  if (!dst_id) return;
  if (*dst_id == ctx.client.db) return ctx.out.error("ERR source and destination objects are the same");
  std::string_view key = ctx.arg(1);
  store::Database& src = ctx.db();
  store::Database& dst = ctx.server.db(*dst_id);
  store::Value* v = src.find(key, ctx.now_ms);
  if (v == nullptr) return ctx.out.integer(0);
  if (dst.find(key, ctx.now_ms) != nullptr) return ctx.out.integer(0);
  int64_t at = src.expire_at(key);
  dst.put(key, std::move(*v));
  notify(ctx.server, kNotifyNew, "new", key, *dst_id);
  if (at >= 0) dst.set_expire(key, at);
  src.erase(key);
  ctx.server.touch(ctx.client.db, key);
  ctx.server.touch(*dst_id, key);
  notify(ctx, kNotifyGeneric, "move_from", key);
  notify(ctx.server, kNotifyGeneric, "move_to", key, *dst_id);
  ctx.changed();
  ctx.out.integer(1);
}

void cmd_copy(Context& ctx) {
  std::string_view from = ctx.arg(1), to = ctx.arg(2);
  int dst_id = ctx.client.db;
  bool replace = false;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (util::iequals(ctx.arg(i), "replace")) {
      replace = true;
    } else if (util::iequals(ctx.arg(i), "db") && i + 1 < ctx.argc()) {
      auto id = parse_db(ctx, ctx.arg(i + 1));
      if (!id) return;
      dst_id = *id;
      ++i;
    } else {
      return ctx.syntax_error();
    }
  }
  if (dst_id == ctx.client.db && from == to) return ctx.out.error("ERR source and destination objects are the same");
  store::Value* v = keys::lookup_read(ctx, from);
  if (v == nullptr) return ctx.out.integer(0);
  store::Database& dst = ctx.server.db(dst_id);
  if (dst.find(to, ctx.now_ms) != nullptr && !replace) return ctx.out.integer(0);
  int64_t at = ctx.db().expire_at(from);
  store::Value copy = v->clone();
  dst.erase(to);  // replaced by deletion and addition, as Redis does ("new" fires)
  dst.put(to, std::move(copy));
  notify(ctx.server, kNotifyNew, "new", to, dst_id);
  if (at >= 0) dst.set_expire(to, at);
  ctx.server.touch(dst_id, to);
  notify(ctx.server, kNotifyGeneric, "copy_to", to, dst_id);
  ctx.changed();
  ctx.out.integer(1);
}

}  // namespace

void register_key_commands(CommandTable& t) {
  t.add("del", -2, kWrite, cmd_del, 1, -1, 1);
  t.add("unlink", -2, kWrite | kFast, cmd_del, 1, -1, 1);
  t.add("exists", -2, kReadOnly | kFast, cmd_exists, 1, -1, 1);
  t.add("touch", -2, kReadOnly | kFast, cmd_touch, 1, -1, 1);
  t.add("type", 2, kReadOnly | kFast, cmd_type, 1, 1, 1);
  t.add("rename", 3, kWrite, cmd_rename, 1, 2, 1);
  t.add("renamenx", 3, kWrite | kFast, cmd_renamenx, 1, 2, 1);
  t.add("keys", 2, kReadOnly, cmd_keys);
  t.add("scan", -2, kReadOnly, cmd_scan);
  t.add("randomkey", 1, kReadOnly, cmd_randomkey);
  t.add("select", 2, kLoading | kStale | kFast, cmd_select);
  t.add("dbsize", 1, kReadOnly | kFast, cmd_dbsize);
  t.add("flushdb", -1, kWrite, cmd_flushdb);
  t.add("flushall", -1, kWrite, cmd_flushall);
  t.add("swapdb", 3, kWrite | kFast, cmd_swapdb);
  t.add("move", 3, kWrite | kFast, cmd_move, 1, 1, 1);
  t.add("copy", -3, kWrite | kDenyOom, cmd_copy, 1, 2, 1);
  register_expire_commands(t);
}

}  // namespace datanode
