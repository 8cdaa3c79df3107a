#include "campaign.h"

#include <signal.h>

#include <algorithm>
#include <thread>

namespace fault {

using namespace std::chrono_literals;

const char* fault_name(FaultType t) {
  switch (t) {
    case FaultType::kKillMaster: return "kill-master";
    case FaultType::kRestartMaster: return "restart-master";
    case FaultType::kStopMaster: return "stop-master";
    case FaultType::kKillReplica: return "kill-replica";
    case FaultType::kKillSentinel: return "kill-sentinel";
    case FaultType::kStopSentinel: return "stop-sentinel";
    case FaultType::kIsolateMaster: return "isolate-master";
    case FaultType::kIsolateReplica: return "isolate-replica";
    case FaultType::kMinorityMaster: return "minority-master";
    case FaultType::kBounceMaster: return "bounce-master";
    case FaultType::kDemotedMaster: return "demoted-master";
  }
  return "?";
}

std::optional<FaultType> fault_by_name(const std::string& name) {
  for (int t = 0; t <= static_cast<int>(FaultType::kDemotedMaster); t++)
    if (name == fault_name(static_cast<FaultType>(t))) return static_cast<FaultType>(t);
  return std::nullopt;
}

Campaign::Campaign(Cluster& cluster, CampaignOptions opts, std::function<int64_t()> now_ms,
                   std::function<void(const std::string&)> log)
    : cluster_(cluster), opts_(opts), now_ms_(std::move(now_ms)), log_(std::move(log)), rng_(opts.seed) {}

// Process faults weighted towards the master (that is where writes get lost), partitions spread evenly
// among them; the same seed gives the same schedule for both flavours.
std::vector<FaultType> Campaign::schedule() {
  static const FaultType kProcess[] = {FaultType::kKillMaster,   FaultType::kKillMaster,   FaultType::kKillMaster,
                                       FaultType::kRestartMaster, FaultType::kStopMaster,  FaultType::kStopMaster,
                                       FaultType::kKillReplica,  FaultType::kKillSentinel, FaultType::kStopSentinel};
  static const FaultType kNetwork[] = {FaultType::kIsolateMaster, FaultType::kIsolateMaster,
                                       FaultType::kIsolateReplica, FaultType::kMinorityMaster};
  std::vector<FaultType> process, network;
  if (!opts_.only.empty()) {
    for (int i = 0; i < opts_.kills + opts_.partitions; i++) process.push_back(opts_.only[rng_() % opts_.only.size()]);
    return process;
  }
  for (int i = 0; i < opts_.kills; i++) process.push_back(kProcess[rng_() % std::size(kProcess)]);
  for (int i = 0; i < opts_.partitions; i++) network.push_back(kNetwork[rng_() % std::size(kNetwork)]);
  std::vector<FaultType> out;
  size_t total = process.size() + network.size(), p = 0, n = 0;
  for (size_t i = 0; i < total; i++) {
    // Place network fault n at the position proportional to its rank.
    bool network_turn = n < network.size() && (p >= process.size() || (n + 1) * total <= (i + 1) * network.size());
    out.push_back(network_turn ? network[n++] : process[p++]);
  }
  return out;
}

void Campaign::run() {
  std::vector<FaultType> plan = schedule();
  for (size_t i = 0; i < plan.size(); i++) {
    FaultRecord r = apply(plan[i]);
    std::string line = "fault " + std::to_string(i + 1) + "/" + std::to_string(plan.size()) + " at " +
                       std::to_string(r.start_ms) + " ms " + fault_name(r.type) + " " + r.target;
    if (r.failover_expected)
      line += r.failover_completed ? " failover " + std::to_string(r.failover_ms) + " ms" : " FAILOVER DID NOT COMPLETE";
    line += r.healthy_after ? " healthy after " + std::to_string(r.end_ms - r.start_ms) + " ms" : " NOT HEALTHY";
    log_(line);
    records_.push_back(r);
  }
}

int Campaign::pick(const std::vector<int>& from) { return from[rng_() % from.size()]; }

std::vector<int> Campaign::except(const std::vector<int>& all, const std::vector<int>& removed) const {
  std::vector<int> out;
  for (int n : all)
    if (std::find(removed.begin(), removed.end(), n) == removed.end()) out.push_back(n);
  return out;
}

void Campaign::await_failover(int old_master, FaultRecord& r) {
  r.failover_expected = true;
  auto deadline = std::chrono::steady_clock::now() + opts_.failover_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::optional<int> m = cluster_.agreed_master();
    if (m && *m != old_master) {
      r.failover_completed = true;
      r.failover_ms = now_ms_() - r.start_ms;
      return;
    }
    std::this_thread::sleep_for(50ms);
  }
}

