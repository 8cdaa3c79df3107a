#include "common/metrics/exporter.h"
#include "datanode/cluster/cluster.h"
#include "datanode/cluster/cluster_metrics.h"

namespace datanode {

using prometheus::MetricType;

void append_migration_metrics(Cluster& cl, std::vector<prometheus::MetricFamily>& out) {
  const cluster::State& st = cl.state();
  double migrating = 0, importing = 0;
  for (size_t i = 0; i < cluster::kSlots; ++i) {
    migrating += st.migrating_to[i] != nullptr;
    importing += st.importing_from[i] != nullptr;
  }
  metrics::Family open("datanode_cluster_open_slots",
                       "Slots being moved off (migrating) or onto (importing) this node.", MetricType::Gauge);
  open.add(migrating, {{"state", "migrating"}});
  open.add(importing, {{"state", "importing"}});
  out.push_back(open.take());
  const Migrator& m = cl.migrator();
  auto counter = [&](const std::string& name, const std::string& help, uint64_t v) {
    out.push_back(metrics::Family(name, help, MetricType::Counter).add(static_cast<double>(v)).take());
  };
  counter("datanode_migrate_calls_total", "MIGRATE commands that had keys to send.", m.migrate_calls);
  counter("datanode_migrate_errors_total", "MIGRATE commands that failed (I/O or the target's error).",
          m.migrate_errors);
  counter("datanode_migrate_keys_sent_total", "Keys the targets of MIGRATE acknowledged.", m.keys_sent);
  counter("datanode_migrate_keys_deleted_total", "Keys deleted here after their MIGRATE (no COPY).",
          m.keys_deleted);
}

}  // namespace datanode
