// Replica migration (Redis 7.0's clusterHandleSlaveMigration): a replica of a master that keeps more
// than cluster-migration-barrier working replicas moves to a master left without any, when it is the
// replica with the smallest id among the best-provided masters and the target has been orphaned for
// 5 s (giving a failed-over master's own replicas time to switch first).
#include "common/log/log.h"
#include "datanode/cluster/cluster.h"

namespace datanode {

using namespace cluster;

namespace {
constexpr int64_t kMigrationDelayMs = 5000;  // CLUSTER_SLAVE_MIGRATION_DELAY
}

void Cluster::handle_replica_migration(int max_replicas, int64_t now) {
  Node& me = myself();
  if (!st_.ok) return;
  Node* mymaster = st_.master_of(me);
  if (mymaster == nullptr) return;
  int ok_here = 0;
  for (Node* r : st_.replicas_of(*mymaster))
    if (!r->has(kFail | kPFail)) ok_here++;
  if (ok_here <= server_.settings().cluster_migration_barrier) return;

  Node* target = nullptr;
  Node* candidate = &me;
  for (auto& [id, up] : st_.nodes) {
    Node* n = up.get();
    int ok = 0;
    bool orphaned = n->is_master() && !n->has(kFail) && n->has(kMigrateTo);
    std::vector<Node*> replicas = n->is_master() ? st_.replicas_of(*n) : std::vector<Node*>{};
    for (Node* r : replicas)
      if (!r->has(kFail)) ok++;
    if (ok > 0) orphaned = false;
    if (orphaned) {
      if (target == nullptr && n->numslots > 0) target = n;
      fo_.orphaned_since_ms.try_emplace(n->id, now);
    } else {
      fo_.orphaned_since_ms.erase(n->id);
    }
    if (ok == max_replicas)
      for (Node* r : replicas)
        if (r->id < candidate->id) candidate = r;
  }
  if (target == nullptr || candidate != &me) return;
  if (now - fo_.orphaned_since_ms[target->id] <= kMigrationDelayMs) return;
  LOG_WARNING("Migrating to orphaned master %.40s", target->id.c_str());
  fo_.replica_migrations++;
  set_my_master(target);
}

}  // namespace datanode
