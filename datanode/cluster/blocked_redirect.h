// Clients blocked (BLPOP, BZPOPMIN ...) on a key whose slot this node no longer serves would wait for a
// write that can never come here: they get -MOVED to the new owner, -CLUSTERDOWN Hash slot not served,
// or -CLUSTERDOWN The cluster is down, within a cron period (Redis checks from its clients cron).
#pragma once

namespace datanode {

class Cluster;

void redirect_blocked_clients(Cluster& cl);

}  // namespace datanode
