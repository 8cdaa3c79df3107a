#include "datanode/metrics/metrics.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <sstream>

#include "common/log/log.h"
#include "common/memory/allocator.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "datanode/cluster/cluster_metrics.h"
#include "datanode/memory/memory.h"
#include "datanode/server/server.h"

namespace datanode {
namespace {

using prometheus::MetricType;

std::map<std::string, std::string> section_fields(Server& server, const std::string& name) {
  std::map<std::string, std::string> out;
  for (const auto& [section, writer, in_default] : server.info_sections()) {
    if (section != name) continue;
    std::string text;
    writer(text);
    for (auto& [k, v] : parse_info_fields(text)) out[k] = v;
  }
  return out;
}

double number(const std::map<std::string, std::string>& fields, const std::string& key, double fallback = 0) {
  auto it = fields.find(key);
  if (it == fields.end()) return fallback;
  auto v = util::parse_double(it->second);
  return v ? *v : fallback;
}

int64_t rss_bytes() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long pages_total = 0, pages_rss = 0;
  int n = fscanf(f, "%ld %ld", &pages_total, &pages_rss);
  fclose(f);
  return n == 2 ? pages_rss * sysconf(_SC_PAGESIZE) : 0;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_info_fields(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    out.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return out;
}

Metrics::Metrics(Server& server) : server_(server) {}
Metrics::~Metrics() = default;

std::string Metrics::start() {
  const Settings& s = server_.settings();
  if (s.metrics_port <= 0) return "";
  std::string err;
  exporter_ = metrics::Exporter::start(s.metrics_bind, s.metrics_port, &err);
  if (!exporter_) return err;
  LOG_NOTICE("Prometheus metrics on http://%s:%d/metrics", s.metrics_bind.c_str(), exporter_->port());
  exporter_->publish(collect());
  server_.add_periodic(1000, [this](int64_t) { exporter_->publish(collect()); });
  return "";
}

std::vector<prometheus::MetricFamily> Metrics::collect() const {
  Server& srv = server_;
  const Stats& st = srv.stats();
  std::vector<prometheus::MetricFamily> out;
  auto counter = [&](const std::string& name, const std::string& help, double v) {
    out.push_back(metrics::Family(name, help, MetricType::Counter).add(v).take());
  };
  auto gauge = [&](const std::string& name, const std::string& help, double v) {
    out.push_back(metrics::Family(name, help, MetricType::Gauge).add(v).take());
  };

  gauge("datanode_uptime_seconds", "Seconds since the datanode started.",
        static_cast<double>(util::mono_ms() - srv.start_time_ms()) / 1000.0);
  gauge("datanode_connected_clients", "Client connections currently open.", static_cast<double>(srv.clients().size()));
  counter("datanode_connections_received_total", "Client connections accepted since start.",
          static_cast<double>(st.total_connections));
  counter("datanode_connections_rejected_total", "Client connections refused (maxclients, protected mode).",
          static_cast<double>(st.rejected_connections));
  counter("datanode_commands_processed_total", "Commands executed since start.", static_cast<double>(st.total_commands));
  counter("datanode_error_replies_total", "Error replies sent since start.", static_cast<double>(st.total_error_replies));
  counter("datanode_keyspace_hits_total", "Key lookups that found the key.", static_cast<double>(st.keyspace_hits));
  counter("datanode_keyspace_misses_total", "Key lookups that did not find the key.", static_cast<double>(st.keyspace_misses));
  counter("datanode_expired_keys_total", "Keys removed because their TTL ran out.", static_cast<double>(st.expired_keys));
  counter("datanode_net_input_bytes_total", "Bytes read from clients.", static_cast<double>(st.net_input_bytes));
  counter("datanode_net_output_bytes_total", "Bytes of replies produced for clients.", static_cast<double>(st.net_output_bytes));

  metrics::Family calls("datanode_command_calls_total", "Calls per command.", MetricType::Counter);
  metrics::Family usec("datanode_command_duration_seconds_total", "Time spent executing each command.",
                       MetricType::Counter);
  for (const auto& [name, cmd] : srv.commands().all()) {
    if (cmd.calls == 0) continue;
    calls.add(static_cast<double>(cmd.calls), {{"cmd", name}});
    usec.add(static_cast<double>(cmd.usec) / 1e6, {{"cmd", name}});
  }
  out.push_back(calls.take());
  out.push_back(usec.take());

  metrics::Family keys("datanode_keys", "Keys per database.", MetricType::Gauge);
  metrics::Family expiring("datanode_expiring_keys", "Keys with a TTL per database.", MetricType::Gauge);
  int index = 0;
  for (const store::Database& db : srv.databases()) {
    if (db.size() > 0) {
      keys.add(static_cast<double>(db.size()), {{"db", std::to_string(index)}});
      expiring.add(static_cast<double>(db.volatile_count()), {{"db", std::to_string(index)}});
    }
    ++index;
  }
  out.push_back(keys.take());
  out.push_back(expiring.take());

  gauge("datanode_memory_used_bytes", "Bytes allocated by the datanode and not freed (allocator view).",
        static_cast<double>(allocator::stats().allocated));
  gauge("datanode_memory_max_bytes", "maxmemory (0: no limit).",
        static_cast<double>(srv.settings().maxmemory));
  counter("datanode_evicted_keys_total", "Keys evicted to stay under maxmemory.",
          static_cast<double>(st.evicted_keys));
  counter("datanode_evicted_clients_total", "Clients closed to stay under maxmemory-clients.",
          static_cast<double>(srv.memory() ? srv.memory()->evicted_clients() : 0));
  gauge("datanode_memory_rss_bytes", "Resident set size of the process.", static_cast<double>(rss_bytes()));

  auto persistence = section_fields(srv, "persistence");
  gauge("datanode_aof_enabled", "1 when the append-only file is on.", number(persistence, "aof_enabled"));
  gauge("datanode_aof_rewrite_in_progress", "1 while an AOF rewrite runs.", number(persistence, "aof_rewrite_in_progress"));
  gauge("datanode_aof_last_write_ok", "1 when the last AOF write succeeded, 0 after a write error.",
        persistence.count("aof_last_write_status") ? (persistence["aof_last_write_status"] == "ok" ? 1 : 0) : 1);
  gauge("datanode_aof_size_bytes", "Current size of the append-only file.", number(persistence, "aof_current_size"));
  counter("datanode_aof_delayed_fsync_total", "Times an fsync took over 2 seconds.", number(persistence, "aof_delayed_fsync"));

  auto repl = section_fields(srv, "replication");
  std::string role = repl.count("role") ? repl["role"] : (srv.is_replica() ? "slave" : "master");
  metrics::Family role_family("datanode_replication_role", "Replication role: 1 for the current one.", MetricType::Gauge);
  role_family.add(role == "master" ? 1 : 0, {{"role", "master"}});
  role_family.add(role == "master" ? 0 : 1, {{"role", "replica"}});
  out.push_back(role_family.take());
  gauge("datanode_replication_offset_bytes", "Replication offset (master_repl_offset).",
        number(repl, "master_repl_offset"));
  gauge("datanode_connected_replicas", "Replicas connected to this master.", number(repl, "connected_slaves"));
  if (role != "master")
    gauge("datanode_master_link_up", "1 when the link to the master is up.", repl["master_link_status"] == "up" ? 1 : 0);
  counter("datanode_replica_unapplied_commands_total",
          "Commands of the master's stream this replica could not apply (each forces a full resync).",
          number(repl, "master_stream_unapplied_commands"));
  gauge("datanode_master_fenced", "1 while this master refuses writes until its role is confirmed (fencing).",
        number(repl, "master_fenced"));
  counter("datanode_fenced_write_refusals_total", "Writes refused while fenced as a possibly demoted master.",
          number(repl, "master_fenced_write_refusals"));
  gauge("datanode_failover_epoch", "Highest failover (config) epoch seen in a sentinel hello, persisted.",
        number(repl, "master_failover_epoch"));
  counter("datanode_stale_promotions_refused_total",
          "REPLICAOF NO ONE refused from a sentinel whose epoch is older than the failover epoch seen.",
          number(repl, "master_stale_promotions_refused"));
  metrics::Family lag("datanode_replica_lag_seconds", "Seconds since each replica's last acknowledgement.",
                      MetricType::Gauge);
  metrics::Family replica_offset("datanode_replica_offset_bytes", "Replication offset acknowledged by each replica.",
                                 MetricType::Gauge);
  for (const auto& [k, v] : repl) {
    if (k.rfind("slave", 0) != 0 || v.find("ip=") == std::string::npos) continue;
    std::map<std::string, std::string> f;
    std::istringstream in(v);
    std::string part;
    while (std::getline(in, part, ',')) {
      size_t eq = part.find('=');
      if (eq != std::string::npos) f[part.substr(0, eq)] = part.substr(eq + 1);
    }
    std::string who = f["ip"] + ":" + f["port"];
    lag.add(number(f, "lag"), {{"replica", who}});
    replica_offset.add(number(f, "offset"), {{"replica", who}});
  }
  out.push_back(lag.take());
  out.push_back(replica_offset.take());
  if (srv.cluster() != nullptr) append_cluster_metrics(*srv.cluster(), out);
  return out;
}

}  // namespace datanode
