// List commands that never block: pushes, pops, indexes and ranges, LREM/LSET/LTRIM/LINSERT/LPOS, LMOVE
// and LMPOP. The blocking forms live in lists_blocking.cpp and share the pop logic of datanode/blocking.
#include "datanode/commands/lists.h"

#include <algorithm>
#include <optional>

#include "common/util/strings.h"
#include "datanode/server/blocking.h"
#include "datanode/commands/families.h"
#include "datanode/server/notify.h"

namespace datanode {

namespace {

using namespace command;

// The list at `key`, or nullptr when absent; `ok` is false after a WRONGTYPE reply.
// `read`: a read command's lookup (keyspace hit/miss counted, keymiss published).
store::Value* lookup_list(Context& ctx, std::string_view key, bool& ok, bool read = false) {
  ok = true;
  store::Value* v = ctx.db().find(key, ctx.now_ms);
  if (read) ctx.note_read_lookup(key, v != nullptr);
  if (v != nullptr && v->type() != store::Type::kList) {
    ctx.wrong_type();
    ok = false;
    return nullptr;
  }
  return v;
}

// Redis' getRangeLongFromObjectOrReply: `msg` (without "ERR ") replaces both default errors if given.
std::optional<int64_t> get_range(Context& ctx, std::string_view arg, int64_t min, int64_t max,
                                 const char* msg = nullptr) {
  auto v = util::parse_int(arg);
  if (!v) {
    ctx.out.error(std::string("ERR ") + (msg ? msg : "value is not an integer or out of range"));
    return std::nullopt;
  }
  if (*v < min || *v > max) {
    if (msg) {
      ctx.out.error(std::string("ERR ") + msg);
    } else {
      ctx.out.error("ERR value is out of range, value must between " + std::to_string(min) + " and " +
                    std::to_string(max));
    }
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> get_int(Context& ctx, std::string_view arg) {
  auto v = util::parse_int(arg);
  if (!v) ctx.not_integer();
  return v;
}

std::optional<ListEnd> parse_end(std::string_view s) {
  if (util::iequals(s, "left")) return ListEnd::kLeft;
  if (util::iequals(s, "right")) return ListEnd::kRight;
  return std::nullopt;
}

// Finishes a write: the key is deleted when emptied, and WATCH/blocked clients and keyspace
// subscribers (`event`, then "del") learn it changed.
void modified(Context& ctx, std::string_view key, store::Value* v, const char* event, int64_t dirty = 1) {
  notify(ctx, kNotifyList, event, key);
  if (v != nullptr && v->list().empty()) {
    ctx.db().erase(key);
    notify(ctx, kNotifyGeneric, "del", key);
  }
  ctx.server.touch(ctx.client.db, key);
  ctx.changed(dirty);
}

void push_generic(Context& ctx, ListEnd where, bool only_existing) {
  bool ok;
  store::Value* v = lookup_list(ctx, ctx.arg(1), ok);
  if (!ok) return;
  if (v == nullptr) {
    if (only_existing) return ctx.out.integer(0);
    v = &ctx.db().create(ctx.arg(1), store::Type::kList);
    notify(ctx, kNotifyNew, "new", ctx.arg(1));
  }
  store::List& list = v->list();
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (where == ListEnd::kLeft) {
      list.push_front(ctx.arg(i));
    } else {
      list.push_back(ctx.arg(i));
    }
  }
  ctx.out.integer(static_cast<int64_t>(list.size()));
  modified(ctx, ctx.arg(1), v, where == ListEnd::kLeft ? "lpush" : "rpush", static_cast<int64_t>(ctx.argc() - 2));
}

void cmd_lpush(Context& ctx) { push_generic(ctx, ListEnd::kLeft, false); }
void cmd_rpush(Context& ctx) { push_generic(ctx, ListEnd::kRight, false); }
void cmd_lpushx(Context& ctx) { push_generic(ctx, ListEnd::kLeft, true); }
void cmd_rpushx(Context& ctx) { push_generic(ctx, ListEnd::kRight, true); }

void pop_generic(Context& ctx, ListEnd where) {
  if (ctx.argc() > 3) return ctx.out.error(wrong_arity_error(where == ListEnd::kLeft ? "lpop" : "rpop"));
  bool has_count = ctx.argc() == 3;
  int64_t count = 1;
  if (has_count) {
    auto c = get_range(ctx, ctx.arg(2), 0, INT64_MAX, "value is out of range, must be positive");
    if (!c) return;
    count = *c;
  }
  bool ok;
  store::Value* v = lookup_list(ctx, ctx.arg(1), ok);
  if (!ok) return;
  if (v == nullptr) return has_count ? ctx.out.null_array() : ctx.out.null();
  if (has_count && count == 0) return ctx.out.array_header(0);
  store::List& list = v->list();
  size_t n = has_count ? std::min<size_t>(static_cast<size_t>(count), list.size()) : 1;
  if (has_count) ctx.out.array_header(n);
  for (size_t i = 0; i < n; ++i) {
    ctx.out.bulk(where == ListEnd::kLeft ? list.pop_front() : list.pop_back());
  }
  modified(ctx, ctx.arg(1), v, where == ListEnd::kLeft ? "lpop" : "rpop");
}

void cmd_lpop(Context& ctx) { pop_generic(ctx, ListEnd::kLeft); }
void cmd_rpop(Context& ctx) { pop_generic(ctx, ListEnd::kRight); }

void cmd_llen(Context& ctx) {
  bool ok;
  store::Value* v = lookup_list(ctx, ctx.arg(1), ok, true);
  if (!ok) return;
  ctx.out.integer(v ? static_cast<int64_t>(v->list().size()) : 0);
}

void cmd_lindex(Context& ctx) {
  bool ok;
  store::Value* v = lookup_list(ctx, ctx.arg(1), ok, true);
  if (!ok) return;
  if (v == nullptr) return ctx.out.null();
  auto index = get_int(ctx, ctx.arg(2));
  if (!index) return;
  const store::List& list = v->list();
  int64_t i = *index < 0 ? *index + static_cast<int64_t>(list.size()) : *index;
  if (i < 0 || i >= static_cast<int64_t>(list.size())) return ctx.out.null();
  ctx.out.bulk(list[static_cast<size_t>(i)]);
}

// Clamps a [start, stop] range with negative indexes to the list; false when it selects nothing.
bool clamp_range(int64_t& start, int64_t& stop, int64_t len) {
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return false;
  if (stop >= len) stop = len - 1;
  return true;
}

void cmd_lrange(Context& ctx) {
  auto start = get_int(ctx, ctx.arg(2));
  if (!start) return;
  auto stop = get_int(ctx, ctx.arg(3));
  if (!stop) return;
  bool ok;
  store::Value* v = lookup_list(ctx, ctx.arg(1), ok, true);
  if (!ok) return;
  if (v == nullptr) return ctx.out.array_header(0);
  const store::List& list = v->list();
  int64_t s = *start, e = *stop;
  if (!clamp_range(s, e, static_cast<int64_t>(list.size()))) return ctx.out.array_header(0);
  ctx.out.array_header(static_cast<size_t>(e - s + 1));
  auto it = list.iterator_at(static_cast<size_t>(s));
  for (int64_t i = s; i <= e; ++i, ++it) ctx.out.bulk(*it);
}

void cmd_lrem(Context& ctx) {
  auto count = get_int(ctx, ctx.arg(2));
  if (!count) return;
  bool ok;
  store::Value* v = lookup_list(ctx, ctx.arg(1), ok);
  if (!ok) return;
  if (v == nullptr) return ctx.out.integer(0);
  store::List& list = v->list();
  std::string_view element = ctx.arg(3);
  // Redis' LONG_MIN would overflow a negation: treat every negative count beyond the size as "all".
  uint64_t limit = *count == 0  ? UINT64_MAX
                   : *count > 0 ? static_cast<uint64_t>(*count)
                                : static_cast<uint64_t>(-(*count + 1)) + 1;
  auto removed = static_cast<int64_t>(list.remove(element, static_cast<size_t>(limit), *count < 0));
  ctx.out.integer(removed);
  if (removed > 0) modified(ctx, ctx.arg(1), v, "lrem", removed);
}

void cmd_lset(Context& ctx) {
  bool ok;
  store::Value* v = lookup_list(ctx, ctx.arg(1), ok);
  if (!ok) return;
  if (v == nullptr) return ctx.out.error("ERR no such key");
  auto index = get_int(ctx, ctx.arg(2));
  if (!index) return;
  store::List& list = v->list();
  int64_t i = *index < 0 ? *index + static_cast<int64_t>(list.size()) : *index;
  if (i < 0 || i >= static_cast<int64_t>(list.size())) return ctx.out.error("ERR index out of range");
  list.set(static_cast<size_t>(i), ctx.arg(3));
  ctx.out.ok();
  modified(ctx, ctx.arg(1), v, "lset");
}

void cmd_ltrim(Context& ctx) {
  auto start = get_int(ctx, ctx.arg(2));
  if (!start) return;
  auto stop = get_int(ctx, ctx.arg(3));
  if (!stop) return;
  bool ok;
  store::Value* v = lookup_list(ctx, ctx.arg(1), ok);
  if (!ok) return;
  if (v == nullptr) return ctx.out.ok();
  store::List& list = v->list();
  int64_t len = static_cast<int64_t>(list.size());
  int64_t s = *start, e = *stop;
  size_t before = list.size();
  if (!clamp_range(s, e, len)) {
    list.clear();
  } else {
    list.keep_range(static_cast<size_t>(s), static_cast<size_t>(e));
  }
  ctx.out.ok();
  size_t removed = before - list.size();
  // Even a trim that removes nothing counts as a modification (WATCH, notification), as in Redis.
  modified(ctx, ctx.arg(1), v, "ltrim", static_cast<int64_t>(removed));
}

void cmd_linsert(Context& ctx) {
  bool after;
  if (util::iequals(ctx.arg(2), "after")) {
    after = true;
  } else if (util::iequals(ctx.arg(2), "before")) {
    after = false;
  } else {
    return ctx.syntax_error();
  }
  bool ok;
  store::Value* v = lookup_list(ctx, ctx.arg(1), ok);
  if (!ok) return;
  if (v == nullptr) return ctx.out.integer(0);
  store::List& list = v->list();
  std::optional<size_t> pivot = list.find(ctx.arg(3));
  if (!pivot) return ctx.out.integer(-1);
  list.insert(*pivot + (after ? 1 : 0), ctx.arg(4));
  ctx.out.integer(static_cast<int64_t>(list.size()));
  modified(ctx, ctx.arg(1), v, "linsert");
}

void cmd_lpos(Context& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    bool more = j + 1 < ctx.argc();
    if (util::iequals(opt, "rank") && more) {
      auto r = get_int(ctx, ctx.arg(++j));
      if (!r) return;
      if (*r == 0) {
        return ctx.out.error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
            "negative to start from the end of the list");
      }
      rank = *r;
    } else if (util::iequals(opt, "count") && more) {
      auto c = get_range(ctx, ctx.arg(++j), 0, INT64_MAX, "COUNT can't be negative");
      if (!c) return;
      count = *c;
    } else if (util::iequals(opt, "maxlen") && more) {
      auto m = get_range(ctx, ctx.arg(++j), 0, INT64_MAX, "MAXLEN can't be negative");
      if (!m) return;
      maxlen = *m;
    } else {
      return ctx.syntax_error();
    }
  }
  bool from_tail = rank < 0;
  // Redis 7.0 negates LONG_MIN into itself: from the tail, first match.
  if (from_tail) rank = rank == INT64_MIN ? 1 : -rank;
  bool ok;
  store::Value* v = lookup_list(ctx, ctx.arg(1), ok, true);
  if (!ok) return;
  if (v == nullptr) return count != -1 ? ctx.out.array_header(0) : ctx.out.null();
  const store::List& list = v->list();
  int64_t len = static_cast<int64_t>(list.size());
  std::string_view element = ctx.arg(2);
  std::vector<int64_t> found;
  int64_t matches = 0;
  int64_t scanned = 0;
  // One element, `index`; false once the search is over.
  auto look = [&](size_t index, std::string_view e) {
    if (maxlen != 0 && scanned++ >= maxlen) return false;
    if (e != element || ++matches < rank) return true;
    found.push_back(static_cast<int64_t>(index));
    return !(count == -1 || (count != 0 && static_cast<int64_t>(found.size()) >= count));
  };
  if (len > 0 && from_tail) {
    list.visit_backward(static_cast<size_t>(len - 1), look);
  } else {
    size_t index = 0;
    for (auto it = list.begin(); it != list.end() && look(index, *it); ++it) ++index;
  }
  if (count == -1) return found.empty() ? ctx.out.null() : ctx.out.integer(found[0]);
  ctx.out.array_header(found.size());
  for (int64_t i : found) ctx.out.integer(i);
}

void move_generic(Context& ctx, ListEnd from, ListEnd to, bool as_rpoplpush) {
  ListPopOp op;
  op.kind = ListPopOp::Kind::kMove;
  op.from = from;
  op.to = to;
  op.dest = std::string(ctx.arg(2));
  op.as_rpoplpush = as_rpoplpush;
  std::vector<std::string> argv;
  ServeResult r = serve_list_op(ctx.server, ctx.client.db, ctx.arg(1), op, ctx.now_ms, ctx.out, argv);
  if (r == ServeResult::kNotReady) return ctx.out.null();
  if (r == ServeResult::kServed) ctx.propagate_as(std::move(argv));
}

void cmd_lmove(Context& ctx) {
  auto from = parse_end(ctx.arg(3));
  auto to = parse_end(ctx.arg(4));
  if (!from || !to) return ctx.syntax_error();
  move_generic(ctx, *from, *to, false);
}

void cmd_rpoplpush(Context& ctx) { move_generic(ctx, ListEnd::kRight, ListEnd::kLeft, true); }

}  // namespace

