#include "datanode/server/settings.h"

#include <memory>
#include <sstream>

#include "common/util/strings.h"
#include "datanode/memory/memory.h"
#include "datanode/server/protected_actions.h"
#include "datanode/server/notify.h"
#include "datanode/server/settings_remembered.h"

namespace datanode {

namespace {

// Redis' combined directive "client-output-buffer-limit <class> <hard> <soft> <seconds> [...]", mapped on
// the three per-class options (classes: normal, replica/slave, pubsub). CONFIG GET shows bytes.
void add_output_limit_option(Settings& s, config::Registry& r) {
  auto normalized = [](const std::string& text) {
    std::istringstream in(text);
    std::string hard, soft, secs;
    in >> hard >> soft >> secs;
    auto h = util::parse_memory(hard), so = util::parse_memory(soft);
    if (!h || !so) return text;
    return std::to_string(*h) + " " + std::to_string(*so) + " " + secs;
  };
  config::Option o;
  o.name = "client-output-buffer-limit";
  o.expected = "\"<class> <hard> <soft> <seconds>\" groups, class normal, replica or pubsub";
  auto get = [&s, normalized] {
    return "normal " + normalized(s.client_output_buffer_limit_normal) + " slave " +
           normalized(s.client_output_buffer_limit_replica) + " pubsub " +
           normalized(s.client_output_buffer_limit_pubsub);
  };
  o.get = get;
  o.set = [&s](std::string_view v) {
    std::istringstream in{std::string(v)};
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    if (words.empty() || words.size() % 4 != 0) return false;
    std::vector<std::pair<std::string*, std::string>> changes;
    for (size_t i = 0; i < words.size(); i += 4) {
      std::string cls = util::to_lower(words[i]);
      std::string* field = cls == "normal"                       ? &s.client_output_buffer_limit_normal
                           : (cls == "replica" || cls == "slave") ? &s.client_output_buffer_limit_replica
                           : cls == "pubsub"                      ? &s.client_output_buffer_limit_pubsub
                                                                  : nullptr;
      auto hard = util::parse_memory(words[i + 1]), soft = util::parse_memory(words[i + 2]);
      auto secs = util::parse_int(words[i + 3]);
      if (field == nullptr || !hard || !soft || !secs || *secs < 0) return false;
      changes.emplace_back(field, words[i + 1] + " " + words[i + 2] + " " + words[i + 3]);
    }
    for (auto& [field, text] : changes) *field = text;
    return true;
  };
  o.toml_literal = [get] { return config::toml_quote(get()); };
  o.why_invalid = [](std::string_view) { return std::string("Wrong number of arguments in buffer limit configuration."); };
  r.add(std::move(o));
}

// A Redis 7.0 parameter this server accepts, validates and remembers for CONFIG GET/SET/REWRITE but does
// not act on (eviction tuning, lazy freeing, RDB options): its value lives in the option itself.
template <typename T, typename Add>
config::Option& add_remembered(T initial, Add add) {
  auto value = std::make_shared<T>(initial);
  config::Option& o = add(value.get());
  o.get = [value, get = o.get] { return get(); };
  return o;
}

void add_remembered_options(config::Registry& r) {
  auto int_opt = [&r](const char* name, int initial, int64_t min, int64_t max) -> config::Option& {
    return add_remembered(initial, [&](int* f) -> config::Option& { return r.add_int(name, f, min, max); });
  };
  auto long_opt = [&r](const char* name, int64_t initial, int64_t min, int64_t max) -> config::Option& {
    return add_remembered(initial,
                          [&](int64_t* f) -> config::Option& { return r.add_int(name, f, min, max); });
  };
  auto bool_opt = [&r](const char* name, bool initial) -> config::Option& {
    return add_remembered(initial, [&](bool* f) -> config::Option& { return r.add_bool(name, f); });
  };
  int_opt("active-expire-effort", 1, 1, 10);
  bool_opt("activerehashing", true);
  bool_opt("lazyfree-lazy-eviction", false);
  bool_opt("lazyfree-lazy-expire", false);
  bool_opt("lazyfree-lazy-server-del", false);
  bool_opt("lazyfree-lazy-user-del", false);
  bool_opt("lazyfree-lazy-user-flush", false);
  bool_opt("replica-lazy-flush", false).aliases = {"slave-lazy-flush"};
  long_opt("busy-reply-threshold", 5000, 0, INT64_MAX).aliases = {"lua-time-limit"};
  bool_opt("dynamic-hz", true);
  bool_opt("stop-writes-on-bgsave-error", true);
  bool_opt("rdbcompression", true);
  bool_opt("rdbchecksum", true).immutable = true;
  add_remembered(std::string("dump.rdb"),
                 [&](std::string* f) -> config::Option& { return r.add_string("dbfilename", f); });
  bool_opt("aof-use-rdb-preamble", true);
  // Not in Redis: how long a master that may have been demoted (replication/fence.h) refuses writes
  // when no sentinel confirms or repoints it; 0 disables the fencing.
  long_opt("master-fence-timeout", 30000, 0, INT64_MAX);
  bool_opt("aof-timestamp-enabled", false);
  long_opt("tracking-table-max-keys", 1000000, 0, INT64_MAX);
  bool_opt("activedefrag", false);
  int_opt("active-defrag-cycle-min", 1, 1, 99);
  int_opt("io-threads", 1, 1, 128).immutable = true;
  bool_opt("crash-log-enabled", true);
}

// notify-keyspace-events: class letters in, Redis' canonical letters out ("KEA" reads back "AKE"). The
// server follows the value through the option's on_change (install_notify_config).
void add_notify_option(config::Registry& r) {
  auto flags = std::make_shared<int>(0);
  config::Option o;
  o.name = "notify-keyspace-events";
  o.expected = "event class letters among Ag$lshzxeKEtmdn";
  o.get = [flags] { return format_notify_classes(*flags); };
  o.set = [flags](std::string_view v) {
    auto parsed = parse_notify_classes(v);
    if (!parsed) return false;
    *flags = *parsed;
    return true;
  };
  o.toml_literal = [flags] { return config::toml_quote(format_notify_classes(*flags)); };
  o.why_invalid = [](std::string_view) {
    return std::string("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  };
  r.add(std::move(o));
}

}  // namespace

void register_settings(Settings& s, config::Registry& r) {
  r.add_int("port", &s.port, 0, 65535).immutable = true;
  r.add_string_list("bind", &s.bind).immutable = true;
  r.add_bool("protected-mode", &s.protected_mode);
  r.add_int("tcp-backlog", &s.tcp_backlog, 0, 65535).immutable = true;
  r.add_int("timeout", &s.timeout, 0, INT32_MAX);
  r.add_int("tcp-keepalive", &s.tcp_keepalive, 0, INT32_MAX);
  r.add_int("maxclients", &s.maxclients, 1, 1000000);
  r.add_string("dir", &s.dir);
  r.add_string("logfile", &s.logfile).immutable = true;
  r.add_enum("loglevel", &s.loglevel, {"debug", "verbose", "notice", "warning"});
  r.add_string("pidfile", &s.pidfile).immutable = true;
  r.add_int("databases", &s.databases, 1, 1024).immutable = true;
  r.add_int("hz", &s.hz, 1, 500);
  r.add_string("requirepass", &s.requirepass).sensitive = true;
  r.add_memory("proto-max-bulk-len", &s.proto_max_bulk_len, 1024 * 1024, INT64_MAX);
  r.add_memory("hll-sparse-max-bytes", &s.hll_sparse_max_bytes, 0, INT64_MAX);
  r.add_memory("client-query-buffer-limit", &s.client_query_buffer_limit, 1024 * 1024, INT64_MAX);
  r.add_string("client-output-buffer-limit-normal", &s.client_output_buffer_limit_normal);
  r.add_string("client-output-buffer-limit-replica", &s.client_output_buffer_limit_replica);
  r.add_string("client-output-buffer-limit-pubsub", &s.client_output_buffer_limit_pubsub);
  add_output_limit_option(s, r);
  r.add_memory("maxmemory", &s.maxmemory);
  r.add_enum("maxmemory-policy", &s.maxmemory_policy,
             {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu",
              "allkeys-random", "noeviction"});

  r.add_bool("appendonly", &s.appendonly);
  r.add_string("appendfilename", &s.appendfilename).immutable = true;
  r.add_enum("appendfsync", &s.appendfsync, {"always", "everysec", "no"});
  r.add_bool("no-appendfsync-on-rewrite", &s.no_appendfsync_on_rewrite);
  r.add_int("auto-aof-rewrite-percentage", &s.auto_aof_rewrite_percentage, 0, INT32_MAX);
  r.add_memory("auto-aof-rewrite-min-size", &s.auto_aof_rewrite_min_size);
  r.add_bool("aof-load-truncated", &s.aof_load_truncated);

  r.add_string("save", &s.save);  // validated by the persistence subsystem (on_change)
  r.add_string("dbfilename", &s.dbfilename);
  r.add_bool("rdbcompression", &s.rdbcompression);
  r.add_bool("rdbchecksum", &s.rdbchecksum).immutable = true;
  r.add_bool("stop-writes-on-bgsave-error", &s.stop_writes_on_bgsave_error);

  r.add_string("replicaof", &s.replicaof).aliases = {"slaveof"};
  r.add_string("masterauth", &s.masterauth).sensitive = true;
  r.add_string("masteruser", &s.masteruser);
  r.add_int("replica-priority", &s.replica_priority, 0, INT32_MAX).aliases = {"slave-priority"};
  r.add_bool("replica-read-only", &s.replica_read_only).aliases = {"slave-read-only"};
  r.add_bool("replica-serve-stale-data", &s.replica_serve_stale_data).aliases = {"slave-serve-stale-data"};
  r.add_string("replica-announce-ip", &s.replica_announce_ip).aliases = {"slave-announce-ip"};
  r.add_int("replica-announce-port", &s.replica_announce_port, 0, 65535).aliases = {"slave-announce-port"};
  r.add_bool("replica-announced", &s.replica_announced);
  r.add_memory("repl-backlog-size", &s.repl_backlog_size, 16 * 1024, INT64_MAX);
  r.add_int("repl-backlog-ttl", &s.repl_backlog_ttl, 0, INT32_MAX);
  r.add_int("repl-timeout", &s.repl_timeout, 1, INT32_MAX);
  r.add_int("repl-ping-replica-period", &s.repl_ping_replica_period, 1, INT32_MAX).aliases = {
      "repl-ping-slave-period"};
  r.add_int("min-replicas-to-write", &s.min_replicas_to_write, 0, INT32_MAX).aliases = {"min-slaves-to-write"};
  r.add_int("min-replicas-max-lag", &s.min_replicas_max_lag, 0, INT32_MAX).aliases = {"min-slaves-max-lag"};
  r.add_bool("repl-diskless-sync", &s.repl_diskless_sync);
  r.add_int("repl-diskless-sync-delay", &s.repl_diskless_sync_delay, 0, INT32_MAX);
  r.add_int("repl-diskless-sync-max-replicas", &s.repl_diskless_sync_max_replicas, 0, INT32_MAX);

  r.add_bool("cluster-enabled", &s.cluster_enabled).immutable = true;
  r.add_string("cluster-config-file", &s.cluster_config_file).immutable = true;
  r.add_int("cluster-port", &s.cluster_port, 0, 65535).immutable = true;
  r.add_int("cluster-node-timeout", &s.cluster_node_timeout, 0, INT64_MAX);
  r.add_string("cluster-announce-ip", &s.cluster_announce_ip);
  r.add_int("cluster-announce-port", &s.cluster_announce_port, 0, 65535);
  r.add_int("cluster-announce-bus-port", &s.cluster_announce_bus_port, 0, 65535);
  r.add_int("cluster-announce-tls-port", &s.cluster_announce_tls_port, 0, 65535);
  r.add_string("cluster-announce-hostname", &s.cluster_announce_hostname);
  r.add_enum("cluster-preferred-endpoint-type", &s.cluster_preferred_endpoint_type,
             {"ip", "hostname", "unknown-endpoint"});
  r.add_bool("cluster-require-full-coverage", &s.cluster_require_full_coverage);
  r.add_bool("cluster-replica-no-failover", &s.cluster_replica_no_failover).aliases = {"cluster-slave-no-failover"};
  r.add_bool("cluster-allow-reads-when-down", &s.cluster_allow_reads_when_down);
  r.add_bool("cluster-allow-pubsubshard-when-down", &s.cluster_allow_pubsubshard_when_down);
  r.add_int("cluster-replica-validity-factor", &s.cluster_replica_validity_factor, 0, INT32_MAX).aliases = {
      "cluster-slave-validity-factor"};
  r.add_int("cluster-migration-barrier", &s.cluster_migration_barrier, 0, INT32_MAX);
  r.add_bool("cluster-allow-replica-migration", &s.cluster_allow_replica_migration);
  r.add_memory("cluster-link-sendbuf-limit", &s.cluster_link_sendbuf_limit);

  r.add_int("metrics-port", &s.metrics_port, 0, 65535).immutable = true;
  r.add_string("metrics-bind", &s.metrics_bind).immutable = true;

  // Slow log, latency monitor, encoding thresholds (introspection surface).
  r.add_int("slowlog-log-slower-than", &s.slowlog_log_slower_than, -1, INT64_MAX);
  r.add_int("slowlog-max-len", &s.slowlog_max_len, 0, INT64_MAX);
  r.add_int("latency-monitor-threshold", &s.latency_monitor_threshold, 0, INT64_MAX);
  r.add_bool("latency-tracking", &s.latency_tracking);
  r.add_int("hash-max-listpack-entries", &s.hash_max_listpack_entries, 0, INT64_MAX).aliases = {
      "hash-max-ziplist-entries"};
  r.add_memory("hash-max-listpack-value", &s.hash_max_listpack_value, 0, INT64_MAX).aliases = {
      "hash-max-ziplist-value"};
  r.add_int("zset-max-listpack-entries", &s.zset_max_listpack_entries, 0, INT64_MAX).aliases = {
      "zset-max-ziplist-entries"};
  r.add_memory("zset-max-listpack-value", &s.zset_max_listpack_value, 0, INT64_MAX).aliases = {
      "zset-max-ziplist-value"};
  r.add_int("set-max-intset-entries", &s.set_max_intset_entries, 0, INT64_MAX);
  r.add_int("list-max-listpack-size", &s.list_max_listpack_size, INT32_MIN, INT32_MAX).aliases = {
      "list-max-ziplist-size"};
  r.add_int("list-compress-depth", &s.list_compress_depth, 0, INT32_MAX);
  r.add_memory("stream-node-max-bytes", &s.stream_node_max_bytes, 0, INT64_MAX);
  r.add_int("stream-node-max-entries", &s.stream_node_max_entries, 0, INT64_MAX);
  add_remembered_options(r);
  register_protected_options(r);
  register_memory_options(r);
  add_notify_option(r);
  register_remembered_settings(r);
}

}  // namespace datanode
