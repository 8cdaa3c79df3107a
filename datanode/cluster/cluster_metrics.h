// Prometheus series of cluster mode: state, known nodes, slots by health, epochs, bus messages by type,
// elections (started/won/lost by reason), votes, and the time from FAIL to the new master.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

namespace datanode {

class Cluster;
void append_cluster_metrics(Cluster& cluster, std::vector<prometheus::MetricFamily>& out);
// Resharding: open slots and MIGRATE's counts (migration_metrics.cpp).
void append_migration_metrics(Cluster& cluster, std::vector<prometheus::MetricFamily>& out);

}  // namespace datanode
