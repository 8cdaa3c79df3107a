// CLUSTER FAILOVER (Redis 7.0's manual failover). The replica sends MFSTART; its master pauses writes
// (CLIENT PAUSE WRITE semantics) for 2 x 5 s and flags its packets PAUSED; the replica takes the offset
// from the first PAUSED packet, waits until it has applied that much, then runs an election at once
// with FORCEACK, so no acknowledged write is lost. FORCE skips the handshake, TAKEOVER the election.
// failover_cron.cpp drives its timeout and pings the replica while its master is paused.
#include "common/log/log.h"
#include "common/util/clock.h"
#include "datanode/cluster/cluster.h"
#include "datanode/cluster/link.h"
#include "datanode/server/client_pause.h"

namespace datanode {

using namespace cluster;

namespace {
constexpr int64_t kManualFailoverTimeoutMs = 5000;  // CLUSTER_MF_TIMEOUT
constexpr int64_t kPauseMultiplier = 2;             // CLUSTER_MF_PAUSE_MULT
}  // namespace

std::string Cluster::manual_failover(bool force, bool takeover) {
  Node& me = myself();
  Node* master = st_.master_of(me);
  if (me.is_master()) return "You should send CLUSTER FAILOVER to a replica";
  if (master == nullptr) return "I'm a replica but my master is unknown to me";
  if (!force && (master->has(kFail) || master->link == nullptr || !master->link->connected()))
    return "Master is down or failed, please use CLUSTER FAILOVER FORCE";
  reset_manual_failover();
  fo_.mf_end_ms = util::unix_ms() + kManualFailoverTimeoutMs;
  fo_.manual_started++;
  if (takeover) {
    // No agreement: a new epoch of our own, the slots, and the news.
    LOG_WARNING("Taking over the master (user request).");
    fo_.takeovers++;
    bump_config_epoch();
    replace_my_master();
  } else if (force) {
    LOG_WARNING("Forced failover user request accepted.");
    fo_.mf_can_start = true;
  } else {
    LOG_WARNING("Manual failover user request accepted.");
    send(master->link, header(kMsgMfStart));
  }
  return "";
}

void Cluster::reset_manual_failover() {
  // A master paused its writes for this failover: whatever the outcome, they resume now.
  if (!fo_.mf_replica.empty()) server_.client_pause().unpause(PausePurpose::kFailover);
  fo_.mf_end_ms = 0;
  fo_.mf_can_start = false;
  fo_.mf_replica.clear();
  fo_.mf_master_offset = -1;
}

void Cluster::handle_mfstart(Link* link, Node* sender) {
  if (sender == nullptr || !sender->is_replica() || sender->master_id != myself().id) return;
  reset_manual_failover();
  int64_t now = util::unix_ms();
  fo_.mf_end_ms = now + kManualFailoverTimeoutMs;
  fo_.mf_replica = sender->id;
  server_.client_pause().pause(PausePurpose::kFailover,
                              util::mono_ms() + kManualFailoverTimeoutMs * kPauseMultiplier, PauseType::kWrite);
  LOG_WARNING("Manual failover requested by replica %.40s.", sender->id.c_str());
  // This PING carries the offset we paused at, so the replica can start as soon as it has it.
  send_ping(link, kMsgPing);
}

void Cluster::note_master_offset(Node* sender, const Message& m) {
  Node& me = myself();
  if (fo_.mf_end_ms == 0 || !me.is_replica() || me.master_id != sender->id || !(m.mflags & kMFlagPaused) ||
      fo_.mf_master_offset != -1)
    return;
  fo_.mf_master_offset = static_cast<int64_t>(m.offset);
  LOG_WARNING("Received replication offset for paused master manual failover: %lld",
              static_cast<long long>(fo_.mf_master_offset));
  handle_manual_failover();
}

void Cluster::handle_manual_failover() {
  if (fo_.mf_end_ms == 0 || fo_.mf_can_start || fo_.mf_master_offset == -1) return;
  // At least the master's paused offset: a replication PING appended after the pause may add a few
  // bytes beyond it, which carry no write.
  if (my_repl_offset() < fo_.mf_master_offset) return;
  fo_.mf_can_start = true;
  LOG_WARNING("All master replication stream processed, manual failover can start.");
  handle_replica_failover(util::unix_ms());
}

}  // namespace datanode
