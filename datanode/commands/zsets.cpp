// Sorted set commands on members and scores: ZADD (all its flags), ZINCRBY, ZREM, lookups (ZSCORE,
// ZMSCORE, ZRANK, ZCARD), counts in ranges, pops, random members and ZSCAN; plus the helpers the range
// and set-operation files share. Replies and errors follow Redis 7 exactly.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "datanode/commands/families.h"
#include "datanode/commands/scan_options.h"
#include "datanode/commands/zsets.h"
#include "datanode/server/notify.h"

namespace datanode {

using store::ZSet;

namespace {
bool find_zset(Context& ctx, std::string_view key, ZSet*& out, bool read) {
  store::Value* v = nullptr;
  bool ok = ctx.find_typed(key, store::Type::kZSet, v, read);
  out = v ? &v->zset() : nullptr;
  return ok;
}
}  // namespace

bool get_zset(Context& ctx, std::string_view key, ZSet*& out) { return find_zset(ctx, key, out, false); }

bool read_zset(Context& ctx, std::string_view key, ZSet*& out) { return find_zset(ctx, key, out, true); }

namespace {

// One bound of a score range: "(" makes it exclusive; the rest must be a whole float, not NaN. Leading
// spaces pass, as with the strtod Redis uses here (unlike ZADD's scores).
bool parse_score_bound(std::string_view s, double& value, bool& exclusive) {
  exclusive = !s.empty() && s[0] == '(';
  if (exclusive) s.remove_prefix(1);
  // Redis' zslParseRange takes whatever strtod makes of the text: overflow is +-inf, underflow and the
  // empty string are 0; only trailing bytes and NaN are refused.
  std::string text(s);
  char* end = nullptr;
  double v = strtod(text.c_str(), &end);
  if (*end != '\0' || std::isnan(v)) return false;
  value = v;
  return true;
}

bool parse_lex_bound(std::string_view s, store::LexBound& b) {
  if (s.empty()) return false;
  switch (s[0]) {
    case '+':
    case '-':
      if (s.size() != 1) return false;
      b.kind = s[0] == '+' ? store::LexBound::Kind::kPosInf : store::LexBound::Kind::kNegInf;
      return true;
    case '(':
    case '[':
      b.kind = store::LexBound::Kind::kValue;
      b.exclusive = s[0] == '(';
      b.value.assign(s.substr(1));
      return true;
    default: return false;
  }
}

}  // namespace

std::optional<store::ScoreRange> parse_score_range(std::string_view min, std::string_view max) {
  store::ScoreRange r;
  if (!parse_score_bound(min, r.min, r.min_exclusive) || !parse_score_bound(max, r.max, r.max_exclusive))
    return std::nullopt;
  return r;
}

std::optional<store::LexRange> parse_lex_range(std::string_view min, std::string_view max) {
  store::LexRange r;
  if (!parse_lex_bound(min, r.min) || !parse_lex_bound(max, r.max)) return std::nullopt;
  return r;
}

void drop_if_empty(Context& ctx, std::string_view key, const ZSet& z) {
  if (!z.empty()) return;
  ctx.db().erase(key);
  notify(ctx, kNotifyGeneric, "del", key);
}

namespace {

using namespace command;

std::mt19937_64& rng() {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

void touch(Context& ctx, std::string_view key) { ctx.server.touch(ctx.client.db, key); }

void reply_pair(Context& ctx, const ZSet::Node* n) {
  ctx.out.bulk(n->member());
  ctx.out.double_value(n->score());
}

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
void cmd_zadd(Context& ctx) {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
  size_t i = 2;
  for (; i < ctx.argc(); ++i) {
    std::string_view o = ctx.arg(i);
    if (util::iequals(o, "nx")) nx = true;
    else if (util::iequals(o, "xx")) xx = true;
    else if (util::iequals(o, "gt")) gt = true;
    else if (util::iequals(o, "lt")) lt = true;
    else if (util::iequals(o, "ch")) ch = true;
    else if (util::iequals(o, "incr")) incr = true;
    else break;
  }
  size_t elements = ctx.argc() - i;
  if (elements == 0 || elements % 2 != 0) return ctx.syntax_error();
  elements /= 2;
  if (nx && xx) return ctx.out.error("ERR XX and NX options at the same time are not compatible");
  if ((gt && nx) || (lt && nx) || (gt && lt))
    return ctx.out.error("ERR GT, LT, and/or NX options at the same time are not compatible");
  if (incr && elements > 1) return ctx.out.error("ERR INCR option supports a single increment-element pair");
  // Every score is checked before anything changes.
  std::vector<double> scores(elements);
  for (size_t j = 0; j < elements; ++j) {
    auto s = util::parse_double(ctx.arg(i + 2 * j));
    if (!s) return ctx.not_float();
    scores[j] = *s;
  }
  std::string_view key = ctx.arg(1);
  ZSet* z;
  if (!get_zset(ctx, key, z)) return;
  int64_t added = 0, updated = 0, processed = 0;
  double incr_result = 0;
  bool nan = false;
  if (!z && !xx) {
    z = &ctx.db().create(key, store::Type::kZSet).zset();
    notify(ctx, kNotifyNew, "new", key);
  }
  for (size_t j = 0; z && j < elements; ++j) {
    std::string_view member = ctx.arg(i + 2 * j + 1);
    double score = scores[j];
    auto cur = z->score(member);
    if (cur) {
      if (nx) continue;
      if (incr) {
        score += *cur;
        if (std::isnan(score)) {
          nan = true;  // only with INCR, hence a single element: nothing changed
          break;
        }
      }
      if ((lt && score >= *cur) || (gt && score <= *cur)) continue;
      incr_result = score;
      ++processed;
      if (score != *cur) {
        z->insert(member, score);
        ++updated;
      }
    } else {
      if (xx) continue;
      z->insert(member, score);
      incr_result = score;
      ++added;
      ++processed;
    }
  }
  if (added + updated > 0) {
    touch(ctx, key);
    ctx.changed(added + updated);
    notify(ctx, kNotifyZset, incr ? "zincr" : "zadd", key);
  }
  if (nan) return ctx.out.error("ERR resulting score is not a number (NaN)");
  if (incr) {
    if (processed > 0)
      ctx.out.double_value(incr_result);
    else
      ctx.out.null();
    return;
  }
  ctx.out.integer(ch ? added + updated : added);
}

void cmd_zincrby(Context& ctx) {
  auto by = util::parse_double(ctx.arg(2));
  if (!by) return ctx.not_float();
  std::string_view key = ctx.arg(1), member = ctx.arg(3);
  ZSet* z;
  if (!get_zset(ctx, key, z)) return;
  double score = *by;
  if (z) {
    if (auto cur = z->score(member)) {
      score += *cur;
      if (std::isnan(score)) return ctx.out.error("ERR resulting score is not a number (NaN)");
    }
  } else {
    z = &ctx.db().create(key, store::Type::kZSet).zset();
    notify(ctx, kNotifyNew, "new", key);
  }
  z->insert(member, score);
  touch(ctx, key);
  ctx.changed();
  notify(ctx, kNotifyZset, "zincr", key);
  ctx.out.double_value(score);
}

void cmd_zrem(Context& ctx) {
  std::string_view key = ctx.arg(1);
  ZSet* z;
  if (!get_zset(ctx, key, z)) return;
  int64_t removed = 0;
  if (z) {
    for (size_t i = 2; i < ctx.argc() && !z->empty(); ++i) removed += z->erase(ctx.arg(i));
    if (removed > 0) notify(ctx, kNotifyZset, "zrem", key);
    drop_if_empty(ctx, key, *z);
  }
  if (removed > 0) {
    touch(ctx, key);
    ctx.changed(removed);
  }
  ctx.out.integer(removed);
}

void cmd_zcard(Context& ctx) {
  ZSet* z;
  if (!read_zset(ctx, ctx.arg(1), z)) return;
  ctx.out.integer(z ? static_cast<int64_t>(z->size()) : 0);
}

void cmd_zscore(Context& ctx) {
  ZSet* z;
  if (!read_zset(ctx, ctx.arg(1), z)) return;
  auto s = z ? z->score(ctx.arg(2)) : std::nullopt;
  if (!s) return ctx.out.null();
  ctx.out.double_value(*s);
}

void cmd_zmscore(Context& ctx) {
  ZSet* z;
  if (!read_zset(ctx, ctx.arg(1), z)) return;
  ctx.out.array_header(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    auto s = z ? z->score(ctx.arg(i)) : std::nullopt;
    if (s)
      ctx.out.double_value(*s);
    else
      ctx.out.null();
  }
}

// ZRANK / ZREVRANK key member [WITHSCORE] (WITHSCORE as in Redis 7.2).
void rank_command(Context& ctx, bool reverse) {
  if (ctx.argc() > 4) return ctx.out.error(wrong_arity_error(reverse ? "zrevrank" : "zrank"));
  bool with_score = false;
  if (ctx.argc() == 4) {
    if (!util::iequals(ctx.arg(3), "withscore")) return ctx.syntax_error();
    with_score = true;
  }
  ZSet* z;
  if (!read_zset(ctx, ctx.arg(1), z)) return;
  auto r = z ? z->rank(ctx.arg(2), reverse) : std::nullopt;
  if (!r) return with_score ? ctx.out.null_array() : ctx.out.null();
  if (!with_score) return ctx.out.integer(static_cast<int64_t>(*r));
  ctx.out.array_header(2);
  ctx.out.integer(static_cast<int64_t>(*r));
  ctx.out.double_value(*z->score(ctx.arg(2)));
}
void cmd_zrank(Context& ctx) { rank_command(ctx, false); }
void cmd_zrevrank(Context& ctx) { rank_command(ctx, true); }

void cmd_zcount(Context& ctx) {
  auto range = parse_score_range(ctx.arg(2), ctx.arg(3));
  if (!range) return ctx.out.error(kNotFloatRange);
  ZSet* z;
  if (!read_zset(ctx, ctx.arg(1), z)) return;
  ctx.out.integer(z ? static_cast<int64_t>(z->count_in(*range)) : 0);
}

void cmd_zlexcount(Context& ctx) {
  auto range = parse_lex_range(ctx.arg(2), ctx.arg(3));
  if (!range) return ctx.out.error(kNotLexRange);
  ZSet* z;
  if (!read_zset(ctx, ctx.arg(1), z)) return;
  ctx.out.integer(z ? static_cast<int64_t>(z->count_in(*range)) : 0);
}

// Pops up to `count` elements from one end of a non-empty sorted set, replying with them (flat pairs,
// or [member, score] arrays for ZMPOP), and deletes the key once empty. Returns how many went.
size_t pop_elements(Context& ctx, std::string_view key, ZSet& z, bool max, int64_t count, bool nested) {
  size_t n = std::min(static_cast<size_t>(count), z.size());
  ctx.out.array_header(nested ? n : 2 * n);
  for (size_t i = 0; i < n; ++i) {
    const ZSet::Node* node = max ? z.last() : z.first();
    if (nested) ctx.out.array_header(2);
    reply_pair(ctx, node);
    std::string member = node->member();
    z.erase(member);
  }
  if (n > 0) notify(ctx, kNotifyZset, max ? "zpopmax" : "zpopmin", key);
  drop_if_empty(ctx, key, z);
  touch(ctx, key);
  return n;
}

// ZPOPMIN / ZPOPMAX key [count]: deterministic, so propagated as given.
void pop_command(Context& ctx, bool max) {
  if (ctx.argc() > 3) return ctx.syntax_error();
  int64_t count = 1;
  if (ctx.argc() == 3) {
    auto c = util::parse_int(ctx.arg(2));
    if (!c || *c < 0) return ctx.out.error("ERR value is out of range, must be positive");
    count = *c;
  }
  std::string_view key = ctx.arg(1);
  ZSet* z;
  if (!get_zset(ctx, key, z)) return;
  if (!z || count == 0) return ctx.out.array_header(0);
  // RESP3 nests [member, score] pairs when a count was given, as Redis 7 does.
  bool nested = ctx.argc() == 3 && ctx.out.protocol() >= 3;
  ctx.changed(static_cast<int64_t>(pop_elements(ctx, key, *z, max, count, nested)));
}
void cmd_zpopmin(Context& ctx) { pop_command(ctx, false); }
void cmd_zpopmax(Context& ctx) { pop_command(ctx, true); }

}  // namespace

std::optional<ZmpopArgs> parse_zmpop_args(Context& ctx, size_t first) {
  auto numkeys = util::parse_int(ctx.arg(first));
  if (!numkeys || *numkeys < 1) {
    ctx.out.error("ERR numkeys should be greater than 0");
    return std::nullopt;
  }
  if (static_cast<uint64_t>(*numkeys) >= ctx.argc() - first - 1) {
    ctx.syntax_error();
    return std::nullopt;
  }
  size_t where = first + 1 + static_cast<size_t>(*numkeys);
  ZmpopArgs out;
  if (util::iequals(ctx.arg(where), "min")) {
    out.max = false;
  } else if (util::iequals(ctx.arg(where), "max")) {
    out.max = true;
  } else {
    ctx.syntax_error();
    return std::nullopt;
  }
  bool counted = false;
  for (size_t j = where + 1; j < ctx.argc(); ++j) {
    if (!counted && util::iequals(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
      auto c = util::parse_int(ctx.arg(++j));
      if (!c || *c < 1) {
        ctx.out.error("ERR count should be greater than 0");
        return std::nullopt;
      }
      out.count = *c;
      counted = true;
    } else {
      ctx.syntax_error();
      return std::nullopt;
    }
  }
  out.keys.assign(ctx.args.begin() + static_cast<ptrdiff_t>(first + 1),
                  ctx.args.begin() + static_cast<ptrdiff_t>(where));
  return out;
}

namespace {

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: pops from the first non-empty sorted set, replies
// [key, [[member, score], ...]] or a null array, and reaches replicas as ZPOPMIN/ZPOPMAX key count.
void cmd_zmpop(Context& ctx) {
  auto parsed = parse_zmpop_args(ctx, 1);
  if (!parsed) return;
  const bool max = parsed->max;
  const int64_t count = parsed->count;
  for (std::string_view k : parsed->keys) {
    std::string key(k);
    ZSet* z;
    if (!get_zset(ctx, key, z)) return;
    if (!z) continue;
    ctx.out.array_header(2);
    ctx.out.bulk(key);
    size_t n = pop_elements(ctx, key, *z, max, count, true);
    ctx.propagate_as({max ? "ZPOPMAX" : "ZPOPMIN", key, std::to_string(n)});
    return;
  }
  ctx.out.null_array();
}

// ZRANDMEMBER key [count [WITHSCORES]]
void cmd_zrandmember(Context& ctx) {
  ZSet* z;
  if (ctx.argc() == 2) {
    if (!read_zset(ctx, ctx.arg(1), z)) return;
    if (!z) return ctx.out.null();
    return ctx.out.bulk(z->at(std::uniform_int_distribution<size_t>(0, z->size() - 1)(rng()))->member());
  }
  if (ctx.argc() > 4) return ctx.syntax_error();
  bool with_scores = false;
  if (ctx.argc() == 4) {
    if (!util::iequals(ctx.arg(3), "withscores")) return ctx.syntax_error();
    with_scores = true;
  }
  auto count = util::parse_int(ctx.arg(2));
  if (!count) return ctx.not_integer();
  if (*count == INT64_MIN)
    return ctx.out.error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
  if (with_scores && (*count < -INT64_MAX / 2 || *count > INT64_MAX / 2))
    return ctx.out.error("ERR value is out of range");
  if (!read_zset(ctx, ctx.arg(1), z)) return;
  if (!z || *count == 0) return ctx.out.array_header(0);
  bool pairs = with_scores && ctx.out.protocol() >= 3;  // RESP3: [member, score] arrays
  size_t per = with_scores && !pairs ? 2 : 1;
  auto emit = [&](const ZSet::Node* n) {
    if (pairs) ctx.out.array_header(2);
    if (with_scores)
      reply_pair(ctx, n);
    else
      ctx.out.bulk(n->member());
  };
  std::uniform_int_distribution<size_t> pick(0, z->size() - 1);
  if (*count < 0) {
    uint64_t n = static_cast<uint64_t>(-*count);
    ctx.out.array_header(n * per);
    for (uint64_t i = 0; i < n; ++i) emit(z->at(pick(rng())));
    return;
  }
  size_t size = z->size();
  if (static_cast<uint64_t>(*count) >= size) {
    ctx.out.array_header(size * per);
    for (const ZSet::Node* n = z->first(); n; n = ZSet::next(n)) emit(n);
    return;
  }
  // Distinct ranks by Floyd's sampling, then in random order.
  size_t k = static_cast<size_t>(*count);
  absl::flat_hash_set<size_t> chosen;
  std::vector<size_t> ranks;
  ranks.reserve(k);
  for (size_t j = size - k; j < size; ++j) {
    size_t t = std::uniform_int_distribution<size_t>(0, j)(rng());
    size_t r = chosen.insert(t).second ? t : (chosen.insert(j), j);
    ranks.push_back(r);
  }
  std::shuffle(ranks.begin(), ranks.end(), rng());
  ctx.out.array_header(k * per);
  for (size_t r : ranks) emit(z->at(r));
}

// Small sorted sets come back whole with cursor 0 (as Redis does for listpacks); larger ones page by
// rank, so each call costs O(log n + count).
void cmd_zscan(Context& ctx) {
  auto cursor = parse_scan_cursor(ctx, ctx.arg(2));
  if (!cursor) return;
  ZSet* z;
  if (!read_zset(ctx, ctx.arg(1), z)) return;
  if (!z) {
    ctx.out.array_header(2);
    ctx.out.bulk("0");
    return ctx.out.array_header(0);
  }
  auto opts = parse_scan_options(ctx, 3);
  if (!opts) return;
  constexpr size_t kWholeBelow = 128;
  std::vector<const ZSet::Node*> found;
  uint64_t next = 0;
  if (z->size() <= kWholeBelow) {
    for (const ZSet::Node* n = z->first(); n; n = ZSet::next(n))
      if (opts->matches(n->member())) found.push_back(n);
  } else {
    const ZSet::Node* n = *cursor < z->size() ? z->at(static_cast<size_t>(*cursor)) : nullptr;
    uint64_t pos = *cursor;
    for (size_t visited = 0; n && visited < opts->count; n = ZSet::next(n), ++visited, ++pos)
      if (opts->matches(n->member())) found.push_back(n);
    next = n ? pos : 0;
  }
  ctx.out.array_header(2);
  ctx.out.bulk(std::to_string(next));
  ctx.out.array_header(found.size() * 2);
  for (const ZSet::Node* n : found) {
    // Scores are strings in a SCAN reply, whatever the protocol.
    ctx.out.bulk(n->member());
    ctx.out.bulk(util::format_double(n->score()));
  }
}

}  // namespace

void register_zset_commands(CommandTable& t) {
  t.add("zadd", -4, kWrite | kDenyOom | kFast, cmd_zadd, 1, 1, 1);
  t.add("zincrby", 4, kWrite | kDenyOom | kFast, cmd_zincrby, 1, 1, 1);
  t.add("zrem", -3, kWrite | kFast, cmd_zrem, 1, 1, 1);
  t.add("zcard", 2, kReadOnly | kFast, cmd_zcard, 1, 1, 1);
  t.add("zscore", 3, kReadOnly | kFast, cmd_zscore, 1, 1, 1);
  t.add("zmscore", -3, kReadOnly | kFast, cmd_zmscore, 1, 1, 1);
  t.add("zrank", -3, kReadOnly | kFast, cmd_zrank, 1, 1, 1);
  t.add("zrevrank", -3, kReadOnly | kFast, cmd_zrevrank, 1, 1, 1);
  t.add("zcount", 4, kReadOnly | kFast, cmd_zcount, 1, 1, 1);
  t.add("zlexcount", 4, kReadOnly | kFast, cmd_zlexcount, 1, 1, 1);
  t.add("zpopmin", -2, kWrite | kFast, cmd_zpopmin, 1, 1, 1);
  t.add("zpopmax", -2, kWrite | kFast, cmd_zpopmax, 1, 1, 1);
  t.add("zmpop", -4, kWrite, cmd_zmpop, 0, 0, 0);
  t.add("zrandmember", -2, kReadOnly, cmd_zrandmember, 1, 1, 1);
  t.add("zscan", -3, kReadOnly, cmd_zscan, 1, 1, 1);
  register_zset_range_commands(t);
  register_zset_setop_commands(t);
}

}  // namespace datanode
