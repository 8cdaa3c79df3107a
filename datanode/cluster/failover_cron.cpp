// The failover part of the 10 Hz cluster cron (Redis 7.0's clusterCron tail): our NOFAILOVER flag,
// FAIL verdicts for PFAIL nodes, the manual failover's timeout and pings, the replica's election, and
// replica migration when a master is orphaned.
#include "common/log/log.h"
#include "datanode/cluster/cluster.h"
#include "datanode/cluster/link.h"

namespace datanode {

using namespace cluster;

void Cluster::failover_cron(int64_t now) {
  Node& me = myself();
  // cluster-replica-no-failover travels as our NOFAILOVER flag, so siblings leave us out of their rank.
  uint16_t nofailover = server_.settings().cluster_replica_no_failover ? kNoFailover : 0;
  if ((me.flags & kNoFailover) != nofailover) {
    me.flags = static_cast<uint16_t>((me.flags & ~kNoFailover) | nofailover);
    todo_save(false);
  }
  std::vector<Node*> pfail;
  for (auto& [id, n] : st_.nodes) {
    if (n->has(kPFail)) pfail.push_back(n.get());
    // A master with a replica is a valid target for replica migration once it loses them all.
    if (!n->is_replica()) continue;
    if (Node* m = st_.find(n->master_id); m != nullptr && m->is_master()) m->flags |= kMigrateTo;
  }
  // Reports that arrived before our own PFAIL verdict count as soon as we have it.
  for (Node* n : pfail) mark_failing_if_needed(n);
  if (fo_.mf_end_ms != 0 && fo_.mf_end_ms < now) {
    LOG_WARNING("Manual failover timed out.");
    reset_manual_failover();
  }
  if (me.is_master()) {
    if (fo_.mf_end_ms != 0) {
      Node* r = st_.find(fo_.mf_replica);
      if (r && r->link && r->link->connected()) send_ping(r->link, kMsgPing);
    }
    return;
  }
  handle_manual_failover();
  handle_replica_failover(now);

  // Orphaned masters, and whether our master has the most working replicas.
  int orphaned = 0, max_replicas = 0, this_replicas = 0;
  for (auto& [id, n] : st_.nodes) {
    if (n.get() == st_.myself || n->has(kNoAddr | kHandshake) || !n->is_master() || n->has(kFail)) continue;
    int ok = 0;
    for (Node* r : st_.replicas_of(*n))
      if (!r->has(kFail)) ok++;
    if (ok == 0 && n->numslots > 0 && n->has(kMigrateTo)) orphaned++;
    max_replicas = std::max(max_replicas, ok);
    if (me.master_id == n->id) this_replicas = ok;
  }
  if (orphaned && max_replicas >= 2 && this_replicas == max_replicas &&
      server_.settings().cluster_allow_replica_migration)
    handle_replica_migration(max_replicas, now);
}

}  // namespace datanode
