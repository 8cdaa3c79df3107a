// SENTINEL <subcommand>: the view of the model (masters, replicas, sentinels, addresses), changes of
// what is monitored (monitor, remove, set, reset), failover by hand, and the peer protocol
// (is-master-down-by-addr). Replies and error texts follow Redis 7.
#include <arpa/inet.h>
#include <unistd.h>

#include <functional>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "sentinel/commands/instance_reply.h"
#include "sentinel/model/quorum.h"
#include "sentinel/server.h"
#include "sentinel/state/config_file.h"

namespace sentinel {
namespace {

constexpr const char* kNoSuchMaster = "ERR No such master with that name";

Instance* master_or_reply(Context& ctx, size_t i) {
  Instance* m = ctx.server.state().find_master(ctx.args[i]);
  if (m == nullptr) ctx.out.error(kNoSuchMaster);
  return m;
}

void wrong_arity(Context& ctx) {
  ctx.out.error("ERR wrong number of arguments for 'sentinel|" + util::to_lower(ctx.args[1]) + "' command");
}

void reply_instances(Context& ctx, const std::map<std::string, std::unique_ptr<Instance>>& set) {
  int64_t now = util::mono_ms();
  ctx.out.array_header(set.size());
  for (const auto& [k, ri] : set) write_fields(ctx.out, instance_fields(*ri, now));
}

void sub_masters(Context& ctx) { reply_instances(ctx, ctx.server.state().masters); }

void sub_master(Context& ctx) {
  if (Instance* m = master_or_reply(ctx, 2)) write_fields(ctx.out, instance_fields(*m, util::mono_ms()));
}

void sub_replicas(Context& ctx) {
  if (Instance* m = master_or_reply(ctx, 2)) reply_instances(ctx, m->replicas);
}

void sub_sentinels(Context& ctx) {
  if (Instance* m = master_or_reply(ctx, 2)) reply_instances(ctx, m->sentinels);
}

void sub_get_master_addr(Context& ctx) {
  Instance* m = ctx.server.state().find_master(ctx.args[2]);
  if (m == nullptr) return ctx.out.null_array();
  const Address& a = ctx.server.monitor().current_master_address(*m);
  ctx.out.array_header(2);
  ctx.out.bulk(a.ip);
  ctx.out.bulk(std::to_string(a.port));
}

void sub_failover(Context& ctx) {
  Instance* m = master_or_reply(ctx, 2);
  if (m == nullptr) return;
  std::string err = ctx.server.monitor().force_failover(*m);
  if (!err.empty()) return ctx.out.error(err);
  ctx.out.ok();
}

void sub_reset(Context& ctx) {
  SentinelState& st = ctx.server.state();
  int64_t n = 0;
  std::vector<Instance*> hit;
  for (auto& [name, m] : st.masters)
    if (util::glob_match(ctx.args[2], name)) hit.push_back(m.get());
  for (Instance* m : hit) {
    ctx.server.monitor().reset_master(*m, false);
    st.events.emit(logx::Level::kWarning, "+reset-master", m);
    ++n;
  }
  if (n) ctx.server.flush_config();
  ctx.out.integer(n);
}

bool valid_ip(const std::string& ip) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

void sub_monitor(Context& ctx) {
  auto port = util::parse_int(ctx.args[4]);
  auto quorum = util::parse_int(ctx.args[5]);
  if (!port) return ctx.out.error("ERR Invalid port");
  if (*port <= 0 || *port > 65535) return ctx.out.error("ERR Invalid port number");
  if (!quorum) return ctx.out.error("ERR Invalid quorum");
  if (*quorum <= 0) return ctx.out.error("ERR Quorum must be 1 or greater.");
  std::string name = ctx.arg(2), ip = ctx.arg(3);
  if (!valid_ip(ip) && !ctx.server.settings().resolve_hostnames)
    return ctx.out.error("ERR Invalid IP address or hostname specified");
  if (ctx.server.state().find_master(name) != nullptr) return ctx.out.error("ERR Duplicated master name");
  Instance& m = ctx.server.monitor().add_master(
      state::make_master(name, ip, static_cast<int>(*port), static_cast<int>(*quorum)));
  ctx.server.flush_config();
  ctx.server.state().events.emit(logx::Level::kWarning, "+monitor", &m, "quorum " + std::to_string(m.quorum));
  ctx.out.ok();
}

void sub_remove(Context& ctx) {
  Instance* m = master_or_reply(ctx, 2);
  if (m == nullptr) return;
  ctx.server.state().events.emit(logx::Level::kWarning, "-monitor", m);
  ctx.server.monitor().remove_master(ctx.arg(2));
  ctx.server.flush_config();
  ctx.out.ok();
}

void sub_set(Context& ctx) {
  Instance* m = master_or_reply(ctx, 2);
  if (m == nullptr) return;
  if (ctx.args.size() < 5 || ctx.args.size() % 2 == 0) return wrong_arity(ctx);
  bool relink = false;
  for (size_t i = 3; i + 1 < ctx.args.size(); i += 2) {
    std::string opt = util::to_lower(ctx.args[i]);
    std::string val = ctx.arg(i + 1);
    auto bad = [&] { ctx.out.error("ERR Invalid argument '" + val + "' for SENTINEL SET '" + opt + "'"); };
    auto n = util::parse_int(val);
    if (opt == "down-after-milliseconds") {
      if (!n || *n <= 0) return bad();
      m->down_after = *n;
    } else if (opt == "failover-timeout") {
      if (!n || *n <= 0) return bad();
      m->failover_timeout = *n;
    } else if (opt == "parallel-syncs") {
      if (!n || *n <= 0 || *n > 1000000) return bad();
      m->parallel_syncs = static_cast<int>(*n);
    } else if (opt == "quorum") {
      if (!n || *n <= 0 || *n > 1000000) return bad();
      m->quorum = static_cast<int>(*n);
    } else if (opt == "auth-pass") {
      m->auth_pass = val;
      relink = true;
    } else if (opt == "auth-user") {
      m->auth_user = val;
      relink = true;
    } else if (opt == "master-reboot-down-after-period") {
      if (!n || *n < 0) return bad();
    } else if (opt == "notification-script" || opt == "client-reconfig-script") {
      if (ctx.server.settings().deny_scripts_reconfig)
        return ctx.out.error(
            "ERR Reconfiguration of scripts path is denied for security reasons. Check the "
            "deny-scripts-reconfig configuration directive in your config file before changing the paths of "
            "scripts.");
      if (!val.empty() && access(val.c_str(), X_OK) != 0)
        return ctx.out.error(opt == "notification-script"
                                 ? "ERR Notification script seems non existing or non executable"
                                 : "ERR Client reconfiguration script seems non existing or non executable");
      (opt == "notification-script" ? m->notification_script : m->client_reconfig_script) = val;
    } else {
      return ctx.out.error("ERR Unknown option or number of arguments for SENTINEL SET '" + opt + "'");
    }
    bool secret = opt == "auth-pass";
    ctx.server.state().events.emit(logx::Level::kWarning, "+set", m, opt + " " + (secret ? "******" : val));
  }
  if (relink) ctx.server.monitor().relink(*m);
  ctx.server.flush_config();
  ctx.out.ok();
}

void sub_ckquorum(Context& ctx) {
  Instance* m = master_or_reply(ctx, 2);
  if (m == nullptr) return;
  QuorumStatus q = check_quorum(*m);
  int usable = q.usable;
  bool noquorum = !q.quorum_ok(), noauth = !q.majority_ok();
  if (!noquorum && !noauth)
    return ctx.out.simple("OK " + std::to_string(usable) +
                          " usable Sentinels. Quorum and failover authorization can be reached");
  std::string e = "NOQUORUM " + std::to_string(usable) + " usable Sentinels. ";
  if (noquorum) e += "Not enough available Sentinels to reach the specified quorum for this master";
  if (noauth) {
    if (noquorum) e += ". ";
    e += "Not enough available Sentinels to reach the majority and authorize a failover";
  }
  ctx.out.error(e);
}

void sub_flushconfig(Context& ctx) {
  ctx.server.flush_config();
  ctx.out.ok();
}

void sub_myid(Context& ctx) { ctx.out.bulk(ctx.server.state().myid); }

void sub_is_master_down(Context& ctx) {
  auto port = util::parse_int(ctx.args[3]);
  auto epoch = util::parse_int(ctx.args[4]);
  if (!port || !epoch) return ctx.out.error("ERR value is not an integer or out of range");
  MasterDownReply r = ctx.server.monitor().is_master_down_by_addr(ctx.args[2], static_cast<int>(*port),
                                                                  static_cast<uint64_t>(*epoch), ctx.args[5]);
  ctx.out.array_header(3);
  ctx.out.integer(r.down ? 1 : 0);
  ctx.out.bulk(r.leader);
  ctx.out.integer(static_cast<int64_t>(r.leader_epoch));
}

const std::vector<std::string>& sentinel_config_params() {
  static const std::vector<std::string> p = {"resolve-hostnames", "announce-hostnames", "announce-ip",
                                             "announce-port",     "sentinel-user",      "sentinel-pass",
                                             "loglevel"};
  return p;
}

void sub_config(Context& ctx) {
  std::string op = util::to_lower(ctx.args[2]);
  if (op == "get" && ctx.args.size() == 4) {
    Fields f;
    for (const std::string& p : sentinel_config_params()) {
      if (!util::glob_match(ctx.args[3], p, true)) continue;
      auto got = ctx.server.registry().get({p});
      if (!got.empty()) f.emplace_back(p, got[0].second);
    }
    return write_fields(ctx.out, f);
  }
  if (op == "set" && ctx.args.size() >= 5 && ctx.args.size() % 2 == 1) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (size_t i = 3; i + 1 < ctx.args.size(); i += 2) {
      std::string p = util::to_lower(ctx.args[i]);
      bool known = false;
      for (const std::string& k : sentinel_config_params()) known = known || k == p;
      if (!known) return ctx.out.error("ERR Invalid argument '" + p + "' to SENTINEL CONFIG SET");
      pairs.emplace_back(p, ctx.arg(i + 1));
    }
    std::string err = ctx.server.registry().set(pairs);
    if (!err.empty()) return ctx.out.error(err);
    // New credentials for the peers: as Redis, reconnect to every sentinel so they take effect now.
    bool peer_auth = false;
    for (const auto& [p, v] : pairs) peer_auth = peer_auth || p == "sentinel-user" || p == "sentinel-pass";
    if (peer_auth)
      for (auto& [name, m] : ctx.server.state().masters)
        for (auto& [k, s] : m->sentinels) ctx.server.monitor().bury_links(*s);
    ctx.server.flush_config();
    return ctx.out.ok();
  }
  ctx.out.error(command::unknown_subcommand_error(ctx.args[1], "sentinel"));
}

void sub_info_cache(Context& ctx) {
  SentinelState& st = ctx.server.state();
  std::vector<Instance*> ms;
  if (ctx.args.size() == 2) {
    for (auto& [n, m] : st.masters) ms.push_back(m.get());
  } else {
    for (size_t i = 2; i < ctx.args.size(); ++i)
      if (Instance* m = st.find_master(ctx.args[i])) ms.push_back(m);
  }
  int64_t now = util::mono_ms();
  auto one = [&](const Instance& ri) {
    ctx.out.array_header(2);
    ctx.out.integer(ri.info_refresh ? now - ri.info_refresh : 0);
    if (ri.info.empty()) ctx.out.null();
    else ctx.out.bulk(ri.info);
  };
  ctx.out.array_header(ms.size() * 2);
  for (Instance* m : ms) {
    ctx.out.bulk(m->name);
    ctx.out.array_header(m->replicas.size() + 1);
    one(*m);
    for (auto& [k, r] : m->replicas) one(*r);
  }
}

void sub_simulate_failure(Context& ctx) {
  SentinelState& st = ctx.server.state();
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    std::string f = util::to_lower(ctx.args[i]);
    if (f == "crash-after-election") {
      st.simulate_failure_flags |= kCrashAfterElection;
    } else if (f == "crash-after-promotion") {
      st.simulate_failure_flags |= kCrashAfterPromotion;
    } else if (f == "help") {
      ctx.out.array_header(2);
      ctx.out.bulk("crash-after-election");
      ctx.out.bulk("crash-after-promotion");
      return;
    } else {
      return ctx.out.error("ERR Unknown failure simulation specified");
    }
  }
  ctx.out.ok();
}

