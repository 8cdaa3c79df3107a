// HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST, on string values in Redis' own
// HLL format (datanode/types/hll.h). PFCOUNT of one key refreshes the cached cardinality stored in the
// value, which makes it a write that is propagated, as in Redis.
#include <vector>

#include "datanode/commands/families.h"
#include "datanode/commands/keys_common.h"
#include "datanode/types/hll.h"
#include "datanode/server/notify.h"

namespace datanode {
namespace {

using namespace command;
using store::Value;

constexpr const char* kInvalidObj = "INVALIDOBJ Corrupted HLL object detected";

// The HLL string of a value, or nullptr with the error sent (WRONGTYPE for other types, and Redis'
// second WRONGTYPE text for strings that are not HLLs).
std::string* hll_or_reply(Context& ctx, Value* v) {
  if (v->type() != store::Type::kString) {
    ctx.wrong_type();
    return nullptr;
  }
  if (!hll::looks_valid(v->str())) {
    ctx.out.error("WRONGTYPE Key is not a valid HyperLogLog string value.");
    return nullptr;
  }
  return &v->str();
}

int64_t sparse_max(Context& ctx) { return ctx.server.settings().hll_sparse_max_bytes; }

void cmd_pfadd(Context& ctx) {
  store::Database& db = ctx.db();
  std::string_view key = ctx.arg(1);
  Value* v = db.find(key, ctx.now_ms);
  int64_t updated = 0;
  std::string* s;
  if (v == nullptr) {
    s = &db.put(key, Value(hll::create())).str();
    notify(ctx, kNotifyNew, "new", key);
    updated++;
  } else {
    s = hll_or_reply(ctx, v);
    if (s == nullptr) return;
  }
  for (size_t i = 2; i < ctx.argc(); ++i) {
    int r = hll::add(*s, ctx.arg(i), sparse_max(ctx));
    if (r < 0) return ctx.out.error(kInvalidObj);
    updated += r;
  }
  if (updated > 0) {
    hll::invalidate_cache(*s);
    ctx.server.touch(ctx.client.db, key);
    ctx.changed(updated);
    notify(ctx, kNotifyString, "pfadd", key);
  }
  ctx.out.integer(updated > 0 ? 1 : 0);
}

void cmd_pfcount(Context& ctx) {
  if (ctx.argc() > 2) {
    // The union of several HLLs, computed aside: none of them is modified.
    std::vector<uint8_t> max(hll::kRegisters, 0);
    for (size_t i = 1; i < ctx.argc(); ++i) {
      Value* v = keys::lookup_read(ctx, ctx.arg(i));
      if (v == nullptr) continue;
      const std::string* s = hll_or_reply(ctx, v);
      if (s == nullptr) return;
      if (!hll::merge_into(*s, max.data())) return ctx.out.error(kInvalidObj);
    }
    return ctx.out.integer(static_cast<int64_t>(hll::estimate_registers(max.data())));
  }
  Value* v = keys::lookup_read(ctx, ctx.arg(1));
  if (v == nullptr) return ctx.out.integer(0);
  std::string* s = hll_or_reply(ctx, v);
  if (s == nullptr) return;
  if (hll::cache_valid(*s)) return ctx.out.integer(static_cast<int64_t>(hll::cached(*s)));
  auto card = hll::estimate(*s);
  if (!card) return ctx.out.error(kInvalidObj);
  hll::store_cache(*s, *card);
  ctx.server.touch(ctx.client.db, ctx.arg(1));
  ctx.changed();
  ctx.out.integer(static_cast<int64_t>(*card));
}

void cmd_pfmerge(Context& ctx) {
  std::vector<uint8_t> max(hll::kRegisters, 0);
  bool use_dense = false;
  // The destination is merged too (it is argv[1], the first "source").
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Value* v = keys::lookup_read(ctx, ctx.arg(i));
    if (v == nullptr) continue;
    const std::string* s = hll_or_reply(ctx, v);
    if (s == nullptr) return;
    if (hll::encoding(*s) == hll::kDense) use_dense = true;
    if (!hll::merge_into(*s, max.data())) return ctx.out.error(kInvalidObj);
  }
  store::Database& db = ctx.db();
  std::string_view key = ctx.arg(1);
  Value* v = db.find(key, ctx.now_ms);
  if (v == nullptr) notify(ctx, kNotifyNew, "new", key);
  std::string& s = v == nullptr ? db.put(key, Value(hll::create())).str() : v->str();
  if (use_dense && !hll::to_dense(s)) return ctx.out.error(kInvalidObj);
  for (int i = 0; i < hll::kRegisters; ++i)
    if (max[static_cast<size_t>(i)] != 0)
      hll::set_register(s, i, max[static_cast<size_t>(i)], sparse_max(ctx));
  hll::invalidate_cache(s);
  ctx.server.touch(ctx.client.db, key);
  ctx.changed();
  notify(ctx, kNotifyString, "pfadd", key);
  ctx.out.ok();
}

void cmd_pfselftest(Context& ctx) {
  std::string err = hll::self_test(sparse_max(ctx));
  if (err.empty()) return ctx.out.ok();
  ctx.out.error("ERR " + err);
}

void cmd_pfdebug(Context& ctx) {
  std::string_view sub = ctx.arg(1);
  Value* v = ctx.db().find(ctx.arg(2), ctx.now_ms);
  if (v == nullptr) return ctx.out.error("ERR The specified key does not exist");
  std::string* s = hll_or_reply(ctx, v);
  if (s == nullptr) return;
  if (util::iequals(sub, "getreg")) {
    if (hll::encoding(*s) == hll::kSparse) {
      if (!hll::to_dense(*s)) return ctx.out.error(kInvalidObj);
      ctx.changed();  // the encoding change reaches replicas
    }
    const auto* regs = reinterpret_cast<const uint8_t*>(s->data()) + hll::kHeaderSize;
    ctx.out.array_header(hll::kRegisters);
    for (int i = 0; i < hll::kRegisters; ++i)
      ctx.out.integer(hll::dense_get(regs, s->size() - hll::kHeaderSize, i));
  } else if (util::iequals(sub, "decode")) {
    if (hll::encoding(*s) != hll::kSparse) return ctx.out.error("ERR HLL encoding is not sparse");
    ctx.out.bulk(hll::decode_sparse(*s));
  } else if (util::iequals(sub, "encoding")) {
    ctx.out.simple(hll::encoding(*s) == hll::kDense ? "dense" : "sparse");
  } else if (util::iequals(sub, "todense")) {
    bool converted = false;
    if (hll::encoding(*s) == hll::kSparse) {
      if (!hll::to_dense(*s)) return ctx.out.error(kInvalidObj);
      converted = true;
      ctx.changed();
    }
    ctx.out.integer(converted ? 1 : 0);
  } else {
    ctx.out.error("ERR Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
  }
}

}  // namespace

void register_hyperloglog_commands(CommandTable& t) {
  t.add("pfadd", -2, kWrite | kDenyOom | kFast, cmd_pfadd, 1, 1, 1);
  t.add("pfcount", -2, kReadOnly | kMayReplicate, cmd_pfcount, 1, -1, 1);
  t.add("pfmerge", -2, kWrite | kDenyOom, cmd_pfmerge, 1, -1, 1);
  t.add("pfdebug", 3, kWrite | kDenyOom | kAdmin, cmd_pfdebug, 2, 2, 1);
  t.add("pfselftest", 1, kAdmin, cmd_pfselftest);
}

}  // namespace datanode
