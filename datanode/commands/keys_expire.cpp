// The expiry family: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX/XX/GT/LT), TTL, PTTL, EXPIRETIME,
// PEXPIRETIME, PERSIST. Relative expiries are propagated as absolute PEXPIREAT so replicas and the AOF
// agree on the instant; a time already past deletes the key and is propagated as DEL.
#include <climits>

#include "datanode/commands/keys_common.h"
#include "datanode/server/notify.h"

namespace datanode {
namespace {

using namespace command;

enum ExpireFlag : unsigned { kNX = 1, kXX = 2, kGT = 4, kLT = 8 };

// Redis' parseExtendedExpireArgumentsOrReply.
bool parse_expire_flags(Context& ctx, unsigned& flags) {
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view o = ctx.arg(i);
    if (util::iequals(o, "nx")) flags |= kNX;
    else if (util::iequals(o, "xx")) flags |= kXX;
    else if (util::iequals(o, "gt")) flags |= kGT;
    else if (util::iequals(o, "lt")) flags |= kLT;
    else {
      ctx.out.error("ERR Unsupported option " + std::string(o));
      return false;
    }
  }
  if ((flags & kNX) && (flags & (kXX | kGT | kLT))) {
    ctx.out.error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if ((flags & kGT) && (flags & kLT)) {
    ctx.out.error("ERR GT and LT options at the same time are not compatible");
    return false;
  }
  return true;
}

// base_ms: 0 for absolute times, now for relative ones; seconds: whether the argument is in seconds.
void expire_generic(Context& ctx, int64_t base_ms, bool seconds) {
  unsigned flags = 0;
  if (!parse_expire_flags(ctx, flags)) return;
  auto when = util::parse_int(ctx.arg(2));
  if (!when) return ctx.not_integer();
  int64_t at = *when;
  if (seconds) {
    if (at > LLONG_MAX / 1000 || at < LLONG_MIN / 1000) return keys::invalid_expire_error(ctx);
    at *= 1000;
  }
  if (at > LLONG_MAX - base_ms) return keys::invalid_expire_error(ctx);
  at += base_ms;

  std::string_view key = ctx.arg(1);
  store::Database& db = ctx.db();
  if (db.find(key, ctx.now_ms) == nullptr) return ctx.out.integer(0);
  if (flags != 0) {
    int64_t current = db.expire_at(key);
    if ((flags & kNX) && current != -1) return ctx.out.integer(0);
    if ((flags & kXX) && current == -1) return ctx.out.integer(0);
    // No TTL counts as an infinite one: GT never beats it, LT always does.
    if ((flags & kGT) && (current == -1 || at <= current)) return ctx.out.integer(0);
    if ((flags & kLT) && current != -1 && at >= current) return ctx.out.integer(0);
  }

  if (keys::already_expired(ctx, at)) {
    db.erase(key);
    ctx.server.touch(ctx.client.db, key);
    ctx.changed();
    notify(ctx, kNotifyGeneric, "del", key);
    ctx.propagate_as({"DEL", std::string(key)});
    return ctx.out.integer(1);
  }
  db.set_expire(key, at);
  ctx.server.touch(ctx.client.db, key);
  ctx.changed();
  notify(ctx, kNotifyGeneric, "expire", key);
  std::vector<std::string> argv = {"PEXPIREAT", std::string(key), std::to_string(at)};
  for (size_t i = 3; i < ctx.argc(); ++i) argv.emplace_back(ctx.arg(i));
  ctx.propagate_as(std::move(argv));
  ctx.out.integer(1);
}

void cmd_expire(Context& ctx) { expire_generic(ctx, ctx.now_ms, true); }
void cmd_pexpire(Context& ctx) { expire_generic(ctx, ctx.now_ms, false); }
void cmd_expireat(Context& ctx) { expire_generic(ctx, 0, true); }
void cmd_pexpireat(Context& ctx) { expire_generic(ctx, 0, false); }

// TTL/PTTL (remaining) and EXPIRETIME/PEXPIRETIME (absolute): -2 no key, -1 no expiry.
void ttl_generic(Context& ctx, bool ms, bool absolute) {
  std::string_view key = ctx.arg(1);
  if (keys::lookup_read(ctx, key, false) == nullptr) return ctx.out.integer(-2);
  int64_t at = ctx.db().expire_at(key);
  if (at == -1) return ctx.out.integer(-1);
  int64_t v = absolute ? at : at - ctx.now_ms;
  if (v < 0) v = 0;
  ctx.out.integer(ms ? v : (v + 500) / 1000);
}

void cmd_ttl(Context& ctx) { ttl_generic(ctx, false, false); }
void cmd_pttl(Context& ctx) { ttl_generic(ctx, true, false); }
void cmd_expiretime(Context& ctx) { ttl_generic(ctx, false, true); }
void cmd_pexpiretime(Context& ctx) { ttl_generic(ctx, true, true); }

void cmd_persist(Context& ctx) {
  std::string_view key = ctx.arg(1);
  if (ctx.db().find(key, ctx.now_ms) == nullptr || !ctx.db().persist(key)) return ctx.out.integer(0);
  ctx.server.touch(ctx.client.db, key);
  ctx.changed();
  notify(ctx, kNotifyGeneric, "persist", key);
  ctx.out.integer(1);
}

}  // namespace

void register_expire_commands(CommandTable& t) {
  t.add("expire", -3, kWrite | kFast, cmd_expire, 1, 1, 1);
  t.add("pexpire", -3, kWrite | kFast, cmd_pexpire, 1, 1, 1);
  t.add("expireat", -3, kWrite | kFast, cmd_expireat, 1, 1, 1);
  t.add("pexpireat", -3, kWrite | kFast, cmd_pexpireat, 1, 1, 1);
  t.add("ttl", 2, kReadOnly | kFast, cmd_ttl, 1, 1, 1);
  t.add("pttl", 2, kReadOnly | kFast, cmd_pttl, 1, 1, 1);
  t.add("expiretime", 2, kReadOnly | kFast, cmd_expiretime, 1, 1, 1);
  t.add("pexpiretime", 2, kReadOnly | kFast, cmd_pexpiretime, 1, 1, 1);
  t.add("persist", 2, kWrite | kFast, cmd_persist, 1, 1, 1);
}

}  // namespace datanode
