// The resharding side of CLUSTER (SETSLOT) and the key-moving commands around it.
#pragma once

#include "datanode/cluster/cluster.h"

namespace datanode {

// CLUSTER SETSLOT slot IMPORTING id | MIGRATING id | STABLE | NODE id (Redis 7.0 checks and texts).
void cluster_setslot(Context& ctx, Cluster& cl);

}  // namespace datanode
