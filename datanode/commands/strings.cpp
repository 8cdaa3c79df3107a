// String commands: SET and friends, GET and friends, counters, ranges. Expiries given relative to now
// are propagated as absolute PXAT/PEXPIREAT; INCRBYFLOAT as the SET of its result.
#include <charconv>
#include <climits>
#include <cmath>
#include <optional>

#include "datanode/commands/families.h"
#include "datanode/commands/keys_common.h"
#include "datanode/server/notify.h"

namespace datanode {
namespace {

using namespace command;
using store::Value;

// Replicated and AOF-loaded commands are applied even past the size limit, as Redis' mustObeyClient.
bool must_obey(Context& ctx) { return ctx.client.has(kClientMaster) || ctx.client.conn == nullptr; }

// "ERR string exceeds maximum allowed size (proto-max-bulk-len)" when size + append is too long.
bool check_string_length(Context& ctx, int64_t size, int64_t append) {
  if (must_obey(ctx)) return true;
  int64_t total = 0;
  if (__builtin_add_overflow(size, append, &total) || total > ctx.server.settings().proto_max_bulk_len) {
    ctx.out.error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    return false;
  }
  return true;
}

// A string value for a read: replies nil (or `missing`) when absent and WRONGTYPE for other types.
// Returns nullptr when a reply was already written.
const std::string* read_string(Context& ctx, std::string_view key, bool* wrong_type = nullptr) {
  Value* v = keys::lookup_read(ctx, key);
  if (v == nullptr) return nullptr;
  if (v->type() != store::Type::kString) {
    if (wrong_type) *wrong_type = true;
    return nullptr;
  }
  return &v->str();
}

void cmd_get(Context& ctx) {
  bool wrong = false;
  const std::string* s = read_string(ctx, ctx.arg(1), &wrong);
  if (wrong) return ctx.wrong_type();
  if (s == nullptr) return ctx.out.null();
  ctx.out.bulk(*s);
}

// Options shared by SET and GETEX, parsed as Redis' parseExtendedStringArgumentsOrReply does: each
// expiry option excludes the others, NX excludes XX, KEEPTTL/PERSIST exclude expiries.
enum SetFlag : unsigned {
  kNX = 1,
  kXX = 2,
  kGet = 4,
  kKeepTtl = 8,
  kPersist = 16,
  kEX = 32,
  kPX = 64,
  kEXAT = 128,
  kPXAT = 256,
};
constexpr unsigned kAnyExpire = kEX | kPX | kEXAT | kPXAT;

struct SetOptions {
  unsigned flags = 0;
  std::string_view expire;  // the argument of EX/PX/EXAT/PXAT
};

std::optional<SetOptions> parse_set_options(Context& ctx, size_t first, bool is_set) {
  SetOptions o;
  unsigned& f = o.flags;
  for (size_t j = first; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    bool has_next = j + 1 < ctx.argc();
    auto expire_opt = [&](unsigned flag) {
      f |= flag;
      o.expire = ctx.arg(++j);
    };
    if (is_set && util::iequals(opt, "nx") && !(f & kXX)) f |= kNX;
    else if (is_set && util::iequals(opt, "xx") && !(f & kNX)) f |= kXX;
    else if (is_set && util::iequals(opt, "get")) f |= kGet;
    else if (is_set && util::iequals(opt, "keepttl") && !(f & (kPersist | kAnyExpire))) f |= kKeepTtl;
    else if (!is_set && util::iequals(opt, "persist") && !(f & (kKeepTtl | kAnyExpire))) f |= kPersist;
    else if (util::iequals(opt, "ex") && !(f & (kKeepTtl | kPersist | kEXAT | kPX | kPXAT)) && has_next)
      expire_opt(kEX);
    else if (util::iequals(opt, "px") && !(f & (kKeepTtl | kPersist | kEX | kEXAT | kPXAT)) && has_next)
      expire_opt(kPX);
    else if (util::iequals(opt, "exat") && !(f & (kKeepTtl | kPersist | kEX | kPX | kPXAT)) && has_next)
      expire_opt(kEXAT);
    else if (util::iequals(opt, "pxat") && !(f & (kKeepTtl | kPersist | kEX | kEXAT | kPX)) && has_next)
      expire_opt(kPXAT);
    else {
      ctx.syntax_error();
      return std::nullopt;
    }
  }
  return o;
}

// The absolute expiry in ms for an EX/PX/EXAT/PXAT argument; replies with the error and returns nullopt.
std::optional<int64_t> expire_ms(Context& ctx, std::string_view arg, unsigned flags) {
  auto v = util::parse_int(arg);
  if (!v) {
    ctx.not_integer();
    return std::nullopt;
  }
  int64_t ms = *v;
  bool seconds = flags & (kEX | kEXAT);
  if (ms <= 0 || (seconds && ms > LLONG_MAX / 1000)) {
    keys::invalid_expire_error(ctx);
    return std::nullopt;
  }
  if (seconds) ms *= 1000;
  if (flags & (kEX | kPX)) {
    if (ms > LLONG_MAX - ctx.now_ms) {
      keys::invalid_expire_error(ctx);
      return std::nullopt;
    }
    ms += ctx.now_ms;
  }
  return ms;
}

// SET and its variants (SETEX and PSETEX are SET with EX/PX).
void set_generic(Context& ctx, std::string_view key, std::string_view value, const SetOptions& o) {
  std::optional<int64_t> at;
  if (o.flags & kAnyExpire) {
    at = expire_ms(ctx, o.expire, o.flags);
    if (!at) return;
  }
  store::Database& db = ctx.db();
  if (o.flags & kGet) {
    bool wrong = false;
    const std::string* old = read_string(ctx, key, &wrong);
    if (wrong) return ctx.wrong_type();
    if (old == nullptr) ctx.out.null();
    else ctx.out.bulk(*old);
  }
  bool found = db.find(key, ctx.now_ms) != nullptr;
  if (((o.flags & kNX) && found) || ((o.flags & kXX) && !found)) {
    if (!(o.flags & kGet)) ctx.out.null();
    return;
  }
  db.put(key, Value(std::string(value)), o.flags & kKeepTtl);
  if (!found) notify(ctx, kNotifyNew, "new", key);
  ctx.server.touch(ctx.client.db, key);
  ctx.changed();
  notify(ctx, kNotifyString, "set", key);
  if (at) {
    db.set_expire(key, *at);
    notify(ctx, kNotifyGeneric, "expire", key);
    // Always rewritten, PXAT given or not (its case, NX/XX and GET go), as Redis does.
    ctx.propagate_as({"SET", std::string(key), std::string(value), "PXAT", std::to_string(*at)});
  } else if (o.flags & kGet) {
    // Replicas get the SET without GET.
    std::vector<std::string> argv;
    for (size_t i = 0; i < ctx.argc(); ++i)
      if (!util::iequals(ctx.arg(i), "get") || i < 3) argv.emplace_back(ctx.arg(i));
    ctx.propagate_as(std::move(argv));
  }
  if (!(o.flags & kGet)) ctx.out.ok();
}

void cmd_set(Context& ctx) {
  auto o = parse_set_options(ctx, 3, true);
  if (!o) return;
  set_generic(ctx, ctx.arg(1), ctx.arg(2), *o);
}

void cmd_setnx(Context& ctx) {
  store::Database& db = ctx.db();
  if (db.find(ctx.arg(1), ctx.now_ms) != nullptr) return ctx.out.integer(0);
  db.put(ctx.arg(1), Value(std::string(ctx.arg(2))));
  notify(ctx, kNotifyNew, "new", ctx.arg(1));
  ctx.server.touch(ctx.client.db, ctx.arg(1));
  ctx.changed();
  notify(ctx, kNotifyString, "set", ctx.arg(1));
  ctx.out.integer(1);
}

void cmd_setex(Context& ctx) {
  SetOptions o{kEX, ctx.arg(2)};
  set_generic(ctx, ctx.arg(1), ctx.arg(3), o);
}

void cmd_psetex(Context& ctx) {
  SetOptions o{kPX, ctx.arg(2)};
  set_generic(ctx, ctx.arg(1), ctx.arg(3), o);
}

void cmd_getset(Context& ctx) {
  bool wrong = false;
  const std::string* old = read_string(ctx, ctx.arg(1), &wrong);
  if (wrong) return ctx.wrong_type();
  if (old == nullptr) ctx.out.null();
  else ctx.out.bulk(*old);
  bool existed = old != nullptr;
  ctx.db().put(ctx.arg(1), Value(std::string(ctx.arg(2))));
  if (!existed) notify(ctx, kNotifyNew, "new", ctx.arg(1));
  ctx.server.touch(ctx.client.db, ctx.arg(1));
  ctx.changed();
  notify(ctx, kNotifyString, "set", ctx.arg(1));
  ctx.propagate_as({"SET", std::string(ctx.arg(1)), std::string(ctx.arg(2))});
}

void cmd_getdel(Context& ctx) {
  bool wrong = false;
  const std::string* s = read_string(ctx, ctx.arg(1), &wrong);
  if (wrong) return ctx.wrong_type();
  if (s == nullptr) return ctx.out.null();
  ctx.out.bulk(*s);
  ctx.db().erase(ctx.arg(1));
  ctx.server.touch(ctx.client.db, ctx.arg(1));
  ctx.changed();
  notify(ctx, kNotifyGeneric, "del", ctx.arg(1));
  ctx.propagate_as({"DEL", std::string(ctx.arg(1))});
}

void cmd_getex(Context& ctx) {
  auto o = parse_set_options(ctx, 2, false);
  if (!o) return;
  std::string_view key = ctx.arg(1);
  bool wrong = false;
  const std::string* s = read_string(ctx, key, &wrong);
  if (wrong) return ctx.wrong_type();
  if (s == nullptr) return ctx.out.null();
  std::optional<int64_t> at;
  if (o->flags & kAnyExpire) {
    at = expire_ms(ctx, o->expire, o->flags);
    if (!at) return;
  }
  ctx.out.bulk(*s);
  store::Database& db = ctx.db();
  if ((o->flags & (kEXAT | kPXAT)) && keys::already_expired(ctx, *at)) {
    db.erase(key);
    ctx.server.touch(ctx.client.db, key);
    ctx.changed();
    notify(ctx, kNotifyGeneric, "del", key);
    ctx.propagate_as({"DEL", std::string(key)});
  } else if (at) {
    db.set_expire(key, *at);
    ctx.server.touch(ctx.client.db, key);
    ctx.changed();
    notify(ctx, kNotifyGeneric, "expire", key);
    ctx.propagate_as({"PEXPIREAT", std::string(key), std::to_string(*at)});
  } else if ((o->flags & kPersist) && db.persist(key)) {
    ctx.server.touch(ctx.client.db, key);
    ctx.changed();
    notify(ctx, kNotifyGeneric, "persist", key);
    ctx.propagate_as({"PERSIST", std::string(key)});
  }
}

void cmd_mget(Context& ctx) {
  ctx.out.array_header(ctx.argc() - 1);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const std::string* s = read_string(ctx, ctx.arg(i));
    if (s == nullptr) ctx.out.null();
    else ctx.out.bulk(*s);
  }
}

void mset_generic(Context& ctx, bool nx) {
  if (ctx.argc() % 2 == 0) return ctx.out.error(wrong_arity_error(nx ? "msetnx" : "mset"));
  store::Database& db = ctx.db();
  if (nx) {
    for (size_t i = 1; i < ctx.argc(); i += 2)
      if (db.find(ctx.arg(i), ctx.now_ms) != nullptr) return ctx.out.integer(0);
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    bool existed = db.exists(ctx.arg(i), ctx.now_ms);
    db.put(ctx.arg(i), Value(std::string(ctx.arg(i + 1))));
    if (!existed) notify(ctx, kNotifyNew, "new", ctx.arg(i));
    ctx.server.touch(ctx.client.db, ctx.arg(i));
    notify(ctx, kNotifyString, "set", ctx.arg(i));
  }
  ctx.changed(static_cast<int64_t>(ctx.argc() / 2));
  if (nx) return ctx.out.integer(1);
  ctx.out.ok();
}

void cmd_mset(Context& ctx) { mset_generic(ctx, false); }
void cmd_msetnx(Context& ctx) { mset_generic(ctx, true); }

void cmd_append(Context& ctx) {
  std::string_view key = ctx.arg(1), tail = ctx.arg(2);
  store::Database& db = ctx.db();
  Value* v = db.find(key, ctx.now_ms);
  int64_t len;
  if (v == nullptr) {
    len = static_cast<int64_t>(db.put(key, Value(std::string(tail))).str().size());
    notify(ctx, kNotifyNew, "new", key);
  } else {
    if (v->type() != store::Type::kString) return ctx.wrong_type();
    std::string& s = v->str();
    if (!check_string_length(ctx, static_cast<int64_t>(s.size()), static_cast<int64_t>(tail.size()))) return;
    s.append(tail);
    len = static_cast<int64_t>(s.size());
  }
  ctx.server.touch(ctx.client.db, key);
  ctx.changed();
  notify(ctx, kNotifyString, "append", key);
  ctx.out.integer(len);
}

void cmd_strlen(Context& ctx) {
  bool wrong = false;
  const std::string* s = read_string(ctx, ctx.arg(1), &wrong);
  if (wrong) return ctx.wrong_type();
  ctx.out.integer(s == nullptr ? 0 : static_cast<int64_t>(s->size()));
}

void cmd_getrange(Context& ctx) {
  auto start = util::parse_int(ctx.arg(2));
  if (!start) return ctx.not_integer();
  auto end = util::parse_int(ctx.arg(3));
  if (!end) return ctx.not_integer();
  bool wrong = false;
  const std::string* s = read_string(ctx, ctx.arg(1), &wrong);
  if (wrong) return ctx.wrong_type();
  if (s == nullptr) return ctx.out.bulk("");
  int64_t len = static_cast<int64_t>(s->size());
  int64_t a = *start, b = *end;
  if (a < 0 && b < 0 && a > b) return ctx.out.bulk("");
  if (a < 0) a += len;
  if (b < 0) b += len;
  if (a < 0) a = 0;
  if (b < 0) b = 0;
  if (b >= len) b = len - 1;
  if (a > b || len == 0) return ctx.out.bulk("");
  ctx.out.bulk(std::string_view(*s).substr(static_cast<size_t>(a), static_cast<size_t>(b - a + 1)));
}

void cmd_setrange(Context& ctx) {
  std::string_view key = ctx.arg(1), value = ctx.arg(3);
  auto off = util::parse_int(ctx.arg(2));
  if (!off) return ctx.not_integer();
  if (*off < 0) return ctx.out.error("ERR offset is out of range");
  store::Database& db = ctx.db();
  Value* v = db.find(key, ctx.now_ms);
  if (v == nullptr) {
    if (value.empty()) return ctx.out.integer(0);
    if (!check_string_length(ctx, *off, static_cast<int64_t>(value.size()))) return;
    v = &db.put(key, Value(std::string()));
    notify(ctx, kNotifyNew, "new", key);
  } else {
    if (v->type() != store::Type::kString) return ctx.wrong_type();
    if (value.empty()) return ctx.out.integer(static_cast<int64_t>(v->str().size()));
    if (!check_string_length(ctx, *off, static_cast<int64_t>(value.size()))) return;
  }
  std::string& s = v->str();
  size_t need = static_cast<size_t>(*off) + value.size();
  if (s.size() < need) s.resize(need, '\0');
  s.replace(static_cast<size_t>(*off), value.size(), value);
  ctx.server.touch(ctx.client.db, key);
  ctx.changed();
  notify(ctx, kNotifyString, "setrange", key);
  ctx.out.integer(static_cast<int64_t>(s.size()));
}

void incr_generic(Context& ctx, int64_t incr) {
  std::string_view key = ctx.arg(1);
  store::Database& db = ctx.db();
  Value* v = db.find(key, ctx.now_ms);
  int64_t old = 0;
  if (v != nullptr) {
    if (v->type() != store::Type::kString) return ctx.wrong_type();
    auto n = util::parse_int(v->str());
    if (!n) return ctx.not_integer();
    old = *n;
  }
  if ((incr < 0 && old < 0 && incr < LLONG_MIN - old) || (incr > 0 && old > 0 && incr > LLONG_MAX - old))
    return ctx.out.error("ERR increment or decrement would overflow");
  int64_t now = old + incr;
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, now);
  std::string_view text(buf, static_cast<size_t>(res.ptr - buf));
  if (v == nullptr) {
    db.put(key, Value(std::string(text)));
    notify(ctx, kNotifyNew, "new", key);
  } else {
    v->str().assign(text);  // in place: the TTL stays
  }
  ctx.server.touch(ctx.client.db, key);
  ctx.changed();
  notify(ctx, kNotifyString, "incrby", key);
  ctx.out.integer(now);
}

