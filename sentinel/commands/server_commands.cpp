// The non-SENTINEL commands a sentinel answers: PING, INFO, ROLE, AUTH, HELLO, CLIENT, COMMAND,
// SHUTDOWN, PUBLISH (hello messages from peers), QUIT.
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <optional>

#include "common/command/auth.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "common/version/version.h"
#include "sentinel/server.h"

namespace sentinel {
namespace {

void cmd_ping(Context& ctx) {
  if (ctx.args.size() > 2) return ctx.out.error(command::wrong_arity_error("ping"));
  if (ctx.client.subscriptions() > 0 && ctx.client.resp == 2) {
    ctx.out.array_header(2);
    ctx.out.bulk("pong");
    ctx.out.bulk(ctx.args.size() == 2 ? ctx.args[1] : "");
    return;
  }
  if (ctx.args.size() == 2) return ctx.out.bulk(ctx.args[1]);
  ctx.out.simple("PONG");
}

void cmd_quit(Context& ctx) {
  ctx.out.ok();
  ctx.client.conn->close_after_flush();
}

// AUTH and HELLO AUTH: a user of the sentinel's ACL (requirepass is the default user's password).
bool authenticate(Context& ctx, std::string_view user, std::string_view pass) {
  SentinelAcl& acl = ctx.server.acl();
  if (!acl.registry().check_credentials(user, pass)) {
    acl.log_auth_failure(ctx.client, user, ctx.args[0]);
    return false;
  }
  ctx.client.user = std::string(user);
  ctx.client.authenticated = true;
  return true;
}

void cmd_auth(Context& ctx) {
  if (ctx.args.size() > 3) return ctx.out.error("ERR syntax error");
  if (ctx.args.size() == 2) {
    const acl::User& def = ctx.server.acl().registry().default_user();
    if (def.flags & acl::kUserNoPass) return ctx.out.error(command::kAuthWithoutPasswordError);
  }
  std::string_view user = ctx.args.size() == 3 ? ctx.args[1] : "default";
  if (!authenticate(ctx, user, ctx.args.back())) return ctx.out.error(command::kWrongPassError);
  ctx.out.ok();
}

void cmd_hello(Context& ctx) {
  int64_t proto = 0;
  if (ctx.args.size() > 1) {
    auto ver = util::parse_int(ctx.args[1]);
    if (!ver) return ctx.out.error("ERR Protocol version is not an integer or out of range");
    if (*ver < 2 || *ver > 3) return ctx.out.error("NOPROTO unsupported protocol version");
    proto = *ver;
  }
  std::optional<std::pair<std::string_view, std::string_view>> auth;
  std::optional<std::string_view> name;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    size_t more = ctx.args.size() - 1 - i;
    if (util::iequals(ctx.args[i], "AUTH") && more >= 2) {
      auth = {ctx.args[i + 1], ctx.args[i + 2]};
      i += 2;
    } else if (util::iequals(ctx.args[i], "SETNAME") && more >= 1) {
      name = ctx.args[++i];
    } else {
      return ctx.out.error("ERR Syntax error in HELLO option '" + ctx.arg(i) + "'");
    }
  }
  if (auth && !authenticate(ctx, auth->first, auth->second)) return ctx.out.error(command::kWrongPassError);
  if (!ctx.client.authenticated) return ctx.out.error(command::kHelloNoAuthError);
  if (name) {
    for (char ch : *name)
      if (ch < '!' || ch > '~')
        return ctx.out.error("ERR Client names cannot contain spaces, newlines or special characters.");
    ctx.client.name = std::string(*name);
  }
  if (proto != 0) ctx.client.resp = static_cast<int>(proto);
  ctx.out.set_protocol(ctx.client.resp);
  // A sentinel's HELLO has no "role" field (Redis 7 leaves it out in sentinel mode).
  ctx.out.map_header(6);
  ctx.out.bulk("server");
  ctx.out.bulk("redis");
  ctx.out.bulk("version");
  ctx.out.bulk(version::kRedisVersion);
  ctx.out.bulk("proto");
  ctx.out.integer(ctx.client.resp);
  ctx.out.bulk("id");
  ctx.out.integer(static_cast<int64_t>(ctx.client.id));
  ctx.out.bulk("mode");
  ctx.out.bulk("sentinel");
  ctx.out.bulk("modules");
  ctx.out.array_header(0);
}

void cmd_role(Context& ctx) {
  auto& masters = ctx.server.state().masters;
  ctx.out.array_header(2);
  ctx.out.bulk("sentinel");
  ctx.out.array_header(masters.size());
  for (auto& [name, m] : masters) ctx.out.bulk(name);
}

void field(std::string& out, const char* name, const std::string& value) {
  out += name;
  out += ':';
  out += value;
  out += "\r\n";
}
void field(std::string& out, const char* name, uint64_t value) { field(out, name, std::to_string(value)); }

std::string seconds(const timeval& tv) {
  char buf[32];
  snprintf(buf, sizeof buf, "%ld.%06ld", static_cast<long>(tv.tv_sec), static_cast<long>(tv.tv_usec));
  return buf;
}

// Fields Redis Sentinel reports that have no meaning here are reported as it reports them on a sentinel
// (zero), so exporters and dashboards built for redis-sentinel see every series they expect.
void zero_fields(std::string& out, std::initializer_list<const char*> names) {
  for (const char* n : names) field(out, n, "0");
}

std::string info_text(Server& s, std::string_view section) {
  std::string sec = util::to_lower(section);
  bool all = sec == "all" || sec == "default" || sec == "everything" || sec.empty();
  std::string out;
  if (all || sec == "server") {
    utsname u{};
    uname(&u);
    int64_t up = (util::mono_ms() - s.start_ms()) / 1000;
    out += "# Server\r\n";
    field(out, "redis_version", version::kRedisVersion);
    field(out, "redis_git_sha1", "00000000");
    field(out, "redis_git_dirty", "0");
    field(out, "redis_build_id", version::git_sha());
    field(out, "redis_mode", "sentinel");
    field(out, "sentinel_version", version::kVersion);
    field(out, "os", std::string(u.sysname) + " " + u.release + " " + u.machine);
    field(out, "arch_bits", "64");
    field(out, "monotonic_clock", "POSIX clock_gettime");
    field(out, "multiplexing_api", "epoll");
    field(out, "atomicvar_api", "c11-builtin");
#if defined(__GNUC__) && !defined(__clang__)
    field(out, "gcc_version",
          std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
              std::to_string(__GNUC_PATCHLEVEL__));
#else
    field(out, "gcc_version", "0.0.0");
#endif
    field(out, "process_id", static_cast<uint64_t>(getpid()));
    field(out, "process_supervised", "no");
    field(out, "run_id", s.run_id());
    field(out, "tcp_port", static_cast<uint64_t>(s.settings().port));
    field(out, "server_time_usec", static_cast<uint64_t>(util::unix_ms()) * 1000);
    field(out, "uptime_in_seconds", static_cast<uint64_t>(up));
    field(out, "uptime_in_days", static_cast<uint64_t>(up / 86400));
    field(out, "hz", "10");
    field(out, "configured_hz", "10");
    // Redis' LRU clock: seconds, 24 bits. Nothing here uses it; reported for the series' sake.
    field(out, "lru_clock", static_cast<uint64_t>(util::unix_ms() / 1000) & ((1u << 24) - 1));
    char exe[4096] = {};
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    field(out, "executable", n > 0 ? std::string(exe, static_cast<size_t>(n)) : std::string());
    field(out, "config_file", s.registry().path());
    field(out, "io_threads_active", "0");
  }
  if (all || sec == "clients") {
    if (!out.empty()) out += "\r\n";
    out += "# Clients\r\n";
    field(out, "connected_clients", s.clients().size());
    field(out, "cluster_connections", "0");
    field(out, "maxclients", "10000");
    zero_fields(out, {"client_recent_max_input_buffer", "client_recent_max_output_buffer", "blocked_clients",
                      "tracking_clients", "clients_in_timeout_table"});
  }
  if (all || sec == "stats") {
    if (!out.empty()) out += "\r\n";
    const SentinelStats& st = s.stats();
    out += "# Stats\r\n";
    field(out, "total_connections_received", st.total_connections);
    field(out, "total_commands_processed", st.total_commands);
    field(out, "instantaneous_ops_per_sec", "0");
    field(out, "total_net_input_bytes", st.net_input_bytes);
    field(out, "total_net_output_bytes", st.net_output_bytes);
    zero_fields(out, {"total_net_repl_input_bytes", "total_net_repl_output_bytes"});
    for (const char* kbps : {"instantaneous_input_kbps", "instantaneous_output_kbps",
                             "instantaneous_input_repl_kbps", "instantaneous_output_repl_kbps"})
      field(out, kbps, "0.00");
    field(out, "rejected_connections", st.rejected_connections);
    zero_fields(out, {"sync_full", "sync_partial_ok", "sync_partial_err", "expired_keys"});
    field(out, "expired_stale_perc", "0.00");
    zero_fields(out, {"expired_time_cap_reached_count", "expire_cycle_cpu_milliseconds", "evicted_keys",
                      "evicted_clients", "total_eviction_exceeded_time", "current_eviction_exceeded_time",
                      "keyspace_hits", "keyspace_misses"});
    size_t channels = 0, patterns = 0;
    for (const auto& [id, c] : s.clients()) {
      channels += c->channels.size();
      patterns += c->patterns.size();
    }
    field(out, "pubsub_channels", channels);
    field(out, "pubsub_patterns", patterns);
    zero_fields(out, {"pubsubshard_channels", "latest_fork_usec", "total_forks", "migrate_cached_sockets",
                      "slave_expires_tracked_keys", "active_defrag_hits", "active_defrag_misses",
                      "active_defrag_key_hits", "active_defrag_key_misses", "total_active_defrag_time",
                      "current_active_defrag_time", "tracking_total_keys", "tracking_total_items",
                      "tracking_total_prefixes", "unexpected_error_replies"});
    field(out, "total_error_replies", st.total_error_replies);
    zero_fields(out, {"dump_payload_sanitizations"});
    field(out, "total_reads_processed", st.total_commands);
    zero_fields(out, {"total_writes_processed", "io_threaded_reads_processed", "io_threaded_writes_processed",
                      "reply_buffer_shrinks", "reply_buffer_expands"});
  }
  if (all || sec == "cpu") {
    if (!out.empty()) out += "\r\n";
    rusage self{}, children{};
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    out += "# CPU\r\n";
    field(out, "used_cpu_sys", seconds(self.ru_stime));
    field(out, "used_cpu_user", seconds(self.ru_utime));
    field(out, "used_cpu_sys_children", seconds(children.ru_stime));
    field(out, "used_cpu_user_children", seconds(children.ru_utime));
    field(out, "used_cpu_sys_main_thread", seconds(self.ru_stime));
    field(out, "used_cpu_user_main_thread", seconds(self.ru_utime));
  }
  if (all || sec == "sentinel") {
    if (!out.empty()) out += "\r\n";
    SentinelState& st = s.state();
    int64_t tilt_since = st.tilt ? (util::unix_ms() - st.tilt_start_unix_ms) / 1000 : -1;
    out += "# Sentinel\r\n";
    out += "sentinel_masters:" + std::to_string(st.masters.size()) + "\r\n";
    out += "sentinel_tilt:" + std::to_string(st.tilt ? 1 : 0) + "\r\n";
    out += "sentinel_tilt_since_seconds:" + std::to_string(tilt_since) + "\r\n";
    out += "sentinel_running_scripts:" + std::to_string(st.running_scripts) + "\r\n";
    out += "sentinel_scripts_queue_length:" + std::to_string(st.queued_scripts) + "\r\n";
    out += "sentinel_simulate_failure_flags:" + std::to_string(st.simulate_failure_flags) + "\r\n";
    int i = 0;
    for (auto& [name, m] : st.masters) {
      const char* status = m->is(kODown) ? "odown" : m->is(kSDown) ? "sdown" : "ok";
      const Address& a = s.monitor().current_master_address(*m);
      out += "master" + std::to_string(i++) + ":name=" + name + ",status=" + status + ",address=" + a.str() +
             ",slaves=" + std::to_string(m->replicas.size()) +
             ",sentinels=" + std::to_string(m->sentinels.size() + 1) + "\r\n";
    }
  }
  return out;
}

void cmd_info(Context& ctx) {
  std::string text;
  if (ctx.args.size() == 1) {
    text = info_text(ctx.server, "");
  } else {
    for (size_t i = 1; i < ctx.args.size(); ++i) {
      std::string part = info_text(ctx.server, ctx.args[i]);
      if (part.empty()) continue;
      if (!text.empty()) text += "\r\n";
      text += part;
    }
  }
  ctx.out.bulk(text);
}

}  // namespace

