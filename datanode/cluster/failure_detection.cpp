// Failure detection (Redis 7.0's markNodeAsFailingIfNeeded / clearNodeFailureIfNeeded): a node we
// see as PFAIL becomes FAIL once failure reports from a majority of slot-serving masters agree (our own
// opinion counts when we are a master), and everyone is told with a FAIL message; the flag is cleared
// again by a PONG under the rules below.
#include "common/log/log.h"
#include "common/util/clock.h"
#include "datanode/cluster/cluster.h"

namespace datanode {

using namespace cluster;

void Cluster::mark_failing_if_needed(Node* n) {
  if (n == nullptr || n == st_.myself) return;
  if (!n->has(kPFail) || n->has(kFail)) return;
  int needed = st_.size / 2 + 1;
  int64_t now = util::unix_ms();
  int64_t validity = 2 * server_.settings().cluster_node_timeout;
  std::erase_if(n->fail_reports, [&](const auto& r) { return now - r.second > validity; });
  int failures = static_cast<int>(n->fail_reports.size());
  if (myself().is_master()) failures++;
  if (failures < needed) return;
  LOG_NOTICE("Marking node %.40s as failing (quorum reached).", n->id.c_str());
  n->flags &= static_cast<uint16_t>(~kPFail);
  n->flags |= kFail;
  n->fail_time_ms = now;
  // Replicas broadcast too: the reports came from masters, they only help the news travel.
  Message fail = header(kMsgFail);
  fail.about = n->id;
  broadcast(fail);
  todo_update_state();
  todo_save(false);
}

void Cluster::clear_failure_if_needed(Node* n, int64_t now) {
  if (!n->has(kFail)) return;
  if (n->is_replica() || n->numslots == 0) {
    LOG_NOTICE("Clear FAIL state for node %.40s: %s is reachable again.", n->id.c_str(),
               n->is_replica() ? "replica" : "master without slots");
    n->flags &= static_cast<uint16_t>(~kFail);
    todo_update_state();
    todo_save(false);
    return;
  }
  // A master still serving its slots after a while: nobody failed it over, so it is back.
  if (now - n->fail_time_ms > 2 * server_.settings().cluster_node_timeout) {
    LOG_NOTICE(
        "Clear FAIL state for node %.40s: is reachable again and nobody is serving its slots after some "
        "time.",
        n->id.c_str());
    n->flags &= static_cast<uint16_t>(~kFail);
    todo_update_state();
    todo_save(false);
  }
}

}  // namespace datanode