void cmd_incr(Context& ctx) { incr_generic(ctx, 1); }
void cmd_decr(Context& ctx) { incr_generic(ctx, -1); }

void cmd_incrby(Context& ctx) {
  auto n = util::parse_int(ctx.arg(2));
  if (!n) return ctx.not_integer();
  incr_generic(ctx, *n);
}

void cmd_decrby(Context& ctx) {
  auto n = util::parse_int(ctx.arg(2));
  if (!n) return ctx.not_integer();
  if (*n == LLONG_MIN) return ctx.out.error("ERR decrement would overflow");
  incr_generic(ctx, -*n);
}

void cmd_incrbyfloat(Context& ctx) {
  std::string_view key = ctx.arg(1);
  store::Database& db = ctx.db();
  Value* v = db.find(key, ctx.now_ms);
  long double old = 0;
  if (v != nullptr) {
    if (v->type() != store::Type::kString) return ctx.wrong_type();
    auto n = util::parse_long_double(v->str());
    if (!n) return ctx.not_float();
    old = *n;
  }
  auto incr = util::parse_long_double(ctx.arg(2));
  if (!incr) return ctx.not_float();
  long double now = old + *incr;
  if (std::isnan(now) || std::isinf(now)) return ctx.out.error("ERR increment would produce NaN or Infinity");
  std::string text = util::format_long_double(now);
  if (text == "-0") text = "0";
  if (v == nullptr) {
    db.put(key, Value(text));
    notify(ctx, kNotifyNew, "new", key);
  } else {
    v->str() = text;
  }
  ctx.server.touch(ctx.client.db, key);
  ctx.changed();
  notify(ctx, kNotifyString, "incrbyfloat", key);
  ctx.out.bulk(text);
  ctx.propagate_as({"SET", std::string(key), text, "KEEPTTL"});
}

}  // namespace

