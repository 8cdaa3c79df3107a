// Sorted set algebra: ZUNION/ZINTER/ZDIFF, their STORE forms and ZINTERCARD. Plain sets are accepted as
// inputs with every score 1. One parser and one combiner serve them all, as in Redis.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/util/string_map.h"
#include "datanode/commands/zsets.h"
#include "datanode/server/notify.h"

namespace datanode {
namespace {

using namespace command;
using store::ZSet;

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// One input: a sorted set or a plain set (or nothing for a missing key).
struct Source {
  const ZSet* zset = nullptr;
  const store::Set* set = nullptr;
  double weight = 1;

  size_t size() const { return zset ? zset->size() : set ? set->size() : 0; }
  std::optional<double> score(std::string_view m) const {
    if (zset) return zset->score(m);
    if (set && set->contains(m)) return 1.0;
    return std::nullopt;
  }
  template <typename Fn>
  void for_each(Fn&& fn) const {
    if (zset)
      for (const ZSet::Node* n = zset->first(); n; n = ZSet::next(n)) fn(n->member(), n->score());
    else if (set)
      for (const auto& m : *set) fn(m, 1.0);
  }
};

// inf * 0 and inf - inf give NaN; Redis makes those 0.
double weighted(double score, double weight) {
  double v = score * weight;
  return std::isnan(v) ? 0 : v;
}

void aggregate(double& target, double v, Aggregate how) {
  switch (how) {
    case Aggregate::kSum:
      target += v;
      if (std::isnan(target)) target = 0;
      break;
    case Aggregate::kMin: target = v < target ? v : target; break;  // a NaN v leaves target alone
    case Aggregate::kMax: target = v > target ? v : target; break;
  }
}

struct Request {
  SetOp op;
  std::string_view dst;     // STORE forms
  size_t numkeys_index;     // where "numkeys" is
  bool cardinality = false; // ZINTERCARD
};

struct Parsed {
  std::vector<Source> sources;
  Aggregate how = Aggregate::kSum;
  bool with_scores = false;
  uint64_t limit = 0;
};

// Redis' zunionInterDiffGenericCommand argument handling: numkeys, key types, then options.
bool parse(Context& ctx, const Request& req, Parsed& p) {
  auto numkeys = util::parse_int(ctx.arg(req.numkeys_index));
  if (!numkeys) {
    ctx.not_integer();
    return false;
  }
  if (*numkeys < 1) {
    ctx.out.error("ERR at least 1 input key is needed for '" + util::to_lower(ctx.arg(0)) + "' command");
    return false;
  }
  size_t first_key = req.numkeys_index + 1;
  if (static_cast<uint64_t>(*numkeys) > ctx.argc() - first_key) {
    ctx.syntax_error();
    return false;
  }
  size_t n = static_cast<size_t>(*numkeys);
  for (size_t i = 0; i < n; ++i) {
    store::Value* v = ctx.db().find(ctx.arg(first_key + i), ctx.now_ms);
    // Redis reads every source (STORE forms too) with lookupKeyRead, before it parses the options.
    ctx.note_read_lookup(ctx.arg(first_key + i), v != nullptr);
    Source s;
    if (v) {
      if (v->type() == store::Type::kZSet)
        s.zset = &v->zset();
      else if (v->type() == store::Type::kSet)
        s.set = &v->set();
      else {
        ctx.wrong_type();
        return false;
      }
    }
    p.sources.push_back(s);
  }
  size_t j = first_key + n;
  while (j < ctx.argc()) {
    size_t remaining = ctx.argc() - j;
    std::string_view o = ctx.arg(j);
    if (req.op != SetOp::kDiff && !req.cardinality && remaining >= n + 1 && util::iequals(o, "weights")) {
      ++j;
      for (size_t i = 0; i < n; ++i, ++j) {
        auto w = util::parse_double(ctx.arg(j));
        if (!w) {
          ctx.out.error("ERR weight value is not a float");
          return false;
        }
        p.sources[i].weight = *w;
      }
    } else if (req.op != SetOp::kDiff && !req.cardinality && remaining >= 2 && util::iequals(o, "aggregate")) {
      std::string_view a = ctx.arg(j + 1);
      if (util::iequals(a, "sum")) p.how = Aggregate::kSum;
      else if (util::iequals(a, "min")) p.how = Aggregate::kMin;
      else if (util::iequals(a, "max")) p.how = Aggregate::kMax;
      else {
        ctx.syntax_error();
        return false;
      }
      j += 2;
    } else if (req.dst.empty() && !req.cardinality && util::iequals(o, "withscores")) {
      p.with_scores = true;
      ++j;
    } else if (req.cardinality && remaining >= 2 && util::iequals(o, "limit")) {
      auto l = util::parse_int(ctx.arg(j + 1));
      if (!l || *l < 0) {
        ctx.out.error("ERR LIMIT can't be negative");
        return false;
      }
      p.limit = static_cast<uint64_t>(*l);
      j += 2;
    } else {
      ctx.syntax_error();
      return false;
    }
  }
  return true;
}

void combine(const Parsed& p, SetOp op, ZSet& result) {
  std::vector<Source> src = p.sources;
  switch (op) {
    case SetOp::kUnion: {
      // Smallest inputs first, as Redis does: with infinities the order of a SUM changes its result.
      std::stable_sort(src.begin(), src.end(), [](const Source& a, const Source& b) { return a.size() < b.size(); });
      util::StringMap<double> acc;
      for (const Source& s : src)
        s.for_each([&](std::string_view m, double score) {
          double v = weighted(score, s.weight);
          auto [it, fresh] = acc.try_emplace(m, v);
          if (!fresh) aggregate(it->second, v, p.how);
        });
      for (const auto& [m, score] : acc) result.insert(m, score);
      break;
    }
    case SetOp::kInter: {
      for (const Source& s : src)
        if (s.size() == 0) return;
      // Walk the smallest input, probe the others.
      std::stable_sort(src.begin(), src.end(), [](const Source& a, const Source& b) { return a.size() < b.size(); });
      src[0].for_each([&](std::string_view m, double score) {
        double acc = weighted(score, src[0].weight);
        for (size_t j = 1; j < src.size(); ++j) {
          auto other = src[j].score(m);
          if (!other) return;
          // Unlike the first input's, these products are not cleared of NaN (Redis' quirk, kept).
          aggregate(acc, *other * src[j].weight, p.how);
        }
        result.insert(m, acc);
      });
      break;
    }
    case SetOp::kDiff: {
      src[0].for_each([&](std::string_view m, double score) {
        for (size_t j = 1; j < src.size(); ++j)
          if (src[j].score(m)) return;
        result.insert(m, score);
      });
      break;
    }
  }
}

void run(Context& ctx, const Request& req) {
  Parsed p;
  if (!parse(ctx, req, p)) return;
  ZSet result;
  combine(p, req.op, result);
  if (req.dst.empty()) {
    bool pairs = p.with_scores && ctx.out.protocol() >= 3;  // RESP3: [member, score] arrays
    ctx.out.array_header(result.size() * (p.with_scores && !pairs ? 2 : 1));
    for (const ZSet::Node* n = result.first(); n; n = ZSet::next(n)) {
      if (pairs) ctx.out.array_header(2);
      ctx.out.bulk(n->member());
      if (p.with_scores) ctx.out.double_value(n->score());
    }
    return;
  }
  if (result.empty()) {
    if (ctx.db().find(req.dst, ctx.now_ms) && ctx.db().erase(req.dst)) {
      ctx.server.touch(ctx.client.db, req.dst);
      ctx.changed();
      notify(ctx, kNotifyGeneric, "del", req.dst);
    }
    return ctx.out.integer(0);
  }
  size_t n = result.size();
  store::Value v = store::Value::make(store::Type::kZSet);
  v.zset() = std::move(result);
  bool existed = ctx.db().exists(req.dst, ctx.now_ms);
  ctx.db().put(req.dst, std::move(v));
  if (!existed) notify(ctx, kNotifyNew, "new", req.dst);
  ctx.server.touch(ctx.client.db, req.dst);
  ctx.changed();
  notify(ctx, kNotifyZset,
         req.op == SetOp::kUnion ? "zunionstore" : req.op == SetOp::kInter ? "zinterstore" : "zdiffstore", req.dst);
  ctx.out.integer(static_cast<int64_t>(n));
}

void cmd_zunionstore(Context& ctx) { run(ctx, {SetOp::kUnion, ctx.arg(1), 2}); }
void cmd_zinterstore(Context& ctx) { run(ctx, {SetOp::kInter, ctx.arg(1), 2}); }
void cmd_zdiffstore(Context& ctx) { run(ctx, {SetOp::kDiff, ctx.arg(1), 2}); }
void cmd_zunion(Context& ctx) { run(ctx, {SetOp::kUnion, {}, 1}); }
void cmd_zinter(Context& ctx) { run(ctx, {SetOp::kInter, {}, 1}); }
void cmd_zdiff(Context& ctx) { run(ctx, {SetOp::kDiff, {}, 1}); }

void cmd_zintercard(Context& ctx) {
  Request req{SetOp::kInter, {}, 1, true};
  Parsed p;
  if (!parse(ctx, req, p)) return;
  std::vector<Source>& src = p.sources;
  for (const Source& s : src)
    if (s.size() == 0) return ctx.out.integer(0);
  std::stable_sort(src.begin(), src.end(), [](const Source& a, const Source& b) { return a.size() < b.size(); });
  uint64_t count = 0;
  bool done = false;
  src[0].for_each([&](std::string_view m, double) {
    if (done) return;
    for (size_t j = 1; j < src.size(); ++j)
      if (!src[j].score(m)) return;
    if (++count == p.limit) done = true;
  });
  ctx.out.integer(static_cast<int64_t>(count));
}

}  // namespace

void register_zset_setop_commands(CommandTable& t) {
  t.add("zunionstore", -4, kWrite | kDenyOom, cmd_zunionstore, 1, 1, 1);
  t.add("zinterstore", -4, kWrite | kDenyOom, cmd_zinterstore, 1, 1, 1);
  t.add("zdiffstore", -4, kWrite | kDenyOom, cmd_zdiffstore, 1, 1, 1);
  t.add("zunion", -3, kReadOnly, cmd_zunion, 0, 0, 0);
  t.add("zinter", -3, kReadOnly, cmd_zinter, 0, 0, 0);
  t.add("zdiff", -3, kReadOnly, cmd_zdiff, 0, 0, 0);
  t.add("zintercard", -3, kReadOnly, cmd_zintercard, 0, 0, 0);
}

}  // namespace datanode
