// Replica selection for promotion, following the rules of Redis Sentinel (see selection.h).
#include "sentinel/failover/selection.h"

#include <strings.h>

namespace sentinel::failover {

const char* rejection_text(Rejection r) {
  switch (r) {
    case Rejection::kOk: return "ok";
    case Rejection::kDown: return "in SDOWN or ODOWN";
    case Rejection::kDisconnected: return "link disconnected";
    case Rejection::kNoRecentPing: return "no recent PING reply";
    case Rejection::kStaleInfo: return "INFO too old";
    case Rejection::kLinkDownTooLong: return "disconnected from the master for too long";
    case Rejection::kPriorityZero: return "replica-priority is 0";
  }
  return "?";
}

Rejection check_candidate(const ReplicaView& r, const SelectionParams& p) {
  if (r.sdown || r.odown) return Rejection::kDown;
  if (r.disconnected) return Rejection::kDisconnected;
  if (age_ms(p.now_ms, r.last_avail_ms) > p.ping_period_ms * 5) return Rejection::kNoRecentPing;
  if (r.priority == 0) return Rejection::kPriorityZero;
  // While the master is SDOWN the monitor refreshes replicas' INFO every second, so demand a fresh one;
  // otherwise INFO comes every info period and three missed ones is the limit.
  const int64_t info_validity = p.master_sdown ? p.ping_period_ms * 5 : p.info_period_ms * 3;
  if (age_ms(p.now_ms, r.info_refresh_ms) > info_validity) return Rejection::kStaleInfo;
  // A replica cut off from the master long before the master failed holds data too old to promote.
  int64_t max_master_down = p.down_after_ms * 10;
  if (p.master_sdown) max_master_down += p.now_ms - p.master_sdown_since_ms;
  if (r.master_link_down_ms > max_master_down) return Rejection::kLinkDownTooLong;
  return Rejection::kOk;
}

bool better_candidate(const ReplicaView& a, const ReplicaView& b) {
  if (a.priority != b.priority) return a.priority < b.priority;
  if (a.repl_offset != b.repl_offset) return a.repl_offset > b.repl_offset;
  if (a.runid.empty() || b.runid.empty()) return !a.runid.empty() && b.runid.empty();
  return strcasecmp(a.runid.c_str(), b.runid.c_str()) < 0;
}

std::optional<size_t> select_promotion_candidate(std::span<const ReplicaView> replicas,
                                                 const SelectionParams& p) {
  std::optional<size_t> best;
  for (size_t i = 0; i < replicas.size(); ++i) {
    if (check_candidate(replicas[i], p) != Rejection::kOk) continue;
    if (!best || better_candidate(replicas[i], replicas[*best])) best = i;
  }
  return best;
}

bool candidates_answered_since(std::span<const ReplicaView> replicas, const SelectionParams& p,
                               int64_t since_ms) {
  for (const ReplicaView& r : replicas) {
    if (r.info_refresh_ms >= since_ms) continue;
    // A replica whose only fault is an old INFO is a candidate too: during the failover it is polled
    // fast, so its refresh is worth the wait (in the 10 s INFO period before ODOWN, a lone sentinel's
    // replicas are often older than the 5 s limit of a master in SDOWN).
    ReplicaView refreshed = r;
    refreshed.info_refresh_ms = p.now_ms;
    if (check_candidate(refreshed, p) == Rejection::kOk) return false;
  }
  return true;
}

}  // namespace sentinel::failover
