// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. Queueing happens in Server::execute; EXEC runs
// the queue through Server::execute again, so every check and the propagation are the usual ones, and
// the writes of one EXEC reach the AOF and replicas wrapped in MULTI ... EXEC.
#include "datanode/commands/families.h"
#include "datanode/server/watch.h"

namespace datanode {
namespace {

using namespace command;

void discard_transaction(Context& ctx) {
  Client& c = ctx.client;
  c.multi_queue.clear();
  c.multi_mem = 0;
  c.flags &= ~(kClientMulti | kClientDirtyExec | kClientDirtyCas);
  ctx.server.watches().unwatch_all(c);
}

void cmd_multi(Context& ctx) {
  if (ctx.client.has(kClientMulti)) return ctx.out.error("ERR MULTI calls can not be nested");
  ctx.client.flags |= kClientMulti;
  ctx.out.ok();
}

void cmd_exec(Context& ctx) {
  Client& c = ctx.client;
  if (!c.has(kClientMulti)) return ctx.out.error("ERR EXEC without MULTI");
  // A watched key that expired since WATCH fails the transaction, removed or not.
  if (ctx.server.watches().expired_since_watch(c)) c.flags |= kClientDirtyCas;
  if (c.has(kClientDirtyExec)) {
    discard_transaction(ctx);
    return ctx.out.error("EXECABORT Transaction discarded because of previous errors.");
  }
  if (c.has(kClientDirtyCas)) {
    discard_transaction(ctx);
    return ctx.out.null_array();
  }
  std::vector<QueuedCommand> queue = std::move(c.multi_queue);
  discard_transaction(ctx);
  ctx.out.array_header(queue.size());
  Server& server = ctx.server;
  server.begin_exec_propagation();
  // Blocking commands inside a transaction answer at once as if they timed out (Redis' rule).
  c.flags |= kClientDenyBlocking;
  Args argv;
  for (const QueuedCommand& q : queue) {
    argv.assign(q.args.begin(), q.args.end());
    server.execute(c, argv, ctx.out);
  }
  c.flags &= ~kClientDenyBlocking;
  server.end_exec_propagation();
}

void cmd_discard(Context& ctx) {
  if (!ctx.client.has(kClientMulti)) return ctx.out.error("ERR DISCARD without MULTI");
  discard_transaction(ctx);
  ctx.out.ok();
}

void cmd_watch(Context& ctx) {
  if (ctx.client.has(kClientMulti)) return ctx.out.error("ERR WATCH inside MULTI is not allowed");
  for (size_t i = 1; i < ctx.argc(); ++i) ctx.server.watches().watch(ctx.client, ctx.client.db, ctx.arg(i));
  ctx.out.ok();
}

void cmd_unwatch(Context& ctx) {
  ctx.server.watches().unwatch_all(ctx.client);
  ctx.client.flags &= ~kClientDirtyCas;
  ctx.out.ok();
}

}  // namespace

void register_transaction_commands(CommandTable& t) {
  t.add("multi", 1, kFast | kLoading | kStale, cmd_multi);
  t.add("exec", 1, kLoading | kStale | kSkipMonitor, cmd_exec);
  t.add("discard", 1, kFast | kLoading | kStale, cmd_discard);
  t.add("watch", -2, kFast | kLoading | kStale, cmd_watch, 1, -1, 1);
  t.add("unwatch", 1, kFast | kLoading | kStale, cmd_unwatch);
}

}  // namespace datanode
