// The rest of Redis 7.0's parameters: accepted, validated as Redis validates them, shown by CONFIG GET
// with Redis' defaults and written back by CONFIG REWRITE, though this server does not act on them
// (TLS, syslog, CPU lists, defragmentation, process title ...). Each value lives in its option.
#include "datanode/server/settings_remembered.h"

#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/util/strings.h"

namespace datanode {
namespace {

template <typename T, typename Add>
config::Option& remembered(T initial, Add add) {
  auto value = std::make_shared<T>(initial);
  config::Option& o = add(value.get());
  o.get = [value, get = o.get] { return get(); };
  return o;
}

// Redis' multi-flag enum (shutdown-on-sigint/sigterm): "default" or any of save|nosave, now, force.
void add_shutdown_flags(config::Registry& r, const char* name) {
  auto value = std::make_shared<std::string>("default");
  config::Option o;
  o.name = name;
  o.expected = "default, or flags among save, nosave, now, force";
  o.get = [value] { return *value; };
  o.set = [value](std::string_view v) {
    std::istringstream in{std::string(v)};
    bool save = false, nosave = false, now = false, force = false, deflt = false;
    int words = 0;
    for (std::string w; in >> w; ++words) {
      w = util::to_lower(w);
      if (w == "default")
        deflt = true;
      else if (w == "save")
        save = true;
      else if (w == "nosave")
        nosave = true;
      else if (w == "now")
        now = true;
      else if (w == "force")
        force = true;
      else
        return false;
    }
    if (words == 0 || (save && nosave) || (deflt && words > 1)) return false;
    std::string out;
    auto add = [&out](bool on, const char* w) {
      if (on) out += (out.empty() ? "" : " ") + std::string(w);
    };
    add(save, "save");
    add(nosave, "nosave");
    add(now, "now");
    add(force, "force");
    *value = out.empty() ? "default" : out;
    return true;
  };
  o.toml_literal = [value] { return config::toml_quote(*value); };
  o.why_invalid = [](std::string_view) {
    return std::string("argument(s) must be one of the following: default, save, nosave, now, force");
  };
  r.add(std::move(o));
}

// A list of numbers kept as Redis prints it (latency-tracking-info-percentiles, oom-score-adj-values).
void add_number_list(config::Registry& r, const char* name, std::string initial, size_t exact_count,
                     double min, double max, bool integers, std::string error) {
  auto value = std::make_shared<std::string>(std::move(initial));
  config::Option o;
  o.name = name;
  o.expected = "a list of numbers";
  o.get = [value] { return *value; };
  o.set = [value, exact_count, min, max, integers](std::string_view v) {
    std::istringstream in{std::string(v)};
    std::vector<std::string> out;
    for (std::string w; in >> w;) {
      if (integers) {
        auto n = util::parse_int(w);
        if (!n || *n < min || *n > max) return false;
        out.push_back(std::to_string(*n));
      } else {
        auto d = util::parse_double(w);
        if (!d || *d < min || *d > max) return false;
        char buf[64];
        snprintf(buf, sizeof buf, "%g", *d);
        out.emplace_back(buf);
      }
    }
    if (exact_count != 0 && out.size() != exact_count) return false;
    std::string text;
    for (const auto& w : out) text += (text.empty() ? "" : " ") + w;
    *value = text;
    return true;
  };
  o.toml_literal = [value] { return config::toml_quote(*value); };
  o.why_invalid = [error](std::string_view) { return error; };
  r.add(std::move(o));
}

}  // namespace

void register_remembered_settings(config::Registry& r) {
  auto boolean = [&r](const char* name, bool initial, bool immutable = false) -> config::Option& {
    config::Option& o = remembered(initial, [&](bool* f) -> config::Option& { return r.add_bool(name, f); });
    o.immutable = immutable;
    return o;
  };
  auto integer = [&r](const char* name, int64_t initial, int64_t min, int64_t max,
                      bool immutable = false) -> config::Option& {
    config::Option& o =
        remembered(initial, [&](int64_t* f) -> config::Option& { return r.add_int(name, f, min, max); });
    o.immutable = immutable;
    return o;
  };
  auto memory = [&r](const char* name, int64_t initial, int64_t min, int64_t max) -> config::Option& {
    return remembered(initial,
                      [&](int64_t* f) -> config::Option& { return r.add_memory(name, f, min, max); });
  };
  auto string = [&r](const char* name, const char* initial, bool immutable = false) -> config::Option& {
    config::Option& o = remembered(std::string(initial),
                                   [&](std::string* f) -> config::Option& { return r.add_string(name, f); });
    o.immutable = immutable;
    return o;
  };
  auto choice = [&r](const char* name, const char* initial, std::vector<std::string> allowed,
                     bool immutable = false) -> config::Option& {
    config::Option& o = remembered(std::string(initial), [&](std::string* f) -> config::Option& {
      return r.add_enum(name, f, std::move(allowed));
    });
    o.immutable = immutable;
    return o;
  };
  constexpr int64_t kLongMax = INT64_MAX;
  constexpr int64_t kIntMax = INT32_MAX;

  choice("acl-pubsub-default", "resetchannels", {"allchannels", "resetchannels"});
  integer("active-defrag-cycle-max", 25, 1, 99);
  memory("active-defrag-ignore-bytes", 100LL << 20, 1, kLongMax);
  integer("active-defrag-max-scan-fields", 1000, 1, kLongMax);
  integer("active-defrag-threshold-lower", 10, 0, 1000);
  integer("active-defrag-threshold-upper", 100, 0, 1000);
  boolean("always-show-logo", false, true);
  boolean("aof-disable-auto-gc", false);
  boolean("aof-rewrite-incremental-fsync", true);
  string("aof_rewrite_cpulist", "", true);
  string("appenddirname", "appendonlydir", true);
  string("bgsave_cpulist", "", true);
  string("bind-source-addr", "");
  string("bio_cpulist", "", true);
  boolean("crash-memcheck-enabled", true);
  boolean("daemonize", false, true);
  boolean("disable-thp", true, true);
  string("ignore-warnings", "");
  boolean("io-threads-do-reads", false, true);
  add_number_list(r, "latency-tracking-info-percentiles", "50 99 99.9", 0, 0, 100, false,
                  "latency-tracking-info-percentiles is not a double or out of range");
  {
    // "relative" is another name of "yes", which CONFIG GET shows.
    config::Option& o = choice("oom-score-adj", "no", {"no", "yes", "relative", "absolute"});
    o.set = [set = o.set](std::string_view v) { return set(util::iequals(v, "relative") ? "yes" : v); };
  }
  add_number_list(r, "oom-score-adj-values", "0 200 800", 3, -2000, 2000, true,
                  "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
  string("proc-title-template", "{title} {listen-addr} {server-mode}");
  choice("propagation-error-behavior", "ignore", {"ignore", "panic", "panic-on-replicas"});
  boolean("rdb-del-sync-files", false);
  boolean("rdb-save-incremental-fsync", true);
  boolean("repl-disable-tcp-nodelay", false);
  choice("repl-diskless-load", "disabled", {"disabled", "on-empty-db", "swapdb"});
  boolean("replica-ignore-disk-write-errors", false);
  boolean("replica-ignore-maxmemory", true).aliases = {"slave-ignore-maxmemory"};
  choice("sanitize-dump-payload", "no", {"no", "yes", "clients"});
  string("server_cpulist", "", true);
  boolean("set-proc-title", true, true);
  add_shutdown_flags(r, "shutdown-on-sigint");
  add_shutdown_flags(r, "shutdown-on-sigterm");
  integer("shutdown-timeout", 10, 0, kIntMax);
  integer("socket-mark-id", 0, 0, UINT32_MAX, true);
  choice("supervised", "no", {"upstart", "systemd", "auto", "no"}, true);
  boolean("syslog-enabled", false, true);
  choice("syslog-facility", "local0",
         {"user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}, true);
  string("syslog-ident", "redis", true);
  choice("tls-auth-clients", "yes", {"no", "yes", "optional"});
  for (const char* name :
       {"tls-ca-cert-dir", "tls-ca-cert-file", "tls-cert-file", "tls-ciphers", "tls-ciphersuites",
        "tls-client-cert-file", "tls-client-key-file", "tls-dh-params-file", "tls-key-file", "tls-protocols"})
    string(name, "");
  string("tls-client-key-file-pass", "").sensitive = true;
  string("tls-key-file-pass", "").sensitive = true;
  boolean("tls-cluster", false);
  integer("tls-port", 0, 0, 65535);
  boolean("tls-prefer-server-ciphers", false);
  boolean("tls-replication", false);
  integer("tls-session-cache-size", 20 * 1024, 0, kIntMax);
  integer("tls-session-cache-timeout", 300, 0, kIntMax);
  boolean("tls-session-caching", true);
  string("unixsocket", "", true);
  integer("unixsocketperm", 0, 0, 0777, true);
}

}  // namespace datanode
