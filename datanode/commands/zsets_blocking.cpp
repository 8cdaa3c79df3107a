// Blocking sorted-set pops: BZPOPMIN, BZPOPMAX, BZMPOP. As with the blocking list commands, each first
// serves from the first key holding a sorted set, otherwise waits in datanode/blocking (or, when it may
// not block, inside EXEC, answers as on timeout). Both paths propagate ZPOPMIN/ZPOPMAX, as Redis does.
#include "common/util/strings.h"
#include "datanode/server/blocking.h"
#include "datanode/commands/families.h"
#include "datanode/commands/zsets.h"
#include "datanode/server/notify.h"

namespace datanode {

ServeResult serve_zset_op(Server& server, int dbi, std::string_view key, const ListPopOp& op, int64_t now_ms,
                          resp::Writer& out, std::vector<std::string>& propagate) {
  store::Database& db = server.db(dbi);
  store::Value* v = db.find(key, now_ms);
  if (v == nullptr) return ServeResult::kNotReady;
  if (v->type() != store::Type::kZSet) {
    out.error("WRONGTYPE Operation against a key holding the wrong kind of value");
    return ServeResult::kError;
  }
  store::ZSet& z = v->zset();
  if (z.empty()) return ServeResult::kNotReady;
  bool nested = op.kind == ListPopOp::Kind::kZMPop;
  size_t n = nested ? std::min(static_cast<size_t>(op.count), z.size()) : 1;
  if (nested) {
    out.array_header(2);
    out.bulk(key);
    out.array_header(n);
  } else {
    out.array_header(3);
    out.bulk(key);
  }
  for (size_t i = 0; i < n; ++i) {
    const store::ZSet::Node* node = op.zmax ? z.last() : z.first();
    if (nested) out.array_header(2);
    out.bulk(node->member());
    out.double_value(node->score());
    std::string member = node->member();
    z.erase(member);
  }
  propagate = {op.zmax ? "ZPOPMAX" : "ZPOPMIN", std::string(key)};
  if (nested) propagate.push_back(std::to_string(n));
  notify(server, kNotifyZset, op.zmax ? "zpopmax" : "zpopmin", key, dbi);
  if (z.empty()) {
    db.erase(key);
    notify(server, kNotifyGeneric, "del", key, dbi);
  }
  server.touch(dbi, key);
  return ServeResult::kServed;
}

namespace {

using namespace command;

void serve_or_block(Context& ctx, const std::vector<std::string_view>& keys, ListPopOp op,
                    int64_t timeout_ms) {
  for (std::string_view key : keys) {
    std::vector<std::string> argv;
    ServeResult r = serve_zset_op(ctx.server, ctx.client.db, key, op, ctx.now_ms, ctx.out, argv);
    if (r == ServeResult::kError) return;
    if (r == ServeResult::kServed) return ctx.propagate_as(std::move(argv));
  }
  if (!Blocking::may_block(ctx.client)) return ctx.out.null_array();
  ctx.server.blocking().block(ctx.client, keys, std::move(op), timeout_ms);
}

void bzpop_generic(Context& ctx, bool max) {
  int64_t timeout_ms;
  if (!parse_block_timeout(ctx.arg(ctx.argc() - 1), ctx.out, timeout_ms)) return;
  std::vector<std::string_view> keys(ctx.args.begin() + 1, ctx.args.end() - 1);
  ListPopOp op;
  op.kind = ListPopOp::Kind::kZPop;
  op.zmax = max;
  serve_or_block(ctx, keys, std::move(op), timeout_ms);
}

void cmd_bzpopmin(Context& ctx) { bzpop_generic(ctx, false); }
void cmd_bzpopmax(Context& ctx) { bzpop_generic(ctx, true); }

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: the options are checked before the timeout,
// as Redis does.
void cmd_bzmpop(Context& ctx) {
  auto parsed = parse_zmpop_args(ctx, 2);
  if (!parsed) return;
  ListPopOp op;
  op.kind = ListPopOp::Kind::kZMPop;
  op.zmax = parsed->max;
  op.count = parsed->count;
  int64_t timeout_ms;
  if (!parse_block_timeout(ctx.arg(1), ctx.out, timeout_ms)) return;
  serve_or_block(ctx, parsed->keys, std::move(op), timeout_ms);
}

}  // namespace

void register_blocking_zset_commands(CommandTable& t) {
  t.add("bzpopmin", -3, kWrite | kFast | kBlocking, cmd_bzpopmin, 1, -2, 1);
  t.add("bzpopmax", -3, kWrite | kFast | kBlocking, cmd_bzpopmax, 1, -2, 1);
  t.add("bzmpop", -5, kWrite | kBlocking, cmd_bzmpop, 0, 0, 0);
}

}  // namespace datanode