void Campaign::recover(FaultRecord& r) {
  cluster_.heal();
  for (int n = 0; n < cluster_.size(); n++) {
    cluster_.signal(n, SIGCONT);
    if (!cluster_.running(n)) cluster_.restart(n);
  }
  r.healthy_after = cluster_.wait_healthy(opts_.healthy_timeout);
  r.end_ms = now_ms_();
}

FaultRecord Campaign::apply(FaultType type) {
  FaultRecord r;
  r.type = type;
  r.start_ms = now_ms_();
  std::optional<int> agreed = cluster_.agreed_master();
  if (!agreed) {  // the previous fault left no agreed master: give the cluster one more chance
    recover(r);
    agreed = cluster_.agreed_master();
    r.start_ms = now_ms_();
  }
  int master = agreed.value_or(0);
  std::vector<int> data = cluster_.data_indexes(), sentinels = cluster_.sentinel_indexes();
  std::vector<int> replicas = except(data, {master});
  std::vector<int> everyone = data;
  everyone.insert(everyone.end(), sentinels.begin(), sentinels.end());

  switch (type) {
    case FaultType::kKillMaster:
      r.target = cluster_.describe(master);
      cluster_.signal(master, SIGKILL);
      await_failover(master, r);
      break;
    case FaultType::kRestartMaster:
      r.target = cluster_.describe(master);
      cluster_.signal(master, SIGKILL);
      cluster_.restart(master);
      break;
    case FaultType::kBounceMaster:
      r.target = cluster_.describe(master);
      cluster_.signal(master, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(cluster_.options().down_after_ms + 300));
      cluster_.restart(master);
      break;
    case FaultType::kDemotedMaster: {
      bool stop = rng_() % 2 == 0;
      r.target = cluster_.describe(master) + (stop ? " (SIGSTOP/SIGCONT)" : " (SIGKILL/restart)");
      cluster_.signal(master, stop ? SIGSTOP : SIGKILL);
      await_failover(master, r);
      if (stop)
        cluster_.signal(master, SIGCONT);
      else
        cluster_.restart(master);
      std::this_thread::sleep_for(3s);
      break;
    }
    case FaultType::kStopMaster:
      r.target = cluster_.describe(master);
      cluster_.signal(master, SIGSTOP);
      await_failover(master, r);
      break;
    case FaultType::kKillReplica: {
      int victim = pick(replicas);
      r.target = cluster_.describe(victim);
      cluster_.signal(victim, SIGKILL);
      std::this_thread::sleep_for(1s);
      break;
    }
    case FaultType::kKillSentinel: {
      int victim = pick(sentinels);
      r.target = cluster_.describe(victim);
      cluster_.signal(victim, SIGKILL);
      std::this_thread::sleep_for(1s);
      break;
    }
    case FaultType::kStopSentinel: {
      int victim = pick(sentinels);
      r.target = cluster_.describe(victim);
      cluster_.signal(victim, SIGSTOP);
      std::this_thread::sleep_for(3s);
      break;
    }
    case FaultType::kIsolateMaster:
      r.target = cluster_.describe(master);
      if (cluster_.partition({master}, except(everyone, {master}))) await_failover(master, r);
      // Hold the partition a little past the failover, so the old master lives on as a master alone.
      std::this_thread::sleep_for(2s);
      break;
    case FaultType::kIsolateReplica: {
      int victim = pick(replicas);
      r.target = cluster_.describe(victim);
      if (cluster_.partition({victim}, except(everyone, {victim}))) std::this_thread::sleep_for(3s);
      break;
    }
    case FaultType::kMinorityMaster: {
      int with = pick(sentinels);
      r.target = cluster_.describe(master) + " + " + cluster_.describe(with);
      if (cluster_.partition({master, with}, except(everyone, {master, with}))) await_failover(master, r);
      std::this_thread::sleep_for(2s);
      break;
    }
  }
  recover(r);
  return r;
}

}  // namespace fault
