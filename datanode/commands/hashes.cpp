// Hash commands: HSET and friends, counters (HINCRBY, HINCRBYFLOAT), whole-hash reads, HRANDFIELD and
// HSCAN.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <random>

#include "common/util/strings.h"
#include "datanode/commands/families.h"
#include "datanode/server/notify.h"

namespace datanode {
namespace {

using namespace command;

// The hash at `key`, or nullptr when absent; `ok` is false after a WRONGTYPE reply.
// `read`: a read command's lookup (keyspace hit/miss counted, keymiss published).
store::Value* lookup_hash(Context& ctx, std::string_view key, bool& ok, bool read = false) {
  ok = true;
  store::Value* v = ctx.db().find(key, ctx.now_ms);
  if (read) ctx.note_read_lookup(key, v != nullptr);
  if (v != nullptr && v->type() != store::Type::kHash) {
    ctx.wrong_type();
    ok = false;
    return nullptr;
  }
  return v;
}

// The hash at `key`, created when absent; nullptr after a WRONGTYPE reply.
store::Hash* lookup_or_create(Context& ctx, std::string_view key) {
  bool ok;
  store::Value* v = lookup_hash(ctx, key, ok);
  if (!ok) return nullptr;
  if (v == nullptr) {
    v = &ctx.db().create(key, store::Type::kHash);
    notify(ctx, kNotifyNew, "new", key);
  }
  return &v->hash();
}

void modified(Context& ctx, std::string_view key, const char* event, int64_t dirty = 1) {
  notify(ctx, kNotifyHash, event, key);
  ctx.server.touch(ctx.client.db, key);
  ctx.changed(dirty);
}

void hset_generic(Context& ctx, bool reply_ok) {
  if (ctx.argc() % 2 == 1) return ctx.out.error(wrong_arity_error(reply_ok ? "hmset" : "hset"));
  store::Hash* h = lookup_or_create(ctx, ctx.arg(1));
  if (h == nullptr) return;
  int64_t created = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2) created += h->set(ctx.arg(i), ctx.arg(i + 1)) ? 1 : 0;
  if (reply_ok) {
    ctx.out.ok();
  } else {
    ctx.out.integer(created);
  }
  modified(ctx, ctx.arg(1), "hset", static_cast<int64_t>((ctx.argc() - 2) / 2));
}

void cmd_hset(Context& ctx) { hset_generic(ctx, false); }
void cmd_hmset(Context& ctx) { hset_generic(ctx, true); }

void cmd_hsetnx(Context& ctx) {
  store::Hash* h = lookup_or_create(ctx, ctx.arg(1));
  if (h == nullptr) return;
  if (h->contains(ctx.arg(2))) return ctx.out.integer(0);
  h->set(ctx.arg(2), ctx.arg(3));
  ctx.out.integer(1);
  modified(ctx, ctx.arg(1), "hset");
}

void cmd_hget(Context& ctx) {
  bool ok;
  store::Value* v = lookup_hash(ctx, ctx.arg(1), ok, true);
  if (!ok) return;
  if (v == nullptr) return ctx.out.null();
  auto value = v->hash().get(ctx.arg(2));
  if (!value) return ctx.out.null();
  ctx.out.bulk(*value);
}

void cmd_hmget(Context& ctx) {
  bool ok;
  store::Value* v = lookup_hash(ctx, ctx.arg(1), ok, true);
  if (!ok) return;
  ctx.out.array_header(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (v == nullptr) {
      ctx.out.null();
      continue;
    }
    auto value = v->hash().get(ctx.arg(i));
    if (!value) {
      ctx.out.null();
    } else {
      ctx.out.bulk(*value);
    }
  }
}

void cmd_hdel(Context& ctx) {
  bool ok;
  store::Value* v = lookup_hash(ctx, ctx.arg(1), ok);
  if (!ok) return;
  if (v == nullptr) return ctx.out.integer(0);
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    deleted += v->hash().erase(ctx.arg(i)) ? 1 : 0;
    if (v->hash().empty()) break;
  }
  if (deleted > 0) {
    modified(ctx, ctx.arg(1), "hdel", deleted);
    if (v->hash().empty()) {
      ctx.db().erase(ctx.arg(1));
      notify(ctx, kNotifyGeneric, "del", ctx.arg(1));
    }
  }
  ctx.out.integer(deleted);
}