std::string client_line(const Client& c, int64_t now) {
  return "id=" + std::to_string(c.id) + " addr=" + c.conn->peer() + " laddr=" + c.conn->local() +
         " fd=" + std::to_string(c.conn->fd()) + " name=" + c.name +
         " age=" + std::to_string((now - c.created_ms) / 1000) +
         " idle=" + std::to_string((now - c.last_cmd_ms) / 1000) +
         " flags=" + (c.subscriptions() ? "P" : "N") + " db=0 sub=" + std::to_string(c.channels.size()) +
         " psub=" + std::to_string(c.patterns.size()) + " multi=-1 cmd=" + c.last_cmd + " user=" + c.user + " resp=" + std::to_string(c.resp) + "\n";
}

namespace {

void cmd_client(Context& ctx) {
  std::string sub = util::to_lower(ctx.args[1]);
  if (sub == "setname" && ctx.args.size() == 3) {
    for (char ch : ctx.args[2])
      if (ch < '!' || ch > '~')
        return ctx.out.error("ERR Client names cannot contain spaces, newlines or special characters.");
    ctx.client.name = ctx.arg(2);
    return ctx.out.ok();
  }
  if (sub == "getname" && ctx.args.size() == 2) {
    if (ctx.client.name.empty()) return ctx.out.null();
    return ctx.out.bulk(ctx.client.name);
  }
  if (sub == "id" && ctx.args.size() == 2) return ctx.out.integer(static_cast<int64_t>(ctx.client.id));
  if (sub == "list") {
    std::string text;
    int64_t now = util::mono_ms();
    for (auto& [id, c] : ctx.server.clients()) text += client_line(*c, now);
    return ctx.out.bulk(text);
  }
  if (sub == "info" && ctx.args.size() == 2) return ctx.out.bulk(client_line(ctx.client, util::mono_ms()));
  if (sub == "kill") {
    if (ctx.args.size() == 3) {
      for (auto& [id, c] : ctx.server.clients()) {
        if (c->conn->peer() == ctx.args[2]) {
          ctx.server.kill_client(*c);
          return ctx.out.ok();
        }
      }
      return ctx.out.error("ERR No such client");
    }
    if (ctx.args.size() % 2 != 0) return ctx.out.error("ERR syntax error");
    std::vector<Client*> victims;
    for (auto& [id, c] : ctx.server.clients()) victims.push_back(c);
    bool skipme = true;
    for (size_t i = 2; i + 1 < ctx.args.size(); i += 2) {
      std::string f = util::to_lower(ctx.args[i]);
      std::string v(ctx.args[i + 1]);
      std::vector<Client*> keep;
      for (Client* c : victims) {
        bool match = true;
        if (f == "id")
          match = std::to_string(c->id) == v;
        else if (f == "addr")
          match = c->conn->peer() == v;
        else if (f == "laddr")
          match = c->conn->local() == v;
        else if (f == "type")
          match = util::iequals(v, c->subscriptions() ? "pubsub" : "normal");
        else if (f == "skipme")
          skipme = util::iequals(v, "yes");
        else if (f == "user")
          match = v == c->user;
        else
          return ctx.out.error("ERR syntax error");
        if (match) keep.push_back(c);
      }
      victims = keep;
    }
    int64_t n = 0;
    for (Client* c : victims) {
      if (skipme && c == &ctx.client) continue;
      ctx.server.kill_client(*c);
      ++n;
    }
    return ctx.out.integer(n);
  }
  ctx.out.error(command::unknown_subcommand_error(ctx.args[1], "client"));
}

void cmd_command(Context& ctx) {
  if (ctx.args.size() == 1) {
    ctx.out.array_header(ctx.server.commands().size());
    for (const auto& [name, c] : ctx.server.commands().all()) {
      ctx.out.array_header(6);
      ctx.out.bulk(name);
      ctx.out.integer(c.arity);
      ctx.out.array_header(0);
      ctx.out.integer(0);
      ctx.out.integer(0);
      ctx.out.integer(0);
    }
    return;
  }
  std::string sub = util::to_lower(ctx.args[1]);
  if (sub == "count") return ctx.out.integer(static_cast<int64_t>(ctx.server.commands().size()));
  if (sub == "docs" || sub == "info") return ctx.out.array_header(0);
  ctx.out.error(command::unknown_subcommand_error(ctx.args[1], "command"));
}

void cmd_shutdown(Context& ctx) { ctx.server.request_shutdown(); }

void cmd_publish(Context& ctx) {
  if (ctx.args[1] != kHelloChannel)
    return ctx.out.error("ERR Only HELLO messages are accepted by Sentinel instances.");
  ctx.server.monitor().process_hello(ctx.args[2]);
  ctx.out.integer(1);
}

}  // namespace

void register_server_commands(CommandTable& t) {
  using namespace command;
  t.add("ping", -1, kFast | kPubSubOk, cmd_ping);
  t.add("quit", -1, kNoAuth | kPubSubOk, cmd_quit);
  t.add("auth", -2, kNoAuth | kFast, cmd_auth);
  t.add("hello", -1, kNoAuth | kFast, cmd_hello);
  t.add("role", 1, kFast, cmd_role);
  t.add("info", -1, 0, cmd_info);
  t.add("client", -2, 0, cmd_client);
  t.add("command", -1, 0, cmd_command);
  t.add("shutdown", -1, kAdmin, cmd_shutdown);
  t.add("publish", 3, kFast, cmd_publish);
}

}  // namespace sentinel
