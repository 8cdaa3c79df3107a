// The larger CLUSTER replies (NODES, SLOTS, SHARDS, INFO, LINKS), in Redis 7.0's shapes: CLUSTER NODES and
// INFO are verbatim strings under RESP3, node metadata maps are empty arrays under RESP2.
#pragma once

#include <string>

#include "datanode/cluster/cluster.h"

namespace datanode {

std::string cluster_nodes_text(Cluster& cl);
void cluster_slots(Context& ctx, Cluster& cl);
void cluster_shards(Context& ctx, Cluster& cl);
void cluster_info(Context& ctx, Cluster& cl);
void cluster_links(Context& ctx, Cluster& cl);

}  // namespace datanode