void cmd_hlen(Context& ctx) {
  bool ok;
  store::Value* v = lookup_hash(ctx, ctx.arg(1), ok, true);
  if (!ok) return;
  ctx.out.integer(v ? static_cast<int64_t>(v->hash().size()) : 0);
}

void cmd_hstrlen(Context& ctx) {
  bool ok;
  store::Value* v = lookup_hash(ctx, ctx.arg(1), ok, true);
  if (!ok) return;
  if (v == nullptr) return ctx.out.integer(0);
  auto value = v->hash().get(ctx.arg(2));
  ctx.out.integer(value ? static_cast<int64_t>(value->size()) : 0);
}

void cmd_hexists(Context& ctx) {
  bool ok;
  store::Value* v = lookup_hash(ctx, ctx.arg(1), ok, true);
  if (!ok) return;
  ctx.out.integer(v != nullptr && v->hash().contains(ctx.arg(2)) ? 1 : 0);
}

enum class Part { kKeys, kValues, kBoth };

void getall_generic(Context& ctx, Part part) {
  bool ok;
  store::Value* v = lookup_hash(ctx, ctx.arg(1), ok, true);
  if (!ok) return;
  if (v == nullptr) return part == Part::kBoth ? ctx.out.map_header(0) : ctx.out.array_header(0);
  const store::Hash& h = v->hash();
  if (part == Part::kBoth) {
    ctx.out.map_header(h.size());
  } else {
    ctx.out.array_header(h.size());
  }
  for (const auto& [field, value] : h) {
    if (part != Part::kValues) ctx.out.bulk(field);
    if (part != Part::kKeys) ctx.out.bulk(value);
  }
}

void cmd_hkeys(Context& ctx) { getall_generic(ctx, Part::kKeys); }
void cmd_hvals(Context& ctx) { getall_generic(ctx, Part::kValues); }
void cmd_hgetall(Context& ctx) { getall_generic(ctx, Part::kBoth); }

void cmd_hincrby(Context& ctx) {
  auto incr = util::parse_int(ctx.arg(3));
  if (!incr) return ctx.not_integer();
  store::Hash* h = lookup_or_create(ctx, ctx.arg(1));
  if (h == nullptr) return;
  int64_t value = 0;
  if (auto text = h->get(ctx.arg(2))) {
    auto current = util::parse_int(*text);
    if (!current) return ctx.out.error("ERR hash value is not an integer");
    value = *current;
  }
  if ((*incr < 0 && value < 0 && *incr < INT64_MIN - value) ||
      (*incr > 0 && value > 0 && *incr > INT64_MAX - value)) {
    return ctx.out.error("ERR increment or decrement would overflow");
  }
  value += *incr;
  h->set(ctx.arg(2), std::to_string(value));
  ctx.out.integer(value);
  modified(ctx, ctx.arg(1), "hincrby");
}

void cmd_hincrbyfloat(Context& ctx) {
  auto incr = util::parse_long_double(ctx.arg(3));
  if (!incr) return ctx.not_float();
  if (std::isnan(*incr) || std::isinf(*incr)) return ctx.out.error("ERR value is NaN or Infinity");
  store::Hash* h = lookup_or_create(ctx, ctx.arg(1));
  if (h == nullptr) return;
  long double value = 0;
  if (auto text = h->get(ctx.arg(2))) {
    auto current = util::parse_long_double(*text);
    if (!current) return ctx.out.error("ERR hash value is not a float");
    value = *current;
  }
  value += *incr;
  if (std::isnan(value) || std::isinf(value))
    return ctx.out.error("ERR increment would produce NaN or Infinity");
  std::string text = util::format_long_double(value);
  h->set(ctx.arg(2), text);
  ctx.out.bulk(text);
  // Replicas and the AOF get the result, not the addition (float rounding may differ elsewhere).
  ctx.propagate_as({"HSET", std::string(ctx.arg(1)), std::string(ctx.arg(2)), text});
  ctx.server.touch(ctx.client.db, ctx.arg(1));
  notify(ctx, kNotifyHash, "hincrbyfloat", ctx.arg(1));
}

