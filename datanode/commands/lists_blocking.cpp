// Blocking list commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP. Each first tries to serve at once
// (propagated as its non-blocking form); otherwise the client waits in datanode/blocking. A client that
// may not block (inside EXEC) gets the timeout answer straight away.
#include "common/util/strings.h"
#include "datanode/server/blocking.h"
#include "datanode/commands/families.h"
#include "datanode/commands/lists.h"

namespace datanode {
namespace {

using namespace command;

std::optional<ListEnd> parse_end(std::string_view s) {
  if (util::iequals(s, "left")) return ListEnd::kLeft;
  if (util::iequals(s, "right")) return ListEnd::kRight;
  return std::nullopt;
}

// Serves now if a key is ready, answers a client that may not block, or blocks it.
void serve_or_block(Context& ctx, const std::vector<std::string_view>& keys, ListPopOp op,
                    int64_t timeout_ms) {
  if (serve_first_ready(ctx, keys, op)) return;
  if (!Blocking::may_block(ctx.client)) {
    // Redis answers LMOVE-like commands with a null bulk here, pops with a null array.
    return op.kind == ListPopOp::Kind::kMove ? ctx.out.null() : ctx.out.null_array();
  }
  ctx.server.blocking().block(ctx.client, keys, std::move(op), timeout_ms);
}

void bpop_generic(Context& ctx, ListEnd where) {
  int64_t timeout_ms;
  if (!parse_block_timeout(ctx.arg(ctx.argc() - 1), ctx.out, timeout_ms)) return;
  std::vector<std::string_view> keys(ctx.args.begin() + 1, ctx.args.end() - 1);
  ListPopOp op;
  op.kind = ListPopOp::Kind::kPop;
  op.from = where;
  serve_or_block(ctx, keys, std::move(op), timeout_ms);
}

void cmd_blpop(Context& ctx) { bpop_generic(ctx, ListEnd::kLeft); }
void cmd_brpop(Context& ctx) { bpop_generic(ctx, ListEnd::kRight); }

void bmove_generic(Context& ctx, ListEnd from, ListEnd to, std::string_view timeout, bool as_rpoplpush) {
  int64_t timeout_ms;
  if (!parse_block_timeout(timeout, ctx.out, timeout_ms)) return;
  ListPopOp op;
  op.kind = ListPopOp::Kind::kMove;
  op.from = from;
  op.to = to;
  op.dest = std::string(ctx.arg(2));
  op.as_rpoplpush = as_rpoplpush;
  serve_or_block(ctx, {ctx.arg(1)}, std::move(op), timeout_ms);
}

void cmd_blmove(Context& ctx) {
  auto from = parse_end(ctx.arg(3));
  auto to = parse_end(ctx.arg(4));
  if (!from || !to) return ctx.syntax_error();
  bmove_generic(ctx, *from, *to, ctx.arg(5), false);
}

void cmd_brpoplpush(Context& ctx) { bmove_generic(ctx, ListEnd::kRight, ListEnd::kLeft, ctx.arg(3), true); }

void cmd_blmpop(Context& ctx) {
  int64_t timeout_ms;
  if (!parse_block_timeout(ctx.arg(1), ctx.out, timeout_ms)) return;
  std::vector<std::string_view> keys;
  ListPopOp op;
  if (!parse_mpop(ctx, 2, keys, op)) return;
  serve_or_block(ctx, keys, std::move(op), timeout_ms);
}

}  // namespace

void register_blocking_list_commands(CommandTable& t) {
  t.add("blpop", -3, kWrite | kBlocking, cmd_blpop, 1, -2, 1);
  t.add("brpop", -3, kWrite | kBlocking, cmd_brpop, 1, -2, 1);
  t.add("blmove", 6, kWrite | kDenyOom | kBlocking, cmd_blmove, 1, 2, 1);
  t.add("brpoplpush", 4, kWrite | kDenyOom | kBlocking, cmd_brpoplpush, 1, 2, 1);
  t.add("blmpop", -5, kWrite | kBlocking, cmd_blmpop, 0, 0, 0);
}

}  // namespace datanode
