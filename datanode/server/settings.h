// Every setting of the datanode, bound to its Redis directive name in settings.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/registry.h"

namespace datanode {

struct Settings {
  // Network
  int port = 6379;
  std::vector<std::string> bind = {"127.0.0.1"};
  bool protected_mode = true;
  int tcp_backlog = 511;
  int64_t timeout = 0;  // seconds idle before a client is closed; 0 never
  int tcp_keepalive = 300;
  int maxclients = 10000;
  // General
  std::string dir = ".";
  std::string logfile;
  std::string loglevel = "notice";
  std::string pidfile;
  int databases = 16;
  int hz = 10;
  std::string requirepass;
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t hll_sparse_max_bytes = 3000;  // a sparse HyperLogLog longer than this becomes dense
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  std::string client_output_buffer_limit_normal = "0 0 0";
  std::string client_output_buffer_limit_replica = "256mb 64mb 60";
  std::string client_output_buffer_limit_pubsub = "32mb 8mb 60";
  int64_t maxmemory = 0;
  std::string maxmemory_policy = "noeviction";
  // Append-only file
  bool appendonly = false;
  std::string appendfilename = "appendonly.aof";
  std::string appendfsync = "everysec";
  bool no_appendfsync_on_rewrite = false;
  int auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64LL * 1024 * 1024;
  bool aof_load_truncated = true;
  // RDB snapshots (datanode/persistence/)
  std::string save = "3600 1 300 100 60 10000";  // "<seconds> <changes>" pairs; "" disables
  std::string dbfilename = "dump.rdb";
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool stop_writes_on_bgsave_error = true;
  // Replication
  std::string replicaof;  // "host port"
  std::string masterauth;
  std::string masteruser;
  int replica_priority = 100;
  bool replica_read_only = true;
  bool replica_serve_stale_data = true;
  std::string replica_announce_ip;
  int replica_announce_port = 0;
  bool replica_announced = true;
  int64_t repl_backlog_size = 1024 * 1024;
  int repl_backlog_ttl = 3600;
  int repl_timeout = 60;
  int repl_ping_replica_period = 10;
  int min_replicas_to_write = 0;
  int min_replicas_max_lag = 10;
  bool repl_diskless_sync = true;
  int repl_diskless_sync_delay = 5;
  int repl_diskless_sync_max_replicas = 0;
  // Cluster (datanode/cluster/)
  bool cluster_enabled = false;
  std::string cluster_config_file = "nodes.conf";
  int cluster_port = 0;  // 0: port + 10000
  int64_t cluster_node_timeout = 15000;
  std::string cluster_announce_ip;
  int cluster_announce_port = 0;
  int cluster_announce_bus_port = 0;
  int cluster_announce_tls_port = 0;
  std::string cluster_announce_hostname;
  std::string cluster_preferred_endpoint_type = "ip";
  bool cluster_require_full_coverage = true;
  bool cluster_replica_no_failover = false;
  bool cluster_allow_reads_when_down = false;
  bool cluster_allow_pubsubshard_when_down = true;
  int cluster_replica_validity_factor = 10;
  int cluster_migration_barrier = 1;
  bool cluster_allow_replica_migration = true;
  int64_t cluster_link_sendbuf_limit = 0;
  // Metrics
  int metrics_port = 0;
  std::string metrics_bind = "127.0.0.1";
  // Slow log, latency monitor and the encodings OBJECT ENCODING reports (Redis 7.0 defaults).
  int64_t slowlog_log_slower_than = 10000;  // microseconds; -1 disables, 0 logs everything
  int64_t slowlog_max_len = 128;
  int64_t latency_monitor_threshold = 0;  // milliseconds; 0 disables
  bool latency_tracking = true;
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int list_max_listpack_size = -2;
  int list_compress_depth = 0;
  int64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;
};

// Binds every field of settings to its option in the registry (names and aliases as in redis.conf).
void register_settings(Settings& settings, config::Registry& registry);

}  // namespace datanode
