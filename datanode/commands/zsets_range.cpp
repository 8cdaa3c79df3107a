// Sorted set ranges: ZRANGE with BYSCORE/BYLEX/REV/LIMIT/WITHSCORES, its older forms (ZREVRANGE,
// Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX), ZRANGESTORE, and removal of rank/score/lex ranges. One parser
// serves every form, as in Redis, so the options and error texts agree across them.
#include <string>
#include <utility>
#include <vector>

#include "datanode/commands/zsets.h"
#include "datanode/server/notify.h"

namespace datanode {
namespace {

using namespace command;
using store::ZSet;

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// Nodes of `z` in the requested range and direction, after LIMIT.
struct RangeQuery {
  RangeType type = RangeType::kRank;
  bool reverse = false;
  int64_t start = 0, end = 0;  // ranks
  store::ScoreRange score;
  store::LexRange lex;
  int64_t offset = 0, limit = -1;
};

void collect_ranks(const ZSet& z, const RangeQuery& q, std::vector<const ZSet::Node*>& out) {
  int64_t len = static_cast<int64_t>(z.size());
  int64_t start = q.start < 0 ? len + q.start : q.start;
  int64_t end = q.end < 0 ? len + q.end : q.end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return;
  if (end >= len) end = len - 1;
  size_t n = static_cast<size_t>(end - start + 1);
  out.reserve(n);
  const ZSet::Node* node = q.reverse ? z.at(static_cast<size_t>(len - 1 - start)) : z.at(static_cast<size_t>(start));
  for (; node && out.size() < n; node = q.reverse ? ZSet::prev(node) : ZSet::next(node)) out.push_back(node);
}

// Score and lex ranges share the walk: find the first node from the right end, jump the offset by rank,
// then walk while inside.
template <typename Range>
void collect_bounded(const ZSet& z, const RangeQuery& q, const Range& range, std::vector<const ZSet::Node*>& out,
                     bool (*inside)(const ZSet::Node*, const Range&)) {
  if (q.offset < 0 || q.limit == 0) return;
  const ZSet::Node* node = q.reverse ? z.last_in(range) : z.first_in(range);
  if (!node) return;
  if (q.offset > 0) {
    size_t rank = z.rank_of(node);
    uint64_t off = static_cast<uint64_t>(q.offset);
    if (q.reverse) {
      node = off > rank ? nullptr : z.at(rank - static_cast<size_t>(off));
    } else {
      node = off >= z.size() - rank ? nullptr : z.at(rank + static_cast<size_t>(off));
    }
  }
  for (; node && inside(node, range); node = q.reverse ? ZSet::prev(node) : ZSet::next(node)) {
    if (q.limit >= 0 && out.size() >= static_cast<uint64_t>(q.limit)) break;
    out.push_back(node);
  }
}

bool in_score(const ZSet::Node* n, const store::ScoreRange& r) {
  return ZSet::above_min(n->score(), r) && ZSet::below_max(n->score(), r);
}
bool in_lex(const ZSet::Node* n, const store::LexRange& r) {
  return ZSet::above_min(n->member(), r) && ZSet::below_max(n->member(), r);
}

void collect(const ZSet& z, const RangeQuery& q, std::vector<const ZSet::Node*>& out) {
  switch (q.type) {
    case RangeType::kAuto:
    case RangeType::kRank: return collect_ranks(z, q, out);
    case RangeType::kScore: return collect_bounded(z, q, q.score, out, in_score);
    case RangeType::kLex: return collect_bounded(z, q, q.lex, out, in_lex);
  }
}

void store_result(Context& ctx, std::string_view dst, const std::vector<const ZSet::Node*>& nodes) {
  if (nodes.empty()) {
    if (ctx.db().find(dst, ctx.now_ms) && ctx.db().erase(dst)) {
      ctx.server.touch(ctx.client.db, dst);
      ctx.changed();
      notify(ctx, kNotifyGeneric, "del", dst);
    }
    return ctx.out.integer(0);
  }
  // Built aside first: the destination may be the source.
  store::Value v = store::Value::make(store::Type::kZSet);
  for (const ZSet::Node* n : nodes) v.zset().insert(n->member(), n->score());
  bool existed = ctx.db().exists(dst, ctx.now_ms);
  ctx.db().put(dst, std::move(v));
  if (!existed) notify(ctx, kNotifyNew, "new", dst);
  ctx.server.touch(ctx.client.db, dst);
  ctx.changed();
  notify(ctx, kNotifyZset, "zrangestore", dst);
  ctx.out.integer(static_cast<int64_t>(nodes.size()));
}

// Redis' zrangeGenericCommand: the key at `key_index`, the range in the next two arguments, options
// after. `dst` is set for ZRANGESTORE.
void range_command(Context& ctx, size_t key_index, std::string_view dst, RangeType type, Direction dir) {
  bool store = !dst.empty();
  bool with_scores = false;
  RangeQuery q;
  for (size_t j = key_index + 3; j < ctx.argc(); ++j) {
    std::string_view o = ctx.arg(j);
    size_t left = ctx.argc() - j - 1;
    if (!store && util::iequals(o, "withscores")) {
      with_scores = true;
    } else if (util::iequals(o, "limit") && left >= 2) {
      auto off = util::parse_int(ctx.arg(j + 1)), lim = util::parse_int(ctx.arg(j + 2));
      if (!off || !lim) return ctx.not_integer();
      q.offset = *off;
      q.limit = *lim;
      j += 2;
    } else if (dir == Direction::kAuto && util::iequals(o, "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && util::iequals(o, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && util::iequals(o, "byscore")) {
      type = RangeType::kScore;
    } else {
      return ctx.syntax_error();
    }
  }
  if (dir == Direction::kAuto) dir = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  if (q.limit != -1 && type == RangeType::kRank)
    return ctx.out.error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  if (with_scores && type == RangeType::kLex)
    return ctx.out.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  q.type = type;
  q.reverse = dir == Direction::kReverse;
  std::string_view min = ctx.arg(key_index + 1), max = ctx.arg(key_index + 2);
  // Score and lex ranges are written high-to-low when reversed.
  if (q.reverse && type != RangeType::kRank) std::swap(min, max);
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank: {
      auto s = util::parse_int(min), e = util::parse_int(max);
      if (!s || !e) return ctx.not_integer();
      q.start = *s;
      q.end = *e;
      break;
    }
    case RangeType::kScore: {
      auto r = parse_score_range(min, max);
      if (!r) return ctx.out.error(kNotFloatRange);
      q.score = *r;
      break;
    }
    case RangeType::kLex: {
      auto r = parse_lex_range(min, max);
      if (!r) return ctx.out.error(kNotLexRange);
      q.lex = std::move(*r);
      break;
    }
  }
  ZSet* z;
  if (!read_zset(ctx, ctx.arg(key_index), z)) return;
  std::vector<const ZSet::Node*> nodes;
  if (z) collect(*z, q, nodes);
  if (store) return store_result(ctx, dst, nodes);
  // RESP3 pairs each member with its score, as Redis 7 does.
  bool pairs = with_scores && ctx.out.protocol() >= 3;
  ctx.out.array_header(nodes.size() * (with_scores && !pairs ? 2 : 1));
  for (const ZSet::Node* n : nodes) {
    if (pairs) ctx.out.array_header(2);
    ctx.out.bulk(n->member());
    if (with_scores) ctx.out.double_value(n->score());
  }
}

void cmd_zrange(Context& ctx) { range_command(ctx, 1, {}, RangeType::kAuto, Direction::kAuto); }
void cmd_zrevrange(Context& ctx) { range_command(ctx, 1, {}, RangeType::kRank, Direction::kReverse); }
void cmd_zrangebyscore(Context& ctx) { range_command(ctx, 1, {}, RangeType::kScore, Direction::kForward); }
void cmd_zrevrangebyscore(Context& ctx) { range_command(ctx, 1, {}, RangeType::kScore, Direction::kReverse); }
void cmd_zrangebylex(Context& ctx) { range_command(ctx, 1, {}, RangeType::kLex, Direction::kForward); }
void cmd_zrevrangebylex(Context& ctx) { range_command(ctx, 1, {}, RangeType::kLex, Direction::kReverse); }
void cmd_zrangestore(Context& ctx) { range_command(ctx, 2, ctx.arg(1), RangeType::kAuto, Direction::kAuto); }

// Removal: the range is checked before the key is looked up, as in Redis.
void finish_removal(Context& ctx, std::string_view key, ZSet& z, size_t removed) {
  if (removed > 0) notify(ctx, kNotifyZset, util::to_lower(ctx.arg(0)), key);
  drop_if_empty(ctx, key, z);
  if (removed > 0) {
    ctx.server.touch(ctx.client.db, key);
    ctx.changed(static_cast<int64_t>(removed));
  }
  ctx.out.integer(static_cast<int64_t>(removed));
}

void cmd_zremrangebyrank(Context& ctx) {
  auto s = util::parse_int(ctx.arg(2)), e = util::parse_int(ctx.arg(3));
  if (!s || !e) return ctx.not_integer();
  ZSet* z;
  if (!get_zset(ctx, ctx.arg(1), z)) return;
  if (!z) return ctx.out.integer(0);
  int64_t len = static_cast<int64_t>(z->size());
  int64_t start = *s < 0 ? len + *s : *s, end = *e < 0 ? len + *e : *e;
  if (start < 0) start = 0;
  size_t removed = 0;
  if (start <= end && start < len) {
    if (end >= len) end = len - 1;
    removed = z->erase_rank_range(static_cast<size_t>(start), static_cast<size_t>(end));
  }
  finish_removal(ctx, ctx.arg(1), *z, removed);
}

void cmd_zremrangebyscore(Context& ctx) {
  auto r = parse_score_range(ctx.arg(2), ctx.arg(3));
  if (!r) return ctx.out.error(kNotFloatRange);
  ZSet* z;
  if (!get_zset(ctx, ctx.arg(1), z)) return;
  if (!z) return ctx.out.integer(0);
  finish_removal(ctx, ctx.arg(1), *z, z->erase_range(*r));
}

void cmd_zremrangebylex(Context& ctx) {
  auto r = parse_lex_range(ctx.arg(2), ctx.arg(3));
  if (!r) return ctx.out.error(kNotLexRange);
  ZSet* z;
  if (!get_zset(ctx, ctx.arg(1), z)) return;
  if (!z) return ctx.out.integer(0);
  finish_removal(ctx, ctx.arg(1), *z, z->erase_range(*r));
}

}  // namespace

void register_zset_range_commands(CommandTable& t) {
  t.add("zrange", -4, kReadOnly, cmd_zrange, 1, 1, 1);
  t.add("zrevrange", -4, kReadOnly, cmd_zrevrange, 1, 1, 1);
  t.add("zrangebyscore", -4, kReadOnly, cmd_zrangebyscore, 1, 1, 1);
  t.add("zrevrangebyscore", -4, kReadOnly, cmd_zrevrangebyscore, 1, 1, 1);
  t.add("zrangebylex", -4, kReadOnly, cmd_zrangebylex, 1, 1, 1);
  t.add("zrevrangebylex", -4, kReadOnly, cmd_zrevrangebylex, 1, 1, 1);
  t.add("zrangestore", -5, kWrite | kDenyOom, cmd_zrangestore, 1, 2, 1);
  t.add("zremrangebyrank", 4, kWrite, cmd_zremrangebyrank, 1, 1, 1);
  t.add("zremrangebyscore", 4, kWrite, cmd_zremrangebyscore, 1, 1, 1);
  t.add("zremrangebylex", 4, kWrite, cmd_zremrangebylex, 1, 1, 1);
}

}  // namespace datanode
