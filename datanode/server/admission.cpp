// Whether a command may run now: every refusal of the dispatcher, in the order Redis 7.0.15's
// processCommand checks them — unknown command or subcommand, arity, protected command, NOAUTH, "not allowed inside a
// transaction", ACL, cluster redirection, -OOM, -MISCONF (RDB, then AOF), -NOREPLICAS, -READONLY, the
// RESP2 Pub/Sub context, -MASTERDOWN, -BUSY — so a request that two checks would refuse gets the error
// Redis gives.
#include "datanode/server/admission.h"

#include <algorithm>

#include "common/command/auth.h"
#include "datanode/acl/acl_state.h"
#include "datanode/aof/aof.h"
#include "datanode/commands/command_meta.h"
#include "datanode/memory/memory.h"
#include "datanode/persistence/persistence.h"
#include "datanode/replication/replication.h"
#include "datanode/scripting/scripting.h"
#include "datanode/server/protected_actions.h"
#include "datanode/server/pubsub.h"

namespace datanode::admission {
namespace {

// The flags a call is judged by: EVAL/FCALL take the flags their script declares (Redis'
// getCommandFlags).
const CommandSpec& call_flags(Server& server, const CommandSpec& cmd, const Args& args, CommandSpec& scratch) {
  return declared_script_flags(server, cmd, args, scratch) ? scratch : cmd;
}

// Visits the flags of each command queued for EXEC until `fn` returns true.
template <typename Fn>
bool any_queued(Server& server, const Client& c, Fn fn) {
  return std::any_of(c.multi_queue.begin(), c.multi_queue.end(), [&](const QueuedCommand& q) {
    const CommandSpec* s = server.commands().find(q.args[0]);
    if (s == nullptr) return false;
    CommandSpec scratch;
    Args args(q.args.begin(), q.args.end());
    return fn(call_flags(server, *s, args, scratch));
  });
}

// A container (CLIENT, CONFIG ...) resolves its subcommand before any other check, as Redis'
// lookupCommand: an unknown subcommand, or a wrong arity for it, is refused like an unknown command.
std::string subcommand_error(Server& server, const CommandSpec& cmd, const Args& args) {
  const AclState& acl = AclState::of(server);
  const int id = acl.command_id(args);
  if (id < 0) return command::unknown_subcommand_error(args[1], cmd.name);
  const std::string& fullname = acl.catalog().at(id).fullname;
  const meta::CommandMeta* m = meta::find(fullname);
  if (m == nullptr) return "";
  const auto n = static_cast<int64_t>(args.size());
  if (m->arity >= 0 ? n != m->arity : n < -m->arity) return command::wrong_arity_error(fullname);
  return "";
}

std::string pubsub_context_error(Server& server, const Args& args, const CommandSpec& cmd) {
  // Redis names the subcommand ("script|kill").
  const AclState& acl = AclState::of(server);
  const int id = acl.command_id(args);
  return "ERR Can't execute '" + (id >= 0 ? acl.catalog().at(id).fullname : cmd.name) +
         "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
}

}  // namespace

bool queued_in_multi(const Client& c, const CommandSpec& cmd) {
  const std::string& n = cmd.name;
  return c.has(kClientMulti) && cmd.handler != nullptr && n != "exec" && n != "discard" && n != "multi" &&
         n != "watch" && n != "quit" && n != "reset";
}

Refusal check(Server& server, Client& c, const CommandSpec* cmd, const Args& args,
              const std::vector<RouteGuard>& route_guards) {
  if (cmd == nullptr) return {command::unknown_command_error(args)};
  if (!cmd->arity_ok(args.size())) return {command::wrong_arity_error(cmd->name)};
  if (cmd->has(command::kSubcommands) && args.size() >= 2)
    if (std::string err = subcommand_error(server, *cmd, args); !err.empty()) return {err};
  // A disabled DEBUG/MODULE is refused before AUTH is looked at.
  if (std::string err = protected_command_error(server, c, cmd->name); !err.empty()) return {err};
  if (!c.authenticated && AclState::of(server).registry().auth_required() && !cmd->has(command::kNoAuth))
    return {command::kNoAuthError};
  if (queued_in_multi(c, *cmd) && cmd->has(command::kNoMulti))
    return {"ERR Command not allowed inside a transaction"};

  const bool in_multi = c.has(kClientMulti);
  const bool master = c.has(kClientMaster);
  // ACL; the master link and the AOF obey blindly.
  if (c.conn != nullptr && !master) {
    bool multi = in_multi || c.has(kClientDenyBlocking);  // queued, or run by EXEC
    std::string denied =
        AclState::of(server).check(c, args, multi ? acl::LogContext::kMulti : acl::LogContext::kToplevel);
    if (!denied.empty()) return {denied};
  }
  if (!master && !server.loading())
    for (const RouteGuard& guard : route_guards)
      if (std::string err = guard(c, *cmd, args); !err.empty()) return {err, true, true};

  Scripting* scripting = find_scripting(server);
  // A script's own commands meet the script's checks instead (scripting.cpp), and only its first write
  // meets the write checks here.
  const bool from_script = scripting != nullptr && scripting->is_script_client(c);
  // A script past busy-reply-threshold: the loop serves other clients only to say so (and to kill it).
  const bool script_busy = scripting != nullptr && scripting->busy() && !from_script;
  // The master link obeys blindly; the commands EXEC runs from its queue were judged with EXEC (Redis'
  // execCommand calls them directly), so a REPLICAOF inside the transaction does not refuse the writes
  // queued after it.
  const bool run_by_exec = c.has(kClientDenyBlocking) && c.conn != nullptr && !in_multi;
  const bool judged_elsewhere = master || run_by_exec;
  const bool exec = in_multi && cmd->name == "exec";
  CommandSpec scratch;
  const CommandSpec& flags = call_flags(server, *cmd, args, scratch);

  // maxmemory (after closing clients over maxmemory-clients). Redis does not evict while a busy script
  // yields to the loop: its DELs would mix with the script's writes.
  if (!judged_elsewhere && !from_script && !script_busy)
    if (Memory* memory = server.memory())
      if (std::string err = memory->oom_guard(c, cmd->name, flags.has(command::kDenyOom)); !err.empty())
        return {err};

  // An EXEC whose queue holds a write meets the write checks itself (refused as a whole, EXECABORT), so
  // a transaction never runs half-fenced.
  const bool write = flags.has(command::kWrite) ||
                     (exec && any_queued(server, c, [](const CommandSpec& s) { return s.has(command::kWrite); }));
  const bool write_checked =
      write && !judged_elsewhere && (!from_script || scripting->first_write_pending());
  // -MISCONF for PING too: a Sentinel does not take -MISCONF for a valid PING reply, so a master whose
  // disk is full gets failed over instead of refusing writes (Redis 7).
  if (write_checked || (cmd->name == "ping" && !judged_elsewhere && !from_script)) {
    if (std::string err = server.persistence().write_guard(); !err.empty()) return {err};
    if (std::string err = server.aof().write_guard(); !err.empty()) return {err};
  }
  if (write_checked) {
    if (std::string err = server.replication().replicas_guard(); !err.empty()) return {err};
    if (std::string err = server.replication().read_only_guard(c); !err.empty()) return {err};
  }
  if (c.resp == 2 && c.has(kClientPubSub) && !cmd->has(command::kPubSubOk) &&
      (c.subscription_count() > 0 || server.pubsub().shard_subscription_count(c) > 0))
    return {pubsub_context_error(server, args, *cmd), false};
  if (!judged_elsewhere && !from_script) {
    Replication& replication = server.replication();
    if (std::string err = replication.stale_guard(flags); !err.empty()) return {err};
    // EXEC is judged with its queued commands' flags: a replica that went stale after a GET was queued
    // refuses the EXEC (EXECABORT ... MASTERDOWN).
    std::string stale;
    if (exec && any_queued(server, c, [&](const CommandSpec& s) { return !(stale = replication.stale_guard(s)).empty(); }))
      return {stale};
  }
  // No LOADING check: a datanode loads its data before it listens, and a replica loads a full sync
  // without serving in between.
  if (script_busy)
    if (std::string busy = scripting->busy_refusal(*cmd, args); !busy.empty()) return {busy};
  return {};
}

}  // namespace datanode::admission