void sub_debug(Context& ctx) {
  if (ctx.args.size() == 2) {
    Fields f = {{"INFO-PERIOD", std::to_string(kInfoPeriod)},
                {"PING-PERIOD", "1000"},
                {"ASK-PERIOD", std::to_string(kAskPeriod)},
                {"PUBLISH-PERIOD", std::to_string(kPublishPeriod)},
                {"DEFAULT-DOWN-AFTER", "30000"},
                {"DEFAULT-FAILOVER-TIMEOUT", "180000"},
                {"TILT-TRIGGER", std::to_string(kTiltTrigger)},
                {"TILT-PERIOD", std::to_string(kTiltPeriod)},
                {"SLAVE-RECONF-TIMEOUT", std::to_string(kSlaveReconfTimeout)},
                {"MIN-LINK-RECONNECT-PERIOD", std::to_string(kMinLinkReconnectPeriod)},
                {"ELECTION-TIMEOUT", std::to_string(kElectionTimeout)},
                {"SCRIPT-MAX-RUNTIME", "60000"},
                {"SCRIPT-RETRY-DELAY", "30000"}};
    return write_fields(ctx.out, f);
  }
  // The timing constants are compiled in here; accept the call so tooling does not fail.
  ctx.out.ok();
}

void sub_pending_scripts(Context& ctx) {
  const auto& jobs = ctx.server.monitor().scripts().jobs();
  int64_t now = util::mono_ms();
  ctx.out.array_header(jobs.size());
  for (const auto& j : jobs) {
    ctx.out.map_header(5);
    ctx.out.bulk("argv");
    ctx.out.array_header(j.argv.size());
    for (const std::string& a : j.argv) ctx.out.bulk(a);
    ctx.out.bulk("flags");
    ctx.out.bulk(j.proc ? "running" : "scheduled");
    ctx.out.bulk("pid");
    ctx.out.bulk(std::to_string(j.proc ? j.proc->pid : 0));
    ctx.out.bulk(j.proc ? "run-time" : "run-delay");
    ctx.out.bulk(std::to_string(j.proc ? now - j.started : 0));
    ctx.out.bulk("retry-num");
    ctx.out.bulk("0");
  }
}