bool parse_mpop(Context& ctx, size_t numkeys_index, std::vector<std::string_view>& keys, ListPopOp& op) {
  auto numkeys = get_range(ctx, ctx.arg(numkeys_index), 1, INT64_MAX, "numkeys should be greater than 0");
  if (!numkeys) return false;
  // The direction must follow the keys.
  if (*numkeys > static_cast<int64_t>(ctx.argc()) - static_cast<int64_t>(numkeys_index) - 2) {
    ctx.syntax_error();
    return false;
  }
  size_t where_index = numkeys_index + static_cast<size_t>(*numkeys) + 1;
  auto where = parse_end(ctx.arg(where_index));
  if (!where) {
    ctx.syntax_error();
    return false;
  }
  int64_t count = -1;
  for (size_t j = where_index + 1; j < ctx.argc(); ++j) {
    if (count == -1 && util::iequals(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
      auto c = get_range(ctx, ctx.arg(++j), 1, INT64_MAX, "count should be greater than 0");
      if (!c) return false;
      count = *c;
    } else {
      ctx.syntax_error();
      return false;
    }
  }
  keys.assign(ctx.args.begin() + static_cast<long>(numkeys_index) + 1,
              ctx.args.begin() + static_cast<long>(where_index));
  op.kind = ListPopOp::Kind::kMPop;
  op.from = *where;
  op.count = count == -1 ? 1 : count;
  return true;
}

bool serve_first_ready(Context& ctx, const std::vector<std::string_view>& keys, const ListPopOp& op) {
  for (std::string_view key : keys) {
    std::vector<std::string> argv;
    ServeResult r = serve_list_op(ctx.server, ctx.client.db, key, op, ctx.now_ms, ctx.out, argv);
    if (r == ServeResult::kError) return true;
    if (r == ServeResult::kServed) {
      ctx.propagate_as(std::move(argv));
      return true;
    }
  }
  return false;
}

namespace {

void cmd_lmpop(Context& ctx) {
  std::vector<std::string_view> keys;
  ListPopOp op;
  if (!parse_mpop(ctx, 1, keys, op)) return;
  if (!serve_first_ready(ctx, keys, op)) ctx.out.null_array();
}

}  // namespace

void register_list_commands(CommandTable& t) {
  t.add("lpush", -3, kWrite | kDenyOom | kFast, cmd_lpush, 1, 1, 1);
  t.add("rpush", -3, kWrite | kDenyOom | kFast, cmd_rpush, 1, 1, 1);
  t.add("lpushx", -3, kWrite | kDenyOom | kFast, cmd_lpushx, 1, 1, 1);
  t.add("rpushx", -3, kWrite | kDenyOom | kFast, cmd_rpushx, 1, 1, 1);
  t.add("lpop", -2, kWrite | kFast, cmd_lpop, 1, 1, 1);
  t.add("rpop", -2, kWrite | kFast, cmd_rpop, 1, 1, 1);
  t.add("llen", 2, kReadOnly | kFast, cmd_llen, 1, 1, 1);
  t.add("lindex", 3, kReadOnly, cmd_lindex, 1, 1, 1);
  t.add("lrange", 4, kReadOnly, cmd_lrange, 1, 1, 1);
  t.add("lrem", 4, kWrite, cmd_lrem, 1, 1, 1);
  t.add("lset", 4, kWrite | kDenyOom, cmd_lset, 1, 1, 1);
  t.add("ltrim", 4, kWrite, cmd_ltrim, 1, 1, 1);
  t.add("linsert", 5, kWrite | kDenyOom, cmd_linsert, 1, 1, 1);
  t.add("lpos", -3, kReadOnly, cmd_lpos, 1, 1, 1);
  t.add("lmove", 5, kWrite | kDenyOom, cmd_lmove, 1, 2, 1);
  t.add("rpoplpush", 3, kWrite | kDenyOom, cmd_rpoplpush, 1, 2, 1);
  t.add("lmpop", -4, kWrite, cmd_lmpop, 0, 0, 0);
  register_blocking_list_commands(t);
}

}  // namespace datanode
