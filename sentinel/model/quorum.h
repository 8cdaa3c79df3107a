// Whether the sentinels watching a master can still agree on it: enough usable sentinels for the
// quorum (ODOWN) and for a majority (electing the failover leader). SENTINEL CKQUORUM and the metrics
// both ask this.
#pragma once

#include "sentinel/model/instance.h"

namespace sentinel {

struct QuorumStatus {
  int usable = 1;  // sentinels not in SDOWN/ODOWN, counting ourselves
  int voters = 1;  // every known sentinel, counting ourselves
  bool quorum_ok() const { return usable >= quorum; }
  bool majority_ok() const { return usable >= voters / 2 + 1; }
  bool ok() const { return quorum_ok() && majority_ok(); }
  int quorum = 1;
};

inline QuorumStatus check_quorum(const Instance& master) {
  QuorumStatus q;
  q.quorum = master.quorum;
  for (const auto& [id, s] : master.sentinels)
    if (!s->is(kSDown) && !s->is(kODown)) ++q.usable;
  q.voters = static_cast<int>(master.sentinels.size()) + 1;
  return q;
}

}  // namespace sentinel
