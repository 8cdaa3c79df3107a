// fault_cluster: the fault campaign against a 3x2 Redis Cluster (our datanodes or redis-server 7.0.15,
// node-timeout 2000 ms). Writers route by MOVED and append sequenced values to keys spread over all slots;
// masters are SIGKILLed (and restarted), SIGSTOPped (and continued) or cut from the rest of the cluster
// in network namespaces; afterwards every key is read back from the node serving its slot and each
// acknowledged write is checked. Exit status: 0 ok, 1 a check failed, 2 could not run.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "harness.h"
#include "history.h"
#include "netns.h"
#include "sharded.h"
#include "sharded_campaign.h"
#include "sharded_workload.h"

namespace {

using namespace std::chrono_literals;

struct Args {
  std::string flavour = "ours", net = "auto", mode = "async", json,
              kinds = "kill-master,stop-master,partition-master";
  int faults = 6, clients = 4, keys = 12;
  uint64_t seed = 1;
  bool expect_zero_loss = false, require_failovers = false, keep = false;
};

const char* kUsage =
    "usage: fault_cluster [--flavour ours|redis] [--net loopback|netns|auto] [--mode async|sync]\n"
    "                     [--faults N] [--kinds kill-master,stop-master,partition-master] [--seed N]\n"
    "                     [--clients N] [--keys N] [--json FILE] [--expect-zero-loss] [--require-failovers] "
    "[--keep]\n";

bool parse(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; i++) {
    std::string k = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (k == "--flavour")
      a.flavour = value();
    else if (k == "--net")
      a.net = value();
    else if (k == "--mode")
      a.mode = value();
    else if (k == "--faults")
      a.faults = std::atoi(value().c_str());
    else if (k == "--kinds")
      a.kinds = value();
    else if (k == "--seed")
      a.seed = std::strtoull(value().c_str(), nullptr, 10);
    else if (k == "--clients")
      a.clients = std::atoi(value().c_str());
    else if (k == "--keys")
      a.keys = std::atoi(value().c_str());
    else if (k == "--json")
      a.json = value();
    else if (k == "--expect-zero-loss")
      a.expect_zero_loss = true;
    else if (k == "--require-failovers")
      a.require_failovers = true;
    else if (k == "--keep")
      a.keep = true;
    else
      return false;
  }
  return (a.flavour == "ours" || a.flavour == "redis") &&
         (a.net == "loopback" || a.net == "netns" || a.net == "auto") &&
         (a.mode == "async" || a.mode == "sync") && a.faults >= 0 && a.clients > 0 && a.keys > 0;
}