void sub_help(Context& ctx) {
  static const std::vector<std::string> lines = {
      "SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CKQUORUM <master-name>", "CONFIG SET <param> <value>", "CONFIG GET <param>", "DEBUG [<param> <value> ...]",
      "FAILOVER <master-name>", "FLUSHCONFIG", "GET-MASTER-ADDR-BY-NAME <master-name>",
      "INFO-CACHE <master-name>", "IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
      "MASTER <master-name>", "MASTERS", "MONITOR <name> <ip> <port> <quorum>", "MYID", "PENDING-SCRIPTS",
      "REMOVE <master-name>", "REPLICAS <master-name>", "RESET <pattern>", "SENTINELS <master-name>",
      "SET <master-name> <option> <value> [<option> <value> ...]", "SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]",
      "HELP"};
  ctx.out.array_header(lines.size());
  for (const std::string& l : lines) ctx.out.simple(l);
}

struct Sub {
  const char* name;
  int arity;  // of the whole command, Redis convention (negative: at least)
  void (*fn)(Context&);
};

const Sub kSubs[] = {
    {"masters", 2, sub_masters},
    {"master", 3, sub_master},
    {"replicas", 3, sub_replicas},
    {"slaves", 3, sub_replicas},
    {"sentinels", 3, sub_sentinels},
    {"get-master-addr-by-name", 3, sub_get_master_addr},
    {"failover", 3, sub_failover},
    {"reset", 3, sub_reset},
    {"monitor", 6, sub_monitor},
    {"remove", 3, sub_remove},
    {"set", -5, sub_set},
    {"ckquorum", 3, sub_ckquorum},
    {"flushconfig", 2, sub_flushconfig},
    {"myid", 2, sub_myid},
    {"is-master-down-by-addr", 6, sub_is_master_down},
    {"config", -4, sub_config},
    {"info-cache", -2, sub_info_cache},
    {"simulate-failure", -3, sub_simulate_failure},
    {"debug", -2, sub_debug},
    {"pending-scripts", 2, sub_pending_scripts},
    {"help", 2, sub_help},
};

void cmd_sentinel(Context& ctx) {
  for (const Sub& s : kSubs) {
    if (!util::iequals(ctx.args[1], s.name)) continue;
    size_t argc = ctx.args.size();
    bool ok = s.arity > 0 ? argc == static_cast<size_t>(s.arity) : argc >= static_cast<size_t>(-s.arity);
    if (!ok) return wrong_arity(ctx);
    return s.fn(ctx);
  }
  ctx.out.error(command::unknown_subcommand_error(ctx.args[1], "sentinel"));
}

}  // namespace

void register_sentinel_command(CommandTable& t) { t.add("sentinel", -2, command::kAdmin, cmd_sentinel); }

}  // namespace sentinel
