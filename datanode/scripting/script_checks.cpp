// The checks that keep scripts within Redis 7.0's rules (src/script.c): the flags EVAL/FCALL carry for
// the dispatcher's guards, the checks before a run (scriptPrepareForRun) and those of each redis.call
// (scriptVerify*).
#include "common/util/sha1.h"
#include "common/util/strings.h"
#include "datanode/acl/acl_state.h"
#include "datanode/cluster/keys.h"
#include "datanode/cluster/slots.h"
#include "datanode/memory/memory.h"
#include "datanode/replication/replication.h"
#include "datanode/scripting/functions.h"
#include "datanode/scripting/scripting.h"

namespace datanode {
namespace {

// Redis' scriptFlagsToCmdFlags.
uint32_t command_flags_of_script(uint32_t cmd_flags, uint32_t script_flags) {
  cmd_flags &= ~(command::kStale | command::kDenyOom | command::kWrite | command::kMayReplicate);
  if (!(script_flags & (kScriptAllowOom | kScriptNoWrites))) cmd_flags |= command::kDenyOom;
  if (!(script_flags & kScriptNoWrites)) cmd_flags |= command::kWrite;
  if (script_flags & kScriptAllowStale) cmd_flags |= command::kStale;
  return cmd_flags;
}

// The script an EVAL* names: its flags, or false (unknown SHA, bad shebang: the command's flags apply).
bool eval_script_flags(Server& server, bool by_sha, std::string_view body_or_sha, uint32_t& flags) {
  Scripting* s = find_scripting(server);
  if (by_sha) {
    if (s == nullptr || body_or_sha.size() != 40) return false;
    const Scripting::Script* script = s->find_script(body_or_sha);
    if (script == nullptr) return false;
    flags = script->flags;
    return true;
  }
  if (!body_or_sha.starts_with("#!")) return false;  // no shebang: Redis 6 rules, the command's flags
  if (s != nullptr)
    if (const Scripting::Script* script = s->find_script(util::sha1_hex(body_or_sha))) {
      flags = script->flags;
      return true;
    }
  size_t skip = 0;
  std::string error;
  return parse_shebang(body_or_sha, flags, skip, error);
}

}  // namespace

bool declared_script_flags(Server& server, const CommandSpec& cmd, const Args& args, CommandSpec& out) {
  const std::string& n = cmd.name;
  if (n.empty() || (n[0] != 'e' && n[0] != 'f' && n[0] != 's') || args.size() < 2) return false;
  uint32_t flags = cmd.flags;
  if (n == "eval" || n == "eval_ro" || n == "evalsha" || n == "evalsha_ro") {
    uint32_t script_flags = 0;
    if (!eval_script_flags(server, n.starts_with("evalsha"), args[1], script_flags)) return false;
    if (script_flags & kScriptEvalCompat) return false;
    flags = command_flags_of_script(flags, script_flags);
  } else if (n == "fcall" || n == "fcall_ro") {
    Scripting* s = find_scripting(server);
    const FunctionDef* fn = s != nullptr ? s->functions().find(args[1]) : nullptr;
    if (fn == nullptr) return false;
    flags = command_flags_of_script(flags, fn->flags);
  } else if (n == "function") {
    // The subcommands that change the libraries are writes (LOAD and RESTORE deny-oom too).
    std::string_view sub = args[1];
    if (util::iequals(sub, "load") || util::iequals(sub, "restore"))
      flags |= command::kWrite | command::kDenyOom;
    else if (util::iequals(sub, "delete") || util::iequals(sub, "flush"))
      flags |= command::kWrite;
    else
      return false;
  } else if (n == "script" && util::iequals(args[1], "load")) {
    flags |= command::kStale;
  } else {
    return false;
  }
  out.name = cmd.name;
  out.arity = cmd.arity;
  out.flags = flags;
  out.first_key = cmd.first_key;
  out.last_key = cmd.last_key;
  out.key_step = cmd.key_step;
  return true;
}

std::string Scripting::prepare_run(uint32_t flags, bool ro_command, Context& ctx, ScriptRun& run) const {
  Server& server = ctx.server;
  bool stale = server.replication().running_stale();
  bool obey = obeyed(ctx.client);
  Memory* memory = server.memory();
  run.oom_at_start =
      memory != nullptr && server.settings().maxmemory > 0 && memory->out_of_memory_at_command_start();
  bool compat = (flags & kScriptEvalCompat) != 0;
  if (compat) {
    if (stale) return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
  } else {
    if ((flags & kScriptNoCluster) && server.cluster() != nullptr)
      return "ERR Can not run script on cluster, 'no-cluster' flag is set.";
    if (stale && !(flags & kScriptAllowStale))
      return "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' "
             "flag is not set on the script.";
    if (!(flags & kScriptNoWrites)) {
      if (server.is_replica() && server.settings().replica_read_only && !obey)
        return "READONLY Can not run script with write flag on readonly replica";
      if (ro_command) return "ERR Can not execute a script with write flag using *_ro command.";
    }
    if (run.oom_at_start && !(flags & (kScriptAllowOom | kScriptNoWrites)))
      return "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'";
  }
  run.read_only = ro_command || (!compat && (flags & kScriptNoWrites));
  run.allow_oom = !compat && (flags & kScriptAllowOom);
  run.allow_cross_slot = compat || (flags & kScriptAllowCrossSlot);
  // Cluster mode: the declared keys already hash to one slot (the router said so); undeclared keys the
  // script uses must hash there too.
  run.slot = -1;
  if (server.cluster() != nullptr && ctx.argc() > 3) {
    std::optional<int64_t> numkeys = util::parse_int(ctx.arg(2));
    if (numkeys && *numkeys > 0) run.slot = ::cluster::key_hash_slot(ctx.arg(3));
  }
  return "";
}

std::string Scripting::refuse_call(ScriptRun& run, const CommandSpec& cmd, const Args& argv) {
  if (not_in_scripts(cmd, argv)) return "This Redis command is not allowed from script";
  if (server_.is_replica() && !server_.replication().stale_guard(cmd).empty())
    return "Can not execute the command on a stale replica";
  // The caller's ACL applies to what its script runs (an ACL LOG entry with context "lua").
  if (run.caller != nullptr && run.caller->conn != nullptr) {
    std::string denied = AclState::of(server_).check(*run.caller, argv, acl::LogContext::kLua);
    if (!denied.empty()) {
      std::string err = "The user executing the script ";
      if (denied.find("keys") != std::string::npos)
        err += "can't access at least one of the keys mentioned in the command";
      else if (denied.find("channels") != std::string::npos)
        err += "can't publish to the channel mentioned in the command";
      else
        err += "can't run this command or subcommand";
      return err;
    }
  }
  if (run.read_only && cmd.has(command::kWrite | command::kMayReplicate))
    return "Write commands are not allowed from read-only scripts.";
  // Out of memory when the script began: its first write may not be one that needs memory.
  if (!run.allow_oom && run.oom_at_start && !run.wrote && cmd.has(command::kDenyOom) &&
      (run.caller == nullptr || !obeyed(*run.caller)) && server_.settings().maxmemory > 0)
    return "-OOM command not allowed when used memory > 'maxmemory'.";
  if (server_.cluster() != nullptr && !run.allow_cross_slot &&
      (run.caller == nullptr || !obeyed(*run.caller))) {
    std::vector<size_t> keys = command_key_positions(cmd, argv);
    if (!keys.empty()) {
      int slot = ::cluster::key_hash_slot(argv[keys[0]]);
      for (size_t pos : keys)
        if (::cluster::key_hash_slot(argv[pos]) != slot)
          return "Script attempted to access a non local key in a cluster node";
      if (run.slot == -1)
        run.slot = slot;
      else if (run.slot != slot)
        return "Script attempted to access keys that do not hash to the same slot";
    }
  }
  return "";
}

}  // namespace datanode
