#include "datanode/cluster/cluster_metrics.h"

#include "common/metrics/exporter.h"
#include "datanode/cluster/cluster.h"

namespace datanode {

using prometheus::MetricType;

namespace {

// Elections and votes of this node (failover.cpp, manual_failover.cpp, replica_migration.cpp).
void append_failover_metrics(Cluster& cl, std::vector<prometheus::MetricFamily>& out) {
  const cluster::FailoverState& fo = cl.failover();
  auto counter = [&](const std::string& name, const std::string& help, double v) {
    out.push_back(metrics::Family(name, help, MetricType::Counter).add(v).take());
  };
  counter("datanode_cluster_failovers_started_total",
          "Failover elections this replica started (automatic and manual).",
          static_cast<double>(fo.elections_started));
  counter("datanode_cluster_failovers_won_total", "Failover elections this replica won.",
          static_cast<double>(fo.elections_won));
  metrics::Family lost("datanode_cluster_failovers_lost_total",
                       "Failover attempts that did not make this replica master, by reason.",
                       MetricType::Counter);
  lost.add(static_cast<double>(fo.elections_lost[static_cast<size_t>(cluster::LostReason::kExpired)]),
           {{"reason", "expired"}});
  lost.add(static_cast<double>(fo.elections_lost[static_cast<size_t>(cluster::LostReason::kDataAge)]),
           {{"reason", "data_age"}});
  out.push_back(lost.take());
  counter("datanode_cluster_manual_failovers_total",
          "CLUSTER FAILOVER requests accepted (TAKEOVER included).", static_cast<double>(fo.manual_started));
  counter("datanode_cluster_takeovers_total", "CLUSTER FAILOVER TAKEOVER requests carried out.",
          static_cast<double>(fo.takeovers));
  metrics::Family votes("datanode_cluster_failover_votes_total",
                        "FAILOVER_AUTH_REQUESTs this master answered, by outcome.", MetricType::Counter);
  votes.add(static_cast<double>(fo.votes_granted), {{"outcome", "granted"}});
  votes.add(static_cast<double>(fo.votes_denied), {{"outcome", "denied"}});
  out.push_back(votes.take());
  counter("datanode_cluster_replica_migrations_total", "Moves of this replica to an orphaned master.",
          static_cast<double>(fo.replica_migrations));
  counter("datanode_cluster_fail_to_master_seconds_sum",
          "Seconds from the old master's FAIL to this node's promotion, summed over won elections.",
          fo.fail_to_master_seconds_sum);
  counter("datanode_cluster_fail_to_master_seconds_count", "Won elections measured in the sum above.",
          static_cast<double>(fo.fail_to_master_count));
  out.push_back(metrics::Family("datanode_cluster_last_fail_to_master_seconds",
                                "Seconds from FAIL to promotion in the last election this node won.",
                                MetricType::Gauge)
                    .add(fo.last_fail_to_master_seconds)
                    .take());
}

}  // namespace

void append_cluster_metrics(Cluster& cl, std::vector<prometheus::MetricFamily>& out) {
  cluster::State& st = cl.state();
  auto gauge = [&](const std::string& name, const std::string& help, double v) {
    out.push_back(metrics::Family(name, help, MetricType::Gauge).add(v).take());
  };
  gauge("datanode_cluster_state_ok", "Cluster state as CLUSTER INFO reports it: 1 ok, 0 fail.",
        st.ok ? 1 : 0);
  gauge("datanode_cluster_known_nodes", "Nodes in this node's table, itself included.",
        static_cast<double>(st.nodes.size()));
  gauge("datanode_cluster_size", "Masters serving at least one slot.", st.size);
  gauge("datanode_cluster_current_epoch", "The cluster's currentEpoch as this node knows it.",
        static_cast<double>(st.current_epoch));
  int assigned = 0, ok = 0, pfail = 0, fail = 0;
  for (cluster::Node* n : st.owner) {
    if (n == nullptr) continue;
    assigned++;
    if (n->has(cluster::kFail))
      fail++;
    else if (n->has(cluster::kPFail))
      pfail++;
    else
      ok++;
  }
  metrics::Family slots("datanode_cluster_slots", "Hash slots by state (assigned, ok, pfail, fail).",
                        MetricType::Gauge);
  slots.add(assigned, {{"state", "assigned"}});
  slots.add(ok, {{"state", "ok"}});
  slots.add(pfail, {{"state", "pfail"}});
  slots.add(fail, {{"state", "fail"}});
  out.push_back(slots.take());
  metrics::Family sent("datanode_cluster_messages_sent_total", "Cluster bus messages sent, by type.",
                       MetricType::Counter);
  metrics::Family received("datanode_cluster_messages_received_total",
                           "Cluster bus messages received, by type.", MetricType::Counter);
  for (int t = 0; t < cluster::Stats::kTypes; ++t) {
    std::string type = cluster::msg_type_name(static_cast<uint16_t>(t));
    sent.add(static_cast<double>(st.stats.sent[static_cast<size_t>(t)]), {{"type", type}});
    received.add(static_cast<double>(st.stats.received[static_cast<size_t>(t)]), {{"type", type}});
  }
  out.push_back(sent.take());
  out.push_back(received.take());
  gauge("datanode_cluster_links", "Cluster bus links in use (both directions).",
        static_cast<double>(cl.connection_count()));
  append_migration_metrics(cl, out);
  append_failover_metrics(cl, out);
}

}  // namespace datanode