std::mt19937_64& rng() {
  static std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

void reply_field(Context& ctx, const store::Hash::Entry& e, bool with_values) {
  if (with_values && ctx.out.protocol() >= 3) ctx.out.array_header(2);
  ctx.out.bulk(e.first);
  if (with_values) ctx.out.bulk(e.second);
}

void cmd_hrandfield(Context& ctx) {
  bool ok;
  if (ctx.argc() < 3) {
    store::Value* v = lookup_hash(ctx, ctx.arg(1), ok, true);
    if (!ok) return;
    if (v == nullptr) return ctx.out.null();
    const store::Hash& h = v->hash();
    auto it = h.begin();
    for (size_t skip = std::uniform_int_distribution<size_t>(0, h.size() - 1)(rng()); skip > 0; --skip) ++it;
    return ctx.out.bulk((*it).first);
  }
  auto l = util::parse_int(ctx.arg(2));
  if (!l) return ctx.not_integer();
  if (*l == INT64_MIN)
    return ctx.out.error(
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
  bool with_values = false;
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !util::iequals(ctx.arg(3), "withvalues")))
    return ctx.syntax_error();
  if (ctx.argc() == 4) {
    with_values = true;
    if (*l < -INT64_MAX / 2 || *l > INT64_MAX / 2) return ctx.out.error("ERR value is out of range");
  }
  store::Value* v = lookup_hash(ctx, ctx.arg(1), ok, true);
  if (!ok) return;
  if (v == nullptr || *l == 0) return ctx.out.array_header(0);
  const store::Hash& h = v->hash();
  std::vector<store::Hash::Entry> entries(h.begin(), h.end());
  bool pairs = with_values && ctx.out.protocol() >= 3;  // RESP3: [field, value] arrays
  size_t per = with_values && !pairs ? 2 : 1;
  if (*l < 0) {
    // Repetitions allowed: each pick is independent.
    auto count = static_cast<size_t>(-*l);
    ctx.out.array_header(count * per);
    std::uniform_int_distribution<size_t> pick(0, entries.size() - 1);
    for (size_t i = 0; i < count; ++i) reply_field(ctx, entries[pick(rng())], with_values);
    return;
  }
  size_t count = std::min(static_cast<size_t>(*l), entries.size());
  // Distinct fields: a partial Fisher-Yates shuffle picks `count` of them.
  for (size_t i = 0; i < count && count < entries.size(); ++i) {
    size_t j = std::uniform_int_distribution<size_t>(i, entries.size() - 1)(rng());
    std::swap(entries[i], entries[j]);
  }
  ctx.out.array_header(count * per);
  for (size_t i = 0; i < count; ++i) reply_field(ctx, entries[i], with_values);
}