void register_string_commands(CommandTable& t) {
  t.add("get", 2, kReadOnly | kFast, cmd_get, 1, 1, 1);
  t.add("set", -3, kWrite | kDenyOom, cmd_set, 1, 1, 1);
  t.add("setnx", 3, kWrite | kDenyOom | kFast, cmd_setnx, 1, 1, 1);
  t.add("setex", 4, kWrite | kDenyOom, cmd_setex, 1, 1, 1);
  t.add("psetex", 4, kWrite | kDenyOom, cmd_psetex, 1, 1, 1);
  t.add("getset", 3, kWrite | kDenyOom | kFast, cmd_getset, 1, 1, 1);
  t.add("getdel", 2, kWrite | kFast, cmd_getdel, 1, 1, 1);
  t.add("getex", -2, kWrite | kFast, cmd_getex, 1, 1, 1);
  t.add("mget", -2, kReadOnly | kFast, cmd_mget, 1, -1, 1);
  t.add("mset", -3, kWrite | kDenyOom, cmd_mset, 1, -1, 2);
  t.add("msetnx", -3, kWrite | kDenyOom, cmd_msetnx, 1, -1, 2);
  t.add("append", 3, kWrite | kDenyOom | kFast, cmd_append, 1, 1, 1);
  t.add("strlen", 2, kReadOnly | kFast, cmd_strlen, 1, 1, 1);
  t.add("getrange", 4, kReadOnly, cmd_getrange, 1, 1, 1);
  t.add("substr", 4, kReadOnly, cmd_getrange, 1, 1, 1);
  t.add("setrange", 4, kWrite | kDenyOom, cmd_setrange, 1, 1, 1);
  t.add("incr", 2, kWrite | kDenyOom | kFast, cmd_incr, 1, 1, 1);
  t.add("decr", 2, kWrite | kDenyOom | kFast, cmd_decr, 1, 1, 1);
  t.add("incrby", 3, kWrite | kDenyOom | kFast, cmd_incrby, 1, 1, 1);
  t.add("decrby", 3, kWrite | kDenyOom | kFast, cmd_decrby, 1, 1, 1);
  t.add("incrbyfloat", 3, kWrite | kDenyOom | kFast, cmd_incrbyfloat, 1, 1, 1);
  register_lcs_command(t);
}

}  // namespace datanode
