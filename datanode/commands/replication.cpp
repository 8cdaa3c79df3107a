// Replication commands: REPLICAOF/SLAVEOF, ROLE, WAIT, and what replicas send us (SYNC, PSYNC, REPLCONF).
// Parsing lives here; the work is done by the Replication subsystem.
#include "common/util/strings.h"
#include "datanode/commands/families.h"
#include "datanode/replication/replication.h"

namespace datanode {
namespace {

std::string describe(const Client& c) {
  return "id=" + std::to_string(c.id) + " addr=" + (c.conn ? c.conn->peer() : std::string("?"));
}

void replicaof_command(Context& ctx) {
  if (ctx.server.settings().cluster_enabled) return ctx.out.error("ERR REPLICAOF not allowed in cluster mode.");
  Replication& repl = ctx.server.replication();
  if (repl.failover_pending()) return ctx.out.error("ERR REPLICAOF not allowed while failing over.");
  if (util::iequals(ctx.arg(1), "no") && util::iequals(ctx.arg(2), "one")) {
    if (std::string err = repl.check_promotion(ctx.client); !err.empty()) return ctx.out.error(err);
    repl.unset_master(describe(ctx.client));
    ctx.out.ok();
    return;
  }
  if (ctx.client.has(kClientReplica)) {
    ctx.out.error("ERR Command is not valid when client is a replica.");
    return;
  }
  auto port = util::parse_int(ctx.arg(2));
  if (!port || *port < 0 || *port > 65535) {
    ctx.out.error("ERR Invalid master port");
    return;
  }
  bool already = false;
  std::string err = repl.set_master(std::string(ctx.arg(1)), static_cast<int>(*port), &already, describe(ctx.client));
  if (!err.empty()) {
    ctx.out.error(err);
    return;
  }
  if (already) {
    ctx.out.simple("OK Already connected to specified master");
    return;
  }
  ctx.out.ok();
}

void sync_command(Context& ctx) { ctx.server.replication().sync_command(ctx, false); }
void psync_command(Context& ctx) { ctx.server.replication().sync_command(ctx, true); }
void replconf_command(Context& ctx) { ctx.server.replication().replconf_command(ctx); }
void wait_command(Context& ctx) { ctx.server.replication().wait_command(ctx); }
void role_command(Context& ctx) { ctx.server.replication().role_command(ctx); }
void failover_command(Context& ctx) { ctx.server.replication().failover_command(ctx); }

}  // namespace

void register_replication_commands(CommandTable& t) {
  using namespace command;
  t.add("replicaof", 3, kAdmin | kStale, replicaof_command);
  t.add("slaveof", 3, kAdmin | kStale, replicaof_command);
  t.add("sync", 1, kAdmin | kNoMulti, sync_command);
  t.add("psync", -3, kAdmin | kNoMulti, psync_command);
  t.add("replconf", -1, kAdmin | kStale | kLoading, replconf_command);
  t.add("wait", 3, 0, wait_command);
  t.add("role", 1, kFast | kStale | kLoading, role_command);
  t.add("failover", -1, kAdmin | kStale, failover_command);
}

}  // namespace datanode
