// Set commands: membership, random picks and pops, moves, unions/intersections/differences (and their
// STORE forms), SINTERCARD and SSCAN. Replies and errors follow Redis 7 exactly.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "datanode/commands/families.h"
#include "datanode/server/notify.h"
#include "datanode/commands/scan_options.h"

namespace datanode {
namespace {

using namespace command;
using store::Set;

std::mt19937_64& rng() {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

// Looks a set up. Returns false (WRONGTYPE sent) when the key holds another type; `out` is null when
// the key is missing.
bool find_set(Context& ctx, std::string_view key, Set*& out, bool read) {
  store::Value* v = nullptr;
  bool ok = ctx.find_typed(key, store::Type::kSet, v, read);
  out = v ? &v->set() : nullptr;
  return ok;
}

bool get_set(Context& ctx, std::string_view key, Set*& out) { return find_set(ctx, key, out, false); }

// Same, for read commands: counts keyspace hits and misses.
bool read_set(Context& ctx, std::string_view key, Set*& out) { return find_set(ctx, key, out, true); }

void touch(Context& ctx, std::string_view key) { ctx.server.touch(ctx.client.db, key); }

bool add_member(Set& s, std::string_view m) { return s.insert(m); }

// A uniformly random member of a non-empty set. Linear: the hash table offers no random slot access.
std::string random_member(const Set& s) {
  auto it = s.begin();
  std::advance(it, static_cast<long>(std::uniform_int_distribution<size_t>(0, s.size() - 1)(rng())));
  return std::string(*it);
}

// `k` distinct random members (k < size), in one pass (selection sampling).
std::vector<std::string> sample(const Set& s, size_t k) {
  std::vector<std::string> out;
  out.reserve(k);
  size_t left = s.size();
  for (auto it = s.begin(); it != s.end() && out.size() < k; ++it, --left) {
    size_t need = k - out.size();
    if (std::uniform_int_distribution<size_t>(0, left - 1)(rng()) < need) out.emplace_back(*it);
  }
  std::shuffle(out.begin(), out.end(), rng());
  return out;
}

// `as_set`: the reply is a set in RESP3 (SPOP with a count, SUNION & co.), not an array (SRANDMEMBER).
void reply_members(Context& ctx, const std::vector<std::string>& members, bool as_set) {
  if (as_set)
    ctx.out.set_header(members.size());
  else
    ctx.out.array_header(members.size());
  for (const auto& m : members) ctx.out.bulk(m);
}

void cmd_sadd(Context& ctx) {
  Set* s;
  if (!get_set(ctx, ctx.arg(1), s)) return;
  if (!s) {
    s = &ctx.db().create(ctx.arg(1), store::Type::kSet).set();
    notify(ctx, kNotifyNew, "new", ctx.arg(1));
  }
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) added += add_member(*s, ctx.arg(i));
  if (added > 0) {
    touch(ctx, ctx.arg(1));
    ctx.changed(added);
    notify(ctx, kNotifySet, "sadd", ctx.arg(1));
  }
  ctx.out.integer(added);
}

void cmd_srem(Context& ctx) {
  Set* s;
  if (!get_set(ctx, ctx.arg(1), s)) return;
  int64_t removed = 0;
  if (s) {
    for (size_t i = 2; i < ctx.argc() && !s->empty(); ++i) removed += static_cast<int64_t>(s->erase(ctx.arg(i)));
  }
  if (removed > 0) {
    notify(ctx, kNotifySet, "srem", ctx.arg(1));
    if (s->empty()) {
      ctx.db().erase(ctx.arg(1));
      notify(ctx, kNotifyGeneric, "del", ctx.arg(1));
    }
    touch(ctx, ctx.arg(1));
    ctx.changed(removed);
  }
  ctx.out.integer(removed);
}

void cmd_smembers(Context& ctx) {
  Set* s;
  if (!read_set(ctx, ctx.arg(1), s)) return;
  if (!s) return ctx.out.set_header(0);
  ctx.out.set_header(s->size());
  for (const auto& m : *s) ctx.out.bulk(m);
}

void cmd_sismember(Context& ctx) {
  Set* s;
  if (!read_set(ctx, ctx.arg(1), s)) return;
  ctx.out.integer(s && s->contains(ctx.arg(2)) ? 1 : 0);
}

void cmd_smismember(Context& ctx) {
  Set* s;
  if (!read_set(ctx, ctx.arg(1), s)) return;
  ctx.out.array_header(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) ctx.out.integer(s && s->contains(ctx.arg(i)) ? 1 : 0);
}

void cmd_scard(Context& ctx) {
  Set* s;
  if (!read_set(ctx, ctx.arg(1), s)) return;
  ctx.out.integer(s ? static_cast<int64_t>(s->size()) : 0);
}

// SPOP is random, so replicas and the AOF get the members it removed (SREM), or DEL for the whole set.
void cmd_spop(Context& ctx) {
  std::string key(ctx.arg(1));
  if (ctx.argc() > 3) return ctx.syntax_error();
  if (ctx.argc() == 2) {
    Set* s;
    if (!get_set(ctx, key, s)) return;
    if (!s) return ctx.out.null();
    std::string member = random_member(*s);
    s->erase(member);
    notify(ctx, kNotifySet, "spop", key);
    if (s->empty()) {
      ctx.db().erase(key);
      notify(ctx, kNotifyGeneric, "del", key);
    }
    touch(ctx, key);
    ctx.propagate_as({"SREM", key, member});
    ctx.out.bulk(member);
    return;
  }
  auto count = util::parse_int(ctx.arg(2));
  if (!count || *count < 0) return ctx.out.error("ERR value is out of range, must be positive");
  Set* s;
  if (!get_set(ctx, key, s)) return;
  if (!s || *count == 0) return ctx.out.set_header(0);
  if (static_cast<uint64_t>(*count) >= s->size()) {
    std::vector<std::string> all;
    all.reserve(s->size());
    for (std::string_view m : *s) all.emplace_back(m);
    ctx.db().erase(key);
    notify(ctx, kNotifySet, "spop", key);
    notify(ctx, kNotifyGeneric, "del", key);
    touch(ctx, key);
    ctx.propagate_as({"DEL", key});
    return reply_members(ctx, all, true);
  }
  std::vector<std::string> popped = sample(*s, static_cast<size_t>(*count));
  for (const auto& m : popped) s->erase(m);
  notify(ctx, kNotifySet, "spop", key);
  touch(ctx, key);
  // Batches keep each propagated command a reasonable size.
  constexpr size_t kBatch = 1024;
  for (size_t i = 0; i < popped.size(); i += kBatch) {
    std::vector<std::string> argv = {"SREM", key};
    for (size_t j = i; j < std::min(popped.size(), i + kBatch); ++j) argv.push_back(popped[j]);
    ctx.propagate_as(std::move(argv));
  }
  reply_members(ctx, popped, true);
}

void cmd_srandmember(Context& ctx) {
  if (ctx.argc() > 3) return ctx.syntax_error();
  Set* s;
  if (ctx.argc() == 2) {
    if (!read_set(ctx, ctx.arg(1), s)) return;
    if (!s) return ctx.out.null();
    return ctx.out.bulk(random_member(*s));
  }
  auto count = util::parse_int(ctx.arg(2));
  if (!count) return ctx.not_integer();
  if (*count == INT64_MIN)
    return ctx.out.error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
  if (!read_set(ctx, ctx.arg(1), s)) return;
  if (!s || *count == 0) return ctx.out.array_header(0);
  if (*count < 0) {
    // Repetitions allowed: index the members once, then pick.
    std::vector<std::string> members;
    members.reserve(s->size());
    for (std::string_view m : *s) members.emplace_back(m);
    uint64_t n = static_cast<uint64_t>(-*count);
    std::uniform_int_distribution<size_t> pick(0, members.size() - 1);
    ctx.out.array_header(n);
    for (uint64_t i = 0; i < n; ++i) ctx.out.bulk(members[pick(rng())]);
    return;
  }
  if (static_cast<uint64_t>(*count) >= s->size()) {
    ctx.out.array_header(s->size());
    for (const auto& m : *s) ctx.out.bulk(m);
    return;
  }
  reply_members(ctx, sample(*s, static_cast<size_t>(*count)), false);
}

void cmd_smove(Context& ctx) {
  std::string_view src_key = ctx.arg(1), dst_key = ctx.arg(2), member = ctx.arg(3);
  Set* src;
  if (!get_set(ctx, src_key, src)) return;
  if (!src) return ctx.out.integer(0);
  Set* dst;
  if (!get_set(ctx, dst_key, dst)) return;
  if (src == dst) return ctx.out.integer(src->contains(member) ? 1 : 0);
  std::string m(member);
  if (!src->erase(m)) return ctx.out.integer(0);
  notify(ctx, kNotifySet, "srem", src_key);
  if (src->empty()) {
    ctx.db().erase(src_key);
    notify(ctx, kNotifyGeneric, "del", src_key);
  }
  touch(ctx, src_key);
  // Looked up again: erasing the source may have moved entries of the keyspace.
  if (!get_set(ctx, dst_key, dst)) return;
  if (!dst) {
    dst = &ctx.db().create(dst_key, store::Type::kSet).set();
    notify(ctx, kNotifyNew, "new", dst_key);
  }
  // A member already in the destination leaves it unchanged: its WATCHers are not disturbed (Redis).
  if (dst->insert(m)) {
    touch(ctx, dst_key);
    notify(ctx, kNotifySet, "sadd", dst_key);
  }
  ctx.changed();
  ctx.out.integer(1);
}

enum class SetOp { kUnion, kInter, kDiff };

// Combines the sets at args[first..]; missing keys are empty sets. Returns false (WRONGTYPE sent) if
// any key holds another type, checked for all keys before any work as Redis does.
bool combine(Context& ctx, size_t first, SetOp op, std::vector<std::string>& result) {
  std::vector<Set*> sets;
  for (size_t i = first; i < ctx.argc(); ++i) {
    Set* s;
    if (!read_set(ctx, ctx.arg(i), s)) return false;
    sets.push_back(s);
  }
  switch (op) {
    case SetOp::kUnion: {
      Set all;  // an intset while it can be, so integers come out in order as from Redis
      for (Set* s : sets)
        if (s)
          for (std::string_view m : *s) all.insert(m);
      for (std::string_view m : all) result.emplace_back(m);
      break;
    }
    case SetOp::kInter: {
      if (std::find(sets.begin(), sets.end(), nullptr) != sets.end()) break;
      // Walk the smallest set, probe the others from the smallest up.
      std::sort(sets.begin(), sets.end(), [](Set* a, Set* b) { return a->size() < b->size(); });
      for (const auto& m : *sets[0]) {
        bool everywhere = true;
        for (size_t j = 1; j < sets.size() && everywhere; ++j) everywhere = sets[j] == sets[0] || sets[j]->contains(m);
        if (everywhere) result.emplace_back(m);
      }
      break;
    }
    case SetOp::kDiff: {
      if (!sets[0]) break;
      for (const auto& m : *sets[0]) {
        bool elsewhere = false;
        for (size_t j = 1; j < sets.size() && !elsewhere; ++j)
          elsewhere = sets[j] != nullptr && (sets[j] == sets[0] || sets[j]->contains(m));
        if (!elsewhere) result.emplace_back(m);
      }
      break;
    }
  }
  return true;
}

void combine_reply(Context& ctx, SetOp op) {
  std::vector<std::string> result;
  if (!combine(ctx, 1, op, result)) return;
  reply_members(ctx, result, true);
}

// The STORE forms replace the destination (and its TTL); an empty result deletes it.
void combine_store(Context& ctx, SetOp op) {
  std::vector<std::string> result;
  if (!combine(ctx, 2, op, result)) return;
  std::string_view dst = ctx.arg(1);
  if (result.empty()) {
    if (ctx.db().find(dst, ctx.now_ms) && ctx.db().erase(dst)) {
      touch(ctx, dst);
      ctx.changed();
      notify(ctx, kNotifyGeneric, "del", dst);
    }
    return ctx.out.integer(0);
  }
  store::Value v = store::Value::make(store::Type::kSet);
  for (const auto& m : result) v.set().insert(m);
  size_t n = v.set().size();
  bool existed = ctx.db().exists(dst, ctx.now_ms);
  ctx.db().put(dst, std::move(v));
  if (!existed) notify(ctx, kNotifyNew, "new", dst);
  touch(ctx, dst);
  ctx.changed();
  notify(ctx, kNotifySet, op == SetOp::kUnion ? "sunionstore" : op == SetOp::kInter ? "sinterstore" : "sdiffstore",
         dst);
  ctx.out.integer(static_cast<int64_t>(n));
}

void cmd_sunion(Context& ctx) { combine_reply(ctx, SetOp::kUnion); }
void cmd_sinter(Context& ctx) { combine_reply(ctx, SetOp::kInter); }
void cmd_sdiff(Context& ctx) { combine_reply(ctx, SetOp::kDiff); }
void cmd_sunionstore(Context& ctx) { combine_store(ctx, SetOp::kUnion); }
void cmd_sinterstore(Context& ctx) { combine_store(ctx, SetOp::kInter); }
void cmd_sdiffstore(Context& ctx) { combine_store(ctx, SetOp::kDiff); }

void cmd_sintercard(Context& ctx) {
  auto numkeys = util::parse_int(ctx.arg(1));
  if (!numkeys || *numkeys < 1) return ctx.out.error("ERR numkeys should be greater than 0");
  if (static_cast<uint64_t>(*numkeys) > ctx.argc() - 2)
    return ctx.out.error("ERR Number of keys can't be greater than number of args");
  size_t keys_end = 2 + static_cast<size_t>(*numkeys);
  uint64_t limit = 0;
  for (size_t i = keys_end; i < ctx.argc(); ++i) {
    if (util::iequals(ctx.arg(i), "limit") && i + 1 < ctx.argc()) {
      auto l = util::parse_int(ctx.arg(++i));
      if (!l || *l < 0) return ctx.out.error("ERR LIMIT can't be negative");
      limit = static_cast<uint64_t>(*l);
    } else {
      return ctx.syntax_error();
    }
  }
  std::vector<Set*> sets;
  bool any_missing = false;
  for (size_t i = 2; i < keys_end; ++i) {
    Set* s;
    if (!read_set(ctx, ctx.arg(i), s)) return;
    any_missing |= s == nullptr;
    sets.push_back(s);
  }
  if (any_missing) return ctx.out.integer(0);
  std::sort(sets.begin(), sets.end(), [](Set* a, Set* b) { return a->size() < b->size(); });
  uint64_t n = 0;
  for (const auto& m : *sets[0]) {
    bool everywhere = true;
    for (size_t j = 1; j < sets.size() && everywhere; ++j) everywhere = sets[j]->contains(m);
    if (everywhere && ++n == limit) break;
  }
  ctx.out.integer(static_cast<int64_t>(n));
}

// Small sets come back whole with cursor 0 (as Redis does for its compact encodings); larger ones
// page through the table's iteration order, which is stable while the set is not modified.
void cmd_sscan(Context& ctx) {
  auto cursor = parse_scan_cursor(ctx, ctx.arg(2));
  if (!cursor) return;
  Set* s;
  if (!read_set(ctx, ctx.arg(1), s)) return;
  if (!s) {
    ctx.out.array_header(2);
    ctx.out.bulk("0");
    return ctx.out.array_header(0);
  }
  auto opts = parse_scan_options(ctx, 3);
  if (!opts) return;
  constexpr size_t kWholeBelow = 128;
  std::vector<std::string> found;
  uint64_t next = 0;
  if (s->intset() || s->size() <= kWholeBelow) {
    for (std::string_view m : *s)
      if (opts->matches(m)) found.emplace_back(m);
  } else {
    auto it = s->begin();
    uint64_t pos = 0;
    for (; it != s->end() && pos < *cursor; ++it) ++pos;
    for (size_t visited = 0; it != s->end() && visited < opts->count; ++it, ++visited, ++pos)
      if (opts->matches(*it)) found.emplace_back(*it);
    next = it == s->end() ? 0 : pos;
  }
  ctx.out.array_header(2);
  ctx.out.bulk(std::to_string(next));
  ctx.out.array_header(found.size());
  for (const std::string& m : found) ctx.out.bulk(m);
}

}  // namespace

void register_set_commands(CommandTable& t) {
  t.add("sadd", -3, kWrite | kDenyOom | kFast, cmd_sadd, 1, 1, 1);
  t.add("srem", -3, kWrite | kFast, cmd_srem, 1, 1, 1);
  t.add("smembers", 2, kReadOnly, cmd_smembers, 1, 1, 1);
  t.add("sismember", 3, kReadOnly | kFast, cmd_sismember, 1, 1, 1);
  t.add("smismember", -3, kReadOnly | kFast, cmd_smismember, 1, 1, 1);
  t.add("scard", 2, kReadOnly | kFast, cmd_scard, 1, 1, 1);
  t.add("spop", -2, kWrite | kFast, cmd_spop, 1, 1, 1);
  t.add("srandmember", -2, kReadOnly, cmd_srandmember, 1, 1, 1);
  t.add("smove", 4, kWrite | kFast, cmd_smove, 1, 2, 1);
  t.add("sunion", -2, kReadOnly, cmd_sunion, 1, -1, 1);
  t.add("sinter", -2, kReadOnly, cmd_sinter, 1, -1, 1);
  t.add("sdiff", -2, kReadOnly, cmd_sdiff, 1, -1, 1);
  t.add("sunionstore", -3, kWrite | kDenyOom, cmd_sunionstore, 1, -1, 1);
  t.add("sinterstore", -3, kWrite | kDenyOom, cmd_sinterstore, 1, -1, 1);
  t.add("sdiffstore", -3, kWrite | kDenyOom, cmd_sdiffstore, 1, -1, 1);
  t.add("sintercard", -3, kReadOnly, cmd_sintercard, 0, 0, 0);
  t.add("sscan", -3, kReadOnly, cmd_sscan, 1, 1, 1);
}

}  // namespace datanode
