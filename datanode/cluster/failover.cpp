// Automatic failover (Redis 7.0's clusterHandleSlaveFailover and clusterSendFailoverAuthIfNeeded): a
// replica of a FAIL master waits 500 ms + random(0..500) + rank x 1000 ms, asks every master for its
// vote in a new epoch, and with a majority of slot-serving masters takes the slots under that epoch. A
// master grants one vote per epoch, persisted (fsynced) before the ACK leaves.
#include <random>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "datanode/cluster/cluster.h"
#include "datanode/cluster/link.h"
#include "datanode/replication/replication.h"

namespace datanode {

using namespace cluster;

namespace {

enum CantFailover { kCantNone = 0, kCantDataAge, kCantWaitingDelay, kCantExpired, kCantWaitingVotes };

constexpr int64_t kCantFailoverRelogMs = 5 * 60 * 1000;

}  // namespace

int64_t Cluster::my_repl_offset() const { return server_.replication().master_repl_offset(); }

// Replicas of the same master that may fail over and claim more data than we have.
int Cluster::replica_rank() {
  Node* master = st_.master_of(myself());
  if (master == nullptr) return 0;
  int64_t mine = my_repl_offset();
  int rank = 0;
  for (Node* r : st_.replicas_of(*master))
    if (r != st_.myself && !r->has(kNoFailover) && r->repl_offset > mine) rank++;
  return rank;
}

// Logs why we cannot fail over only when the reason changes (or every five minutes), and not at all
// in the first seconds after the master failed, when waiting is normal.
void Cluster::log_cant_failover(int reason, int64_t now) {
  if (reason == fo_.cant_reason && now - fo_.cant_logged_ms < kCantFailoverRelogMs) return;
  fo_.cant_reason = reason;
  Node* master = st_.master_of(myself());
  if (master && master->has(kFail) &&
      now - master->fail_time_ms < server_.settings().cluster_node_timeout + 5000)
    return;
  const char* msg = "Unknown reason code.";
  switch (reason) {
    case kCantDataAge:
      msg =
          "Disconnected from master for longer than allowed. Please check the "
          "'cluster-replica-validity-factor' configuration option.";
      break;
    case kCantWaitingDelay: msg = "Waiting the delay before I can start a new failover."; break;
    case kCantExpired: msg = "Failover attempt expired."; break;
    case kCantWaitingVotes: msg = "Waiting for votes, but majority still not reached."; break;
  }
  fo_.cant_logged_ms = now;
  LOG_WARNING("Currently unable to failover: %s", msg);
}

void Cluster::handle_replica_failover(int64_t now) {
  const Settings& s = server_.settings();
  Node& me = myself();
  Node* master = st_.master_of(me);
  bool manual = fo_.mf_end_ms != 0 && fo_.mf_can_start;
  int64_t timeout = s.cluster_node_timeout;
  int64_t auth_timeout = std::max<int64_t>(2 * timeout, 2000);
  int64_t auth_retry = 2 * auth_timeout;
  if (me.is_master() || master == nullptr || (!master->has(kFail) && !manual) ||
      (s.cluster_replica_no_failover && !manual) || master->numslots == 0) {
    fo_.cant_reason = kCantNone;
    return;
  }
  // Being cut off from the master for the time it took to flag it FAIL is the baseline.
  int64_t data_age = server_.replication().master_silence_ms(util::mono_ms());
  if (data_age > timeout) data_age -= timeout;
  if (s.cluster_replica_validity_factor != 0 &&
      data_age > static_cast<int64_t>(s.repl_ping_replica_period) * 1000 +
                     timeout * s.cluster_replica_validity_factor &&
      !manual) {
    if (fo_.cant_reason != kCantDataAge) fo_.elections_lost[static_cast<size_t>(LostReason::kDataAge)]++;
    log_cant_failover(kCantDataAge, now);
    return;
  }

  int64_t auth_age = now - fo_.auth_time_ms;
  if (auth_age > auth_retry) {
    std::random_device rd;
    fo_.auth_time_ms = now + 500 + static_cast<int64_t>(rd() % 500);
    fo_.auth_count = 0;
    fo_.auth_sent = false;
    fo_.attempt_closed = false;
    fo_.auth_rank = replica_rank();
    fo_.auth_time_ms += static_cast<int64_t>(fo_.auth_rank) * 1000;
    if (fo_.mf_end_ms != 0) {
      fo_.auth_time_ms = now;
      fo_.auth_rank = 0;
    }
    LOG_WARNING("Start of election delayed for %lld milliseconds (rank #%d, offset %lld).",
                static_cast<long long>(fo_.auth_time_ms - now), fo_.auth_rank,
                static_cast<long long>(my_repl_offset()));
    // Our siblings compute their rank from our offset: tell them now.
    for (Node* r : st_.replicas_of(*master))
      if (r != st_.myself && r->link && r->link->connected()) send_ping(r->link, kMsgPong);
    if (fo_.mf_end_ms != 0) handle_replica_failover(now);
    return;
  }

  // Fresher offsets from siblings since the delay was computed push us back.
  if (!fo_.auth_sent && fo_.mf_end_ms == 0) {
    int rank = replica_rank();
    if (rank > fo_.auth_rank) {
      int64_t added = static_cast<int64_t>(rank - fo_.auth_rank) * 1000;
      fo_.auth_time_ms += added;
      fo_.auth_rank = rank;
      LOG_WARNING("Replica rank updated to #%d, added %lld milliseconds of delay.", rank,
                  static_cast<long long>(added));
    }
  }
  if (now < fo_.auth_time_ms) {
    log_cant_failover(kCantWaitingDelay, now);
    return;
  }
  if (auth_age > auth_timeout) {
    if (fo_.auth_sent && !fo_.attempt_closed) {
      fo_.attempt_closed = true;
      fo_.elections_lost[static_cast<size_t>(LostReason::kExpired)]++;
    }
    log_cant_failover(kCantExpired, now);
    return;
  }
  if (!fo_.auth_sent) {
    st_.current_epoch++;
    fo_.auth_epoch = st_.current_epoch;
    LOG_WARNING("Starting a failover election for epoch %llu.",
                static_cast<unsigned long long>(st_.current_epoch));
    // The epoch we asked under must survive a crash before anyone can answer.
    save_config();
    Message req = header(kMsgAuthRequest);
    if (fo_.mf_end_ms != 0) req.mflags |= kMFlagForceAck;
    broadcast(req);
    fo_.auth_sent = true;
    fo_.elections_started++;
    todo_update_state();
    return;
  }
  if (fo_.auth_count >= st_.size / 2 + 1) {
    LOG_WARNING("Failover election won: I'm the new master.");
    if (me.config_epoch < fo_.auth_epoch) {
      me.config_epoch = fo_.auth_epoch;
      LOG_WARNING("configEpoch set to %llu after successful failover",
                  static_cast<unsigned long long>(me.config_epoch));
    }
    fo_.elections_won++;
    if (master->fail_time_ms != 0 && master->has(kFail)) {
      double secs = static_cast<double>(now - master->fail_time_ms) / 1000.0;
      fo_.last_fail_to_master_seconds = secs;
      fo_.fail_to_master_seconds_sum += secs;
      fo_.fail_to_master_count++;
    }
    replace_my_master();
  } else {
    log_cant_failover(kCantWaitingVotes, now);
  }
}

// The end of every failover (automatic, manual, takeover): we become the master and own its slots.
void Cluster::replace_my_master() {
  Node& me = myself();
  Node* old = st_.master_of(me);
  if (me.is_master() || old == nullptr) return;
  set_node_as_master(&me);
  server_.replication().unset_master("cluster failover");
  SlotBitmap taken = old->slots;
  for (int s = 0; s < kSlots; ++s) {
    if (!slot_test(taken, s)) continue;
    st_.del_slot(s);
    st_.add_slot(&me, s);
  }
  update_state();
  save_config();
  // Everyone learns the new owner at once (the higher configEpoch wins the slots on each node).
  for (auto& [id, n] : st_.nodes) {
    if (n.get() == st_.myself || n->link == nullptr || !n->link->connected() || n->has(kHandshake)) continue;
    send_ping(n->link, kMsgPong);
  }
  reset_manual_failover();
}

void Cluster::handle_auth_request(Node* node, const Message& m) {
  Node& me = myself();
  if (me.is_replica() || me.numslots == 0) return;
  fo_.votes_denied++;
  if (m.current_epoch < st_.current_epoch) {
    LOG_WARNING("Failover auth denied to %.40s: reqEpoch (%llu) < curEpoch(%llu)", node->id.c_str(),
                static_cast<unsigned long long>(m.current_epoch),
                static_cast<unsigned long long>(st_.current_epoch));
    return;
  }
  if (st_.last_vote_epoch == st_.current_epoch) {
    LOG_WARNING("Failover auth denied to %.40s: already voted for epoch %llu", node->id.c_str(),
                static_cast<unsigned long long>(st_.current_epoch));
    return;
  }
  Node* master = node->is_replica() ? st_.find(node->master_id) : nullptr;
  bool force_ack = (m.mflags & kMFlagForceAck) != 0;
  if (node->is_master()) {
    LOG_WARNING("Failover auth denied to %.40s: it is a master node", node->id.c_str());
    return;
  }
  if (master == nullptr) {
    LOG_WARNING("Failover auth denied to %.40s: I don't know its master", node->id.c_str());
    return;
  }
  if (!master->has(kFail) && !force_ack) {
    LOG_WARNING("Failover auth denied to %.40s: its master is up", node->id.c_str());
    return;
  }
  int64_t now = util::unix_ms();
  int64_t spacing = 2 * server_.settings().cluster_node_timeout;
  auto voted = fo_.voted_time_ms.find(master->id);
  if (voted != fo_.voted_time_ms.end() && now - voted->second < spacing) {
    LOG_WARNING("Failover auth denied to %.40s: can't vote about this master before %lld milliseconds",
                node->id.c_str(), static_cast<long long>(spacing - (now - voted->second)));
    return;
  }
  for (int s = 0; s < kSlots; ++s) {
    if (!slot_test(m.myslots, s)) continue;
    Node* owner = st_.owner[static_cast<size_t>(s)];
    if (owner == nullptr || owner->config_epoch <= m.config_epoch) continue;
    LOG_WARNING("Failover auth denied to %.40s: slot %d epoch (%llu) > reqEpoch (%llu)", node->id.c_str(), s,
                static_cast<unsigned long long>(owner->config_epoch),
                static_cast<unsigned long long>(m.config_epoch));
    return;
  }
  fo_.votes_denied--;
  fo_.votes_granted++;
  st_.last_vote_epoch = st_.current_epoch;
  fo_.voted_time_ms[master->id] = now;
  // The vote is on disk (fsynced) before the ACK can leave: a restarted master cannot vote twice.
  save_config();
  send(node->link, header(kMsgAuthAck));
  LOG_WARNING("Failover auth granted to %.40s for epoch %llu", node->id.c_str(),
              static_cast<unsigned long long>(st_.current_epoch));
}

void Cluster::handle_auth_ack(Node* sender, const Message& m) {
  if (!sender->is_master() || sender->numslots == 0 || m.current_epoch < fo_.auth_epoch) return;
  fo_.auth_count++;
  // A majority may be there now: do not wait for the next tick.
  handle_replica_failover(util::unix_ms());
}

}  // namespace datanode
