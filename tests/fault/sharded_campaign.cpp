// The cluster fault campaign (sharded_campaign.h).
#include "sharded_campaign.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "harness.h"
#include "sharded_workload.h"

namespace fault {

using namespace std::chrono_literals;

const char* shard_fault_name(ShardFault f) {
  switch (f) {
    case ShardFault::kKillMaster: return "kill-master";
    case ShardFault::kStopMaster: return "stop-master";
    case ShardFault::kPartitionMaster: return "partition-master";
  }
  return "?";
}

ShardCampaign::ShardCampaign(ShardedCluster& cluster, ShardCampaignOptions opts,
                             std::function<int64_t()> now_ms, std::function<void(const std::string&)> log)
    : cluster_(cluster),
      opts_(std::move(opts)),
      now_ms_(std::move(now_ms)),
      log_(std::move(log)),
      rng_(opts_.seed) {}

void ShardCampaign::run() {
  // Every kind once per round, in an order the seed shuffles: a short campaign still covers them all.
  std::vector<ShardFault> order = opts_.kinds;
  std::shuffle(order.begin(), order.end(), rng_);
  for (int i = 0; i < opts_.faults; ++i) {
    ShardFault type = order[static_cast<size_t>(i) % order.size()];
    ShardFaultRecord r = apply(type);
    log_(std::string(shard_fault_name(type)) + " " + r.master_ep.str() + ": writable after " +
         std::to_string(r.writable_ms) + " ms" +
         (r.old_master_accepting_ms >= 0
              ? ", old master accepted writes for " + std::to_string(r.old_master_accepting_ms) + " ms"
              : "") +
         (r.failover_completed ? "" : ", FAILOVER NOT COMPLETED") +
         (r.healthy_after ? "" : ", NOT HEALTHY: " + cluster_.why_unhealthy()) +
         (r.old_master_rejoined ? "" : ", old master did not rejoin as replica"));
    records_.push_back(r);
    if (!r.healthy_after) break;  // the next fault would measure the previous one
    // Redis' masters vote for the replicas of one master at most once per 2 x node-timeout.
    std::this_thread::sleep_for(std::chrono::milliseconds(cluster_.options().node_timeout_ms));
  }
}

std::string ShardCampaign::key_served_by(int master) {
  auto c = connect_within(cluster_.endpoint(master), 1s);
  if (!c) return "";
  for (int j = 0; j < 1000; ++j) {
    std::string key = "fault:probe" + std::to_string(j);
    harness::Reply r = c->command({"GET", key});
    if (!r.is_error()) return key;
  }
  return "";
}

ShardFaultRecord ShardCampaign::apply(ShardFault type) {
  ShardFaultRecord r;
  r.type = type;
  std::vector<int> masters = cluster_.masters_seen_by(0);
  if (masters.empty()) masters = cluster_.masters_seen_by(3);
  if (masters.empty()) return r;
  r.master = masters[rng_() % masters.size()];
  r.master_ep = cluster_.endpoint(r.master);
  r.replica = cluster_.replica_of(r.master, r.master);
  const std::string key = key_served_by(r.master);
  const std::vector<Endpoint> nodes = cluster_.endpoints();
  log_(std::string(shard_fault_name(type)) + ": " + cluster_.describe(r.master) + ", replica " +
       (r.replica >= 0 ? cluster_.describe(r.replica) : "none") + ", probe key " + key);

  r.start_ms = now_ms_();
  switch (type) {
    case ShardFault::kKillMaster: cluster_.signal(r.master, SIGKILL); break;
    case ShardFault::kStopMaster: cluster_.signal(r.master, SIGSTOP); break;
    case ShardFault::kPartitionMaster:
      if (!cluster_.isolate(r.master)) log_("partition rules could not all be installed");
      break;
  }

  // Probe until another node accepts a write for the slot, and (partitions) until the old master, which
  // the suite still reaches, refuses one.
  const int64_t deadline = r.start_ms + opts_.failover_timeout_ms;
  bool old_refuses = type != ShardFault::kPartitionMaster;
  Endpoint start = r.replica >= 0 ? cluster_.endpoint(r.replica) : nodes.front();
  while (now_ms_() < deadline && (r.writable_ms < 0 || !old_refuses)) {
    if (!old_refuses) {
      auto c = connect_within(r.master_ep, 1s);
      harness::Reply w = c ? c->command({"SET", key, "minority"}) : harness::Reply{};
      if (c && !w.is_error())
        r.old_master_accepting_ms = now_ms_() - r.start_ms;
      else
        old_refuses = true;
    }
    if (r.writable_ms < 0) {
      Endpoint served;
      harness::Reply w = routed(nodes, {"SET", key, "probe"}, start, &served, 1s);
      if (!w.is_error() && !(served == r.master_ep)) r.writable_ms = now_ms_() - r.start_ms;
    }
    std::this_thread::sleep_for(50ms);
  }
  r.failover_completed = r.writable_ms >= 0 && r.replica >= 0 && cluster_.role(r.replica) == "master";

  switch (type) {
    case ShardFault::kKillMaster:
      std::this_thread::sleep_for(1s);
      cluster_.restart(r.master);
      break;
    case ShardFault::kStopMaster: cluster_.signal(r.master, SIGCONT); break;
    case ShardFault::kPartitionMaster: cluster_.heal(); break;
  }
  r.end_ms = now_ms_();
  r.healthy_after = cluster_.wait_healthy(std::chrono::milliseconds(opts_.healthy_timeout_ms));
  r.old_master_rejoined = cluster_.role(r.master) == "slave";
  return r;
}

}  // namespace fault
