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
#include "datanode/server/info.h"

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
  char lower[40];
  if (sha.size() == sizeof lower) {
    for (size_t i = 0; i < sizeof lower; ++i) {
      char c = sha[i];
      lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    sha = std::string_view(lower, sizeof lower);
  }
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
  int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  scripts_.emplace(sha, Script{std::string(body), flags, ref});
  script_bodies_bytes_ += static_cast<int64_t>(body.size());
  return true;
}

void Scripting::flush_scripts() {
  scripts_.clear();
  script_bodies_bytes_ = 0;
  eval_ = std::make_unique<LuaEngine>(*this, false);
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
  engine.call(run, nargs, *ctx.out.buffer(), ctx.client.resp);
  server_.end_exec_propagation();
  set_propagation_targets(true, true);
  current_ = nullptr;
  shutdown_ = false;
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
  std::string refused = refuse_call(run, *cmd, argv);
  if (!refused.empty()) {
    err = std::move(refused);
    return false;
  }
  Client& sc = *run.script_client;
  sc.resp = run.resp;
  std::string& out = reply;  // the caller's buffer, reused from call to call
  resp::Writer w(&out);
  server_.execute(sc, argv, w);
  // Cluster mode: the dispatcher's router refused a key this node does not serve; scripts say it their way.
  if (out.starts_with("-MOVED ") || out.starts_with("-ASK ") || out.starts_with("-CROSSSLOT ")) {
    err = "Script attempted to access a non local key in a cluster node";
    return false;
  }
  if (out.starts_with("-CLUSTERDOWN ")) {
    err = out.starts_with("-CLUSTERDOWN The cluster is down and only accepts read commands")
              ? "Script attempted to execute a write command while the cluster is down and readonly"
              : "Script attempted to execute a command while the cluster is down";
    return false;
  }
  // As Redis, a write counts once it passed the checks, even if the command itself then failed; the
  // write guards' refusals (-READONLY, -MISCONF, -NOREPLICAS) are checks.
  if (cmd->has(command::kWrite) && !out.starts_with("-READONLY ") && !out.starts_with("-MISCONF ") &&
      !out.starts_with("-NOREPLICAS "))
    run.wrote = true;
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

namespace datanode {
namespace {

int64_t lua_vm_bytes(LuaEngine& engine) {
  lua_State* L = engine.state();
  return static_cast<int64_t>(lua_gc(L, LUA_GCCOUNT, 0)) * 1024 + lua_gc(L, LUA_GCCOUNTB, 0);
}

// A hash table's bucket array as Redis sizes it: the next power of two at or above the entry count.
int64_t bucket_bytes(size_t entries) {
  if (entries == 0) return 0;
  size_t slots = 4;
  while (slots < entries) slots *= 2;
  return static_cast<int64_t>(slots * sizeof(void*));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> scripting_memory_info(Server& server) {
  Scripting& s = scripting_of(server);
  Functions& fns = s.functions();
  int64_t vm_eval = lua_vm_bytes(s.eval_engine());
  int64_t vm_functions = lua_vm_bytes(fns.engine());
  // The script cache: each body and its SHA, an entry per script and the buckets (evalScriptsMemory).
  int64_t scripts_eval =
      s.script_bodies_bytes() + static_cast<int64_t>(s.script_count()) * 40 + bucket_bytes(s.script_count());
  // The libraries: their code, names and an entry per function and per library, the buckets, and the
  // context itself (functionsMemoryOverhead).
  int64_t functions = 200 + static_cast<int64_t>(fns.function_count() + fns.libraries().size()) * 24 +
                      bucket_bytes(fns.function_count()) + bucket_bytes(fns.libraries().size());
  for (const auto& [name, lib] : fns.libraries()) {
    functions += static_cast<int64_t>(name.size() + lib.code.size());
    for (const std::string& f : lib.functions) functions += static_cast<int64_t>(f.size());
  }
  auto n = [](int64_t v) { return std::to_string(v); };
  return {{"used_memory_lua", n(vm_eval)},
          {"used_memory_vm_eval", n(vm_eval)},
          {"used_memory_lua_human", bytes_to_human(vm_eval)},
          {"used_memory_scripts_eval", n(scripts_eval)},
          {"number_of_cached_scripts", n(static_cast<int64_t>(s.script_count()))},
          {"number_of_functions", n(static_cast<int64_t>(fns.function_count()))},
          {"number_of_libraries", n(static_cast<int64_t>(fns.libraries().size()))},
          {"used_memory_vm_functions", n(vm_functions)},
          {"used_memory_vm_total", n(vm_eval + vm_functions)},
          {"used_memory_vm_total_human", bytes_to_human(vm_eval + vm_functions)},
          {"used_memory_functions", n(functions)},
          {"used_memory_scripts", n(scripts_eval + functions)},
          {"used_memory_scripts_human", bytes_to_human(scripts_eval + functions)}};
}

}  // namespace datanode
