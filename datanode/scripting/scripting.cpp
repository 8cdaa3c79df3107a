// The scripting subsystem: the script cache, the path of redis.call into the dispatcher, the run of one
// script (atomic, its writes wrapped in MULTI/EXEC for the AOF and replicas), and busy scripts.
#include "datanode/scripting/scripting.h"

#include <cstdlib>
#include <map>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/sha1.h"
#include "common/util/strings.h"
#include "datanode/acl/acl_state.h"
#include "datanode/commands/command_meta.h"
#include "datanode/scripting/functions.h"

namespace datanode {

uint32_t script_flag_named(std::string_view name) {
  if (name == "no-writes") return kScriptNoWrites;
  if (name == "allow-oom") return kScriptAllowOom;
  if (name == "allow-stale") return kScriptAllowStale;
  if (name == "no-cluster") return kScriptNoCluster;
  if (name == "allow-cross-slot-keys") return kScriptAllowCrossSlot;
  return 0;
}

bool parse_shebang(std::string_view body, uint32_t& flags, size_t& skip, std::string& error) {
  flags = kScriptEvalCompat;
  skip = 0;
  if (!body.starts_with("#!")) return true;
  size_t eol = body.find('\n');
  if (eol == std::string_view::npos) {
    error = "ERR Invalid script shebang";
    return false;
  }
  skip = eol;
  std::vector<std::string> parts;
  std::string_view line = body.substr(0, eol);
  for (size_t i = 0; i < line.size();) {
    size_t end = line.find_first_of(" \t\r", i);
    if (end == std::string_view::npos) end = line.size();
    if (end > i) parts.emplace_back(line.substr(i, end - i));
    i = end + 1;
  }
  if (parts.empty()) {
    error = "ERR Invalid engine in script shebang";
    return false;
  }
  if (parts[0] != "#!lua") {
    error = "ERR Unexpected engine in script shebang: " + parts[0];
    return false;
  }
  flags = 0;
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view p = parts[i];
    if (!p.starts_with("flags=")) {
      error = "ERR Unknown lua shebang option: " + parts[i];
      return false;
    }
    p.remove_prefix(6);
    size_t start = 0;
    while (start <= p.size()) {
      size_t comma = p.find(',', start);
      std::string_view f =
          p.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      uint32_t bit = script_flag_named(f);
      if (bit == 0) {
        error = "ERR Unexpected flag in script shebang: " + std::string(f);
        return false;
      }
      flags |= bit;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  return true;
}

Scripting& scripting_of(Server& server) {
  if (Scripting* s = server.scripting()) return *s;
  server.set_scripting(std::make_unique<Scripting>(server));
  return *server.scripting();
}

Scripting* find_scripting(const Server& server) { return server.scripting(); }

Scripting::Scripting(Server& server) : server_(server) {
  eval_ = std::make_unique<LuaEngine>(*this, false);
  functions_ = std::make_unique<Functions>(*this);
  script_client_.flags = kClientDenyBlocking;
  script_client_.authenticated = true;
  script_client_.name = "lua";
}

Scripting::~Scripting() = default;

const Scripting::Script* Scripting::find_script(std::string_view sha) const {
  auto it = scripts_.find(sha);
  return it == scripts_.end() ? nullptr : &it->second;
}

bool Scripting::create_script(std::string_view body, std::string& sha, std::string& error) {
  sha = util::sha1_hex(body);
  if (scripts_.contains(sha)) return true;
  uint32_t flags;
  size_t skip;
  if (!parse_shebang(body, flags, skip, error)) return false;
  lua_State* L = eval_->state();
  // The shebang line is skipped but its newline kept, so line numbers stay the user's.
  if (luaL_loadbuffer(L, body.data() + skip, body.size() - skip, "@user_script") != 0) {
    error = std::string("ERR Error compiling script (new function): ") + lua_tostring(L, -1);
    for (char& ch : error)
      if (ch == '\r' || ch == '\n') ch = ' ';
    lua_pop(L, 1);
    return false;
  }
  lua_setfield(L, LUA_REGISTRYINDEX, ("f_" + sha).c_str());
  scripts_.emplace(sha, Script{std::string(body), flags});
  return true;
}

void Scripting::flush_scripts() {
  scripts_.clear();
  eval_ = std::make_unique<LuaEngine>(*this, false);
}

std::string Scripting::refuse_run(uint32_t flags, bool ro_command, const Client& caller) const {
  if (flags & kScriptEvalCompat) return "";
  if ((flags & kScriptNoCluster) && server_.cluster() != nullptr)
    return "ERR Can not run script on cluster, 'no-cluster' flag is set.";
  if (!(flags & kScriptNoWrites)) {
    if (server_.is_replica() && const_cast<Server&>(server_).settings().replica_read_only &&
        !caller.has(kClientMaster))
      return "READONLY Can not run script with write flag on readonly replica";
    if (ro_command) return "ERR Can not execute a script with write flag using *_ro command.";
  }
  return "";
}

void Scripting::execute(LuaEngine& engine, ScriptRun& run, int nargs, Context& ctx) {
  run.server = &server_;
  run.caller = &ctx.client;
  run.script_client = &script_client_;
  run.start_ms = util::mono_ms();
  script_client_.db = ctx.client.db;
  script_client_.user = ctx.client.user;
  current_ = &run;
  // Atomic and deterministic downstream: whatever the script writes reaches the AOF and the replicas as
  // the commands it ran, inside one MULTI ... EXEC (nothing at all when it wrote nothing).
  server_.begin_exec_propagation();
  std::string out;
  engine.call(run, nargs, out, ctx.client.resp);
  server_.end_exec_propagation();
  set_propagation_targets(true, true);
  current_ = nullptr;
  shutdown_ = false;
  ctx.out.raw(out);
  if (run.timed_out && ctx.client.conn) {
    ctx.client.conn->resume_reading();
    // What the caller sent meanwhile waits in its input buffer: serve it on the next turn.
    server_.flush_later(ctx.client);
  }
}

bool Scripting::not_in_scripts(const CommandSpec& cmd, const Args& argv) {
  // Redis' "noscript" flag, from the command's metadata; cached per command (containers per subcommand).
  bool container = cmd.has(command::kSubcommands) && argv.size() > 1;
  if (!container) {
    auto it = noscript_.find(&cmd);
    if (it != noscript_.end()) return it->second;
  }
  std::string full = cmd.name;
  if (container) full += "|" + util::to_lower(argv[1]);
  const meta::CommandMeta* m = meta::find(full);
  if (m == nullptr && container) m = meta::find(cmd.name);
  bool refused = false;
  if (m != nullptr)
    for (std::string_view f : meta::words(m->flags)) refused = refused || f == "noscript";
  if (!container) noscript_[&cmd] = refused;
  return refused;
}

int Scripting::acl_check(ScriptRun& run, const Args& argv) {
  if (!command_exists(argv[0])) return -1;
  return AclState::of(server_).script_check(run.caller, argv);
}

bool Scripting::call_command(ScriptRun& run, const Args& argv, std::string& reply, std::string& err) {
  const CommandSpec* cmd = server_.commands().find(argv[0]);
  if (cmd == nullptr) {
    err = "Unknown Redis command called from script";
    return false;
  }
  if (!cmd->arity_ok(argv.size())) {
    err = "Wrong number of args calling Redis command from script";
    return false;
  }
  if (not_in_scripts(*cmd, argv)) {
    err = "This Redis command is not allowed from script";
    return false;
  }
  // The caller's ACL applies to what its script runs (an ACL LOG entry with context "lua").
  if (run.caller != nullptr && run.caller->conn != nullptr) {
    std::string denied = AclState::of(server_).check(*run.caller, argv, acl::LogContext::kLua);
    if (!denied.empty()) {
      err = "The user executing the script ";
      if (denied.find("keys") != std::string::npos)
        err += "can't access at least one of the keys mentioned in the command";
      else if (denied.find("channels") != std::string::npos)
        err += "can't publish to the channel mentioned in the command";
      else
        err += "can't run this command or subcommand";
      return false;
    }
  }
  if (run.read_only && cmd->has(command::kWrite | command::kMayReplicate)) {
    err = "Write commands are not allowed from read-only scripts.";
    return false;
  }
  Client& sc = *run.script_client;
  sc.resp = run.resp;
  std::string out;
  resp::Writer w(&out);
  server_.execute(sc, argv, w);
  // Cluster mode: the dispatcher's router refused a key this node does not serve; scripts say it their way.
  if (out.starts_with("-MOVED ") || out.starts_with("-ASK ") || out.starts_with("-CROSSSLOT ")) {
    err = "Script attempted to access a non local key in a cluster node";
    return false;
  }
  if (out.starts_with("-CLUSTERDOWN ")) {
    err = "Script attempted to execute a command while the cluster is down";
    return false;
  }
  if (cmd->has(command::kWrite) && !out.starts_with("-")) run.wrote = true;
  reply = std::move(out);
  return true;
}

std::string Scripting::busy_refusal(const CommandSpec& cmd, const Args& args) const {
  std::string full = cmd.name;
  if (cmd.has(command::kSubcommands) && args.size() > 1) full += "|" + util::to_lower(args[1]);
  bool nosave = false;
  for (size_t i = 1; i < args.size(); ++i) nosave = nosave || util::iequals(args[i], "nosave");
  const char* eval_busy =
      "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
  if (cmd.name == "shutdown") return nosave ? "" : eval_busy;
  const meta::CommandMeta* m = meta::find(full);
  if (m != nullptr)
    for (std::string_view f : meta::words(m->flags))
      if (f == "allow_busy") return "";
  if (current_->eval_mode) return eval_busy;
  return "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
}

std::string Scripting::kill(bool eval) {
  if (current_ == nullptr) return "NOTBUSY No scripts in execution right now.";
  if (current_->caller->has(kClientMaster))
    return "UNKILLABLE The busy script was sent by a master instance in the context of replication and "
           "cannot be "
           "killed.";
  if (current_->wrote)
    return "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either "
           "wait "
           "the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
  if (eval && !current_->eval_mode)
    return "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
  if (!eval && current_->eval_mode)
    return "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
  current_->killed = true;
  return "";
}

bool Scripting::on_hook() {
  ScriptRun* run = current_;
  if (run == nullptr) return false;
  if (!run->timed_out) {
    config::Option* opt = server_.registry().find("busy-reply-threshold");
    int64_t threshold = opt ? std::strtoll(opt->get().c_str(), nullptr, 10) : 5000;
    if (threshold <= 0 || util::mono_ms() - run->start_ms < threshold) return false;
    run->timed_out = true;
    LOG_WARNING(
        "Slow script detected: still in execution after %lld milliseconds. You can try killing the script "
        "using the %s command. Script name is: %s.",
        static_cast<long long>(util::mono_ms() - run->start_ms),
        run->eval_mode ? "SCRIPT KILL" : "FUNCTION KILL", run->funcname.c_str());
    // The caller's further requests wait in its socket until the script ends.
    if (run->caller->conn) run->caller->conn->pause_reading();
  }
  // Serve the other clients (with -BUSY, SCRIPT KILL, SHUTDOWN NOSAVE), as Redis' processEventsWhileBlocked.
  uv_run(server_.loop(), UV_RUN_NOWAIT);
  return run->killed || shutdown_;
}

}  // namespace datanode