void log_line(const std::string& s) {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M:%S", std::localtime(&t));
  std::cerr << buf << " " << s << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!parse(argc, argv, a)) {
    std::cerr << kUsage;
    return 2;
  }
  std::string netns_problem = fault::NetnsTopology::unavailable_reason();
  if (a.net == "netns" && !netns_problem.empty()) {
    std::cerr << "fault_cluster: netns mode unavailable: " << netns_problem << "\n";
    return 2;
  }
  const bool netns = a.net == "netns" || (a.net == "auto" && netns_problem.empty());
  std::vector<fault::ShardFault> kinds;
  for (size_t at = 0; at <= a.kinds.size();) {
    size_t comma = std::min(a.kinds.find(',', at), a.kinds.size());
    std::string name = a.kinds.substr(at, comma - at);
    at = comma + 1;
    if (name == "kill-master")
      kinds.push_back(fault::ShardFault::kKillMaster);
    else if (name == "stop-master")
      kinds.push_back(fault::ShardFault::kStopMaster);
    else if (name != "partition-master")
      return std::cerr << kUsage, 2;
    else if (netns)
      kinds.push_back(fault::ShardFault::kPartitionMaster);
    else {
      // Without namespaces a master cannot be cut off while clients still reach it: SIGSTOP instead.
      log_line("partition-master replaced by stop-master: " +
               (netns_problem.empty() ? std::string("loopback mode asked for") : netns_problem));
      kinds.push_back(fault::ShardFault::kStopMaster);
    }
  }
  const bool sync = a.mode == "sync";
  char tmpl[] = "/tmp/fault_cluster.XXXXXX";
  if (!mkdtemp(tmpl)) return std::perror("mkdtemp"), 2;
  const std::string work_dir = tmpl;

  fault::ShardedOptions so;
  so.flavour = a.flavour == "ours" ? fault::Flavour::kOurs : fault::Flavour::kRedis;
  so.net = netns ? fault::Net::kNetns : fault::Net::kLoopback;
  so.appendfsync = sync ? "always" : "everysec";
  so.work_dir = work_dir;
  if (const char* bin = std::getenv("FAULT_DATANODE_BIN")) so.datanode_bin = bin;

  auto t0 = std::chrono::steady_clock::now();
  auto now_ms = [t0] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
        .count();
  };
  int status = 0;
  {
    fault::ShardedCluster cluster(so);
    log_line("starting " + a.flavour + " 3x2 cluster (" + (netns ? "netns" : "loopback") + ", " + a.mode +
             ") in " + work_dir);
    if (std::string err = cluster.start(); !err.empty()) {
      log_line("fault_cluster: could not start the cluster: " + err);
      return 2;
    }
    fault::ShardedWorkloadOptions wo;
    wo.nodes = cluster.endpoints();
    wo.clients = a.clients;
    wo.keys = a.keys;
    wo.wait_replicas = sync ? 1 : 0;
    fault::ShardedWorkload workload(wo, now_ms);
    workload.start();
    std::this_thread::sleep_for(2s);

    fault::ShardCampaignOptions co;
    co.faults = a.faults;
    co.kinds = kinds;
    co.seed = a.seed;
    fault::ShardCampaign campaign(cluster, co, now_ms, log_line);
    campaign.run();
    std::this_thread::sleep_for(2s);
    workload.stop();
    if (!cluster.wait_healthy(60s)) log_line("not healthy after the campaign: " + cluster.why_unhealthy());
    auto lists = fault::read_back_keys(cluster.endpoints(), a.keys);
    if (lists.empty()) {
      log_line("could not read every key back");
      return 1;
    }
    std::vector<fault::Op> ops = workload.writes().ops();
    fault::Findings f = fault::check(ops, lists, {});

    // Losses per key (one key, one slot) and per fault: an acknowledged write is lost when its key's
    // final list lacks its seq; it is put on the last fault that started before it was acked (if it was
    // acked before that fault's end + 5 s).
    std::map<int, std::set<int64_t>> present;
    for (const auto& [k, l] : lists) present[k].insert(l.begin(), l.end());
    std::map<int, int64_t> lost_per_key;
    const auto& records = campaign.records();
    std::vector<int64_t> lost_per_fault(records.size(), 0);
    std::vector<int64_t> lost_window(records.size(), -1);
    for (const fault::Op& op : ops) {
      if (op.outcome != fault::Outcome::kOk || present[op.client].count(op.seq)) continue;
      lost_per_key[op.client]++;
      for (size_t i = records.size(); i-- > 0;) {
        if (op.end_ms < records[i].start_ms) continue;
        if (op.end_ms <= records[i].end_ms + 5000) {
          lost_per_fault[i]++;
          if (op.node == records[i].master_ep.str())
            lost_window[i] = std::max(lost_window[i], op.end_ms - records[i].start_ms);
        }
        break;
      }
    }

    int completed = 0, rejoined = 0, unhealthy = 0;
    int64_t sum = 0, max = 0;
    int partitions = 0;
    int64_t accept_sum = 0, accept_max = 0, partition_lost = 0, window_max = 0;
    for (size_t i = 0; i < records.size(); ++i) {
      const auto& r = records[i];
      if (r.failover_completed) {
        ++completed;
        sum += r.writable_ms;
        max = std::max(max, r.writable_ms);
      }
      rejoined += r.old_master_rejoined;
      unhealthy += !r.healthy_after;
      if (r.type == fault::ShardFault::kPartitionMaster) {
        ++partitions;
        accept_sum += std::max<int64_t>(r.old_master_accepting_ms, 0);
        accept_max = std::max(accept_max, r.old_master_accepting_ms);
        partition_lost += lost_per_fault[i];
        window_max = std::max(window_max, lost_window[i]);
      }
      std::printf(
          "fault %zu %s %s: writable %lld ms, old master accepted %lld ms, lost %lld (last lost ack at +%lld "
          "ms)%s%s\n",
          i + 1, fault::shard_fault_name(r.type), r.master_ep.str().c_str(),
          static_cast<long long>(r.writable_ms), static_cast<long long>(r.old_master_accepting_ms),
          static_cast<long long>(lost_per_fault[i]), static_cast<long long>(lost_window[i]),
          r.failover_completed ? "" : " NOT COMPLETED",
          r.old_master_rejoined ? "" : " old master not a replica");
    }
    const int64_t mean = completed ? sum / completed : 0;
    std::printf(
        "fault_cluster %s/%s seed %llu (%s): %zu faults, failovers %d/%zu completed, time to writable mean "
        "%lld ms "
        "max %lld ms, %d old masters rejoined, %d not healthy after\n",
        a.flavour.c_str(), a.mode.c_str(), static_cast<unsigned long long>(a.seed),
        netns ? "netns" : "loopback", records.size(), completed, records.size(), static_cast<long long>(mean),
        static_cast<long long>(max), rejoined, unhealthy);
    std::printf(
        "writes: %lld acknowledged, %lld refused, %lld indeterminate; LOST %lld, duplicated %lld, reordered "
        "%lld, "
        "refused-but-present %lld\n",
        static_cast<long long>(f.acknowledged), static_cast<long long>(f.failed),
        static_cast<long long>(f.unknown), static_cast<long long>(f.lost),
        static_cast<long long>(f.duplicated), static_cast<long long>(f.reordered),
        static_cast<long long>(f.failed_but_present));
    for (const fault::Op& op : f.lost_examples)
      std::printf("  lost: %s seq %lld acknowledged by %s at %lld ms\n", fault::key_name(op.client).c_str(),
                  static_cast<long long>(op.seq), op.node.c_str(), static_cast<long long>(op.end_ms));
    for (const auto& [k, n] : lost_per_key) {
      harness::Reply slot = fault::routed(cluster.endpoints(), {"CLUSTER", "KEYSLOT", fault::key_name(k)},
                                          cluster.endpoint(0), nullptr, 1s);
      std::printf("  lost in slot %lld (%s): %lld\n", static_cast<long long>(slot.integer),
                  fault::key_name(k).c_str(), static_cast<long long>(n));
    }
    if (partitions)
      std::printf(
          "partitioned minority master: %d partitions, accepted writes for mean %lld ms max %lld ms after "
          "the cut; "
          "%lld acknowledged writes lost, last one acked %lld ms after the cut\n",
          partitions, static_cast<long long>(accept_sum / partitions), static_cast<long long>(accept_max),
          static_cast<long long>(partition_lost), static_cast<long long>(window_max));
    if (!a.json.empty()) {
      std::ofstream out(a.json);
      out << "{\"flavour\":\"" << a.flavour << "\",\"mode\":\"" << a.mode << "\",\"net\":\""
          << (netns ? "netns" : "loopback") << "\",\"seed\":" << a.seed << ",\"faults\":" << records.size()
          << ",\"failovers_completed\":" << completed << ",\"writable_ms_mean\":" << mean
          << ",\"writable_ms_max\":" << max << ",\"rejoined\":" << rejoined
          << ",\"unhealthy_after\":" << unhealthy << ",\"partitions\":" << partitions
          << ",\"minority_accept_ms_mean\":" << (partitions ? accept_sum / partitions : 0)
          << ",\"minority_accept_ms_max\":" << accept_max << ",\"minority_lost\":" << partition_lost
          << ",\"minority_lost_window_ms\":" << window_max << ",\"findings\":" << fault::to_json(f) << "}\n";
    }
    if (f.duplicated || f.reordered || f.failed_but_present) status = 1;
    if (a.expect_zero_loss && f.lost) status = 1;
    if (a.require_failovers && (completed != static_cast<int>(records.size()) || unhealthy ||
                                static_cast<int>(records.size()) != a.faults))
      status = 1;
    if (status == 0 && !a.keep) {
      std::error_code ec;
      std::filesystem::remove_all(work_dir, ec);
    } else {
      log_line("node directories and logs kept in " + work_dir);
    }
  }
  return status;
}