// Redis' parseScanCursorOrReply is strtoul: a sign is accepted ("-1" is the largest cursor), and so is
// an empty string; leading spaces and trailing junk are not.
std::optional<uint64_t> parse_cursor(std::string_view s) {
  std::string text(s);
  if (!text.empty() && isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
  if (text.find('\0') != std::string::npos) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = strtoull(text.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return std::nullopt;
  return static_cast<uint64_t>(v);
}

void cmd_hscan(Context& ctx) {
  auto cursor = parse_cursor(ctx.arg(2));
  if (!cursor) return ctx.out.error("ERR invalid cursor");
  bool ok;
  store::Value* v = lookup_hash(ctx, ctx.arg(1), ok, true);
  if (!ok) return;
  if (v == nullptr) {  // before the options are looked at, as in Redis
    ctx.out.array_header(2);
    ctx.out.bulk("0");
    return ctx.out.array_header(0);
  }
  std::optional<std::string_view> pattern;
  size_t count = 10;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    bool has_value = i + 1 < ctx.argc();
    if (has_value && util::iequals(ctx.arg(i), "count")) {
      auto n = util::parse_int(ctx.arg(i + 1));
      if (!n) return ctx.not_integer();
      if (*n < 1) return ctx.syntax_error();
      count = static_cast<size_t>(*n);
    } else if (has_value && util::iequals(ctx.arg(i), "match")) {
      pattern = ctx.arg(i + 1);
      if (*pattern == "*") pattern.reset();
    } else {
      return ctx.syntax_error();
    }
  }
  const store::Hash& h = v->hash();
  using Entry = std::pair<uint64_t, store::Hash::Entry>;
  std::vector<Entry> batch;
  uint64_t next = 0;
  if (h.packed()) {  // returned whole, with cursor 0, as Redis does for a listpack
    for (const auto& e : h) batch.push_back({0, e});
  } else {
    // Big hashes are walked in the order of the fields' hash values, from the cursor on. That order
    // does not depend on the table's layout, so fields present for the whole scan are returned exactly
    // once whatever is added or removed meanwhile. Each call costs a pass over the hash, so a call
    // returns at least a 32nd of it (COUNT is a hint) to keep a whole scan linear.
    util::StringHash hasher;
    for (const auto& e : h) {
      uint64_t hv = hasher(e.first);
      if (hv >= *cursor) batch.push_back({hv, e});
    }
    size_t want = std::max(count, h.size() / 32);
    if (batch.size() > want) {
      std::nth_element(batch.begin(), batch.begin() + static_cast<long>(want - 1), batch.end(),
                       [](const Entry& a, const Entry& b) { return a.first < b.first; });
      uint64_t last = batch[want - 1].first;
      // Fields sharing the last hash value go together, so the next cursor skips none of them.
      std::erase_if(batch, [last](const Entry& e) { return e.first > last; });
      next = last + 1;  // last == UINT64_MAX cannot leave anything behind: 0 then ends the scan
    }
  }
  std::erase_if(batch,
                [&](const Entry& e) { return pattern && !util::glob_match(*pattern, e.second.first); });
  ctx.out.array_header(2);
  ctx.out.bulk(std::to_string(next));
  ctx.out.array_header(batch.size() * 2);
  for (const Entry& e : batch) {
    ctx.out.bulk(e.second.first);
    ctx.out.bulk(e.second.second);
  }
}

}  // namespace

void register_hash_commands(CommandTable& t) {
  t.add("hset", -4, kWrite | kDenyOom | kFast, cmd_hset, 1, 1, 1);
  t.add("hmset", -4, kWrite | kDenyOom | kFast, cmd_hmset, 1, 1, 1);
  t.add("hsetnx", 4, kWrite | kDenyOom | kFast, cmd_hsetnx, 1, 1, 1);
  t.add("hget", 3, kReadOnly | kFast, cmd_hget, 1, 1, 1);
  t.add("hmget", -3, kReadOnly | kFast, cmd_hmget, 1, 1, 1);
  t.add("hdel", -3, kWrite | kFast, cmd_hdel, 1, 1, 1);
  t.add("hlen", 2, kReadOnly | kFast, cmd_hlen, 1, 1, 1);
  t.add("hstrlen", 3, kReadOnly | kFast, cmd_hstrlen, 1, 1, 1);
  t.add("hexists", 3, kReadOnly | kFast, cmd_hexists, 1, 1, 1);
  t.add("hkeys", 2, kReadOnly, cmd_hkeys, 1, 1, 1);
  t.add("hvals", 2, kReadOnly, cmd_hvals, 1, 1, 1);
  t.add("hgetall", 2, kReadOnly, cmd_hgetall, 1, 1, 1);
  t.add("hincrby", 4, kWrite | kDenyOom | kFast, cmd_hincrby, 1, 1, 1);
  t.add("hincrbyfloat", 4, kWrite | kDenyOom | kFast, cmd_hincrbyfloat, 1, 1, 1);
  t.add("hrandfield", -2, kReadOnly, cmd_hrandfield, 1, 1, 1);
  t.add("hscan", -3, kReadOnly, cmd_hscan, 1, 1, 1);
}

}  // namespace datanode
