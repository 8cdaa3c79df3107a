#include "datanode/settings.h"

namespace datanode {

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
  r.add_memory("client-query-buffer-limit", &s.client_query_buffer_limit, 1024 * 1024, INT64_MAX);
  r.add_string("client-output-buffer-limit-normal", &s.client_output_buffer_limit_normal);
  r.add_string("client-output-buffer-limit-replica", &s.client_output_buffer_limit_replica);
  r.add_string("client-output-buffer-limit-pubsub", &s.client_output_buffer_limit_pubsub);
  r.add_memory("maxmemory", &s.maxmemory);
  r.add_enum("maxmemory-policy", &s.maxmemory_policy,
             {"noeviction", "allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu", "allkeys-random",
              "volatile-random", "volatile-ttl"});

  r.add_bool("appendonly", &s.appendonly);
  r.add_string("appendfilename", &s.appendfilename).immutable = true;
  r.add_enum("appendfsync", &s.appendfsync, {"always", "everysec", "no"});
  r.add_bool("no-appendfsync-on-rewrite", &s.no_appendfsync_on_rewrite);
  r.add_int("auto-aof-rewrite-percentage", &s.auto_aof_rewrite_percentage, 0, INT32_MAX);
  r.add_memory("auto-aof-rewrite-min-size", &s.auto_aof_rewrite_min_size);
  r.add_bool("aof-load-truncated", &s.aof_load_truncated);

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

  r.add_int("metrics-port", &s.metrics_port, 0, 65535).immutable = true;
  r.add_string("metrics-bind", &s.metrics_bind).immutable = true;
}

}  // namespace datanode
