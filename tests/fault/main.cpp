// fault_suite: starts a cluster (ours or real Redis), runs sentinel-aware writers and a prober against it
// while a seeded schedule of kills, stops and partitions hits it, then reads everything back from the
// final master and reports lost, duplicated and reordered writes, split-brain windows and failovers that
// did not complete. Exit status: 0 ok, 1 a check failed, 2 could not run, 77 skipped.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "campaign.h"
#include "cluster.h"
#include "history.h"
#include "workload.h"

namespace {

using namespace std::chrono_literals;

struct Args {
  std::string flavour = "ours";
  std::string net = "auto";  // loopback | netns | auto (netns when possible)
  std::string mode = "async";  // async: everysec, no WAIT; sync: always + WAIT 1 + min-replicas-to-write 1
  int kills = 10;
  int partitions = 2;
  uint64_t seed = 1;
  int clients = 4;
  std::string json;
  std::vector<fault::FaultType> only;  // --faults kill-master,stop-master: only these kinds
  std::string history;  // CSV of every write and probe, for digging into a finding
  bool expect_zero_loss = false;
  bool require_failovers = false;
  bool keep = false;
};

const char* kUsage =
    "usage: fault_suite [--flavour ours|redis] [--net loopback|netns|auto] [--mode async|sync]\n"
    "                   [--kills N] [--partitions N] [--seed N] [--clients N] [--json FILE]\n"
    "                   [--history FILE.csv] [--faults kill-master,restart-master,...]\n"
    "                   [--expect-zero-loss] [--require-failovers] [--keep]\n";

bool parse(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; i++) {
    std::string k = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (k == "--flavour") a.flavour = value();
    else if (k == "--net") a.net = value();
    else if (k == "--mode") a.mode = value();
    else if (k == "--kills") a.kills = std::atoi(value().c_str());
    else if (k == "--partitions") a.partitions = std::atoi(value().c_str());
    else if (k == "--seed") a.seed = std::strtoull(value().c_str(), nullptr, 10);
    else if (k == "--clients") a.clients = std::atoi(value().c_str());
    else if (k == "--json") a.json = value();
    else if (k == "--history") a.history = value();
    else if (k == "--faults") {
      std::string list = value();
      for (size_t at = 0; at <= list.size();) {
        size_t comma = std::min(list.find(',', at), list.size());
        auto t = fault::fault_by_name(list.substr(at, comma - at));
        if (!t) return false;
        a.only.push_back(*t);
        at = comma + 1;
      }
    }
    else if (k == "--expect-zero-loss") a.expect_zero_loss = true;
    else if (k == "--require-failovers") a.require_failovers = true;
    else if (k == "--keep") a.keep = true;
    else return false;
  }
  return (a.flavour == "ours" || a.flavour == "redis") && (a.net == "loopback" || a.net == "netns" || a.net == "auto") &&
         (a.mode == "async" || a.mode == "sync") && a.kills >= 0 && a.partitions >= 0 && a.clients > 0;
}

void log_line(const std::string& s) {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M:%S", std::localtime(&t));
  std::cerr << buf << " " << s << std::endl;
}

struct FaultTotals {
  int faults = 0, failovers_expected = 0, failovers_completed = 0, unhealthy = 0;
  int64_t failover_ms_sum = 0, failover_ms_max = 0;
};

FaultTotals totals(const std::vector<fault::FaultRecord>& records) {
  FaultTotals t;
  for (const auto& r : records) {
    t.faults++;
    if (!r.healthy_after) t.unhealthy++;
    if (!r.failover_expected) continue;
    t.failovers_expected++;
    if (!r.failover_completed) continue;
    t.failovers_completed++;
    t.failover_ms_sum += r.failover_ms;
    t.failover_ms_max = std::max(t.failover_ms_max, r.failover_ms);
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!parse(argc, argv, a)) {
    std::cerr << kUsage;
    return 2;
  }
  std::string netns_problem = fault::Cluster::netns_unavailable_reason();
  if (a.net == "netns" && !netns_problem.empty()) {
    std::cerr << "fault_suite: skipped: netns mode unavailable: " << netns_problem << "\n";
    return 77;
  }
  bool netns = a.net == "netns" || (a.net == "auto" && netns_problem.empty());
  if (!netns && a.partitions > 0) {
    log_line("partitions skipped (" + (netns_problem.empty() ? std::string("loopback mode") : netns_problem) +
             "): process faults only");
    a.partitions = 0;
  }
  bool sync = a.mode == "sync";

  char tmpl[] = "/tmp/fault_suite.XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    return 2;
  }
  std::string work_dir = tmpl;

  fault::ClusterOptions co;
  co.flavour = a.flavour == "ours" ? fault::Flavour::kOurs : fault::Flavour::kRedis;
  co.net = netns ? fault::Net::kNetns : fault::Net::kLoopback;
  co.appendfsync = sync ? "always" : "everysec";
  co.min_replicas_to_write = sync ? 1 : 0;
  co.min_replicas_max_lag = 2;
  co.work_dir = work_dir;
  // A long campaign can run on a frozen copy of the binaries while the build directory moves on.
  const char* datanode_bin = std::getenv("FAULT_DATANODE_BIN");
  const char* sentinel_bin = std::getenv("FAULT_SENTINEL_BIN");
  co.datanode_bin = datanode_bin ? datanode_bin : DATANODE_BIN;
  co.sentinel_bin = sentinel_bin ? sentinel_bin : SENTINEL_BIN;

  auto t0 = std::chrono::steady_clock::now();
  auto now_ms = [t0] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  };

  int status = 0;
  {
    fault::Cluster cluster(co);
    log_line("starting " + a.flavour + " cluster (" + (netns ? "netns" : "loopback") + ", " + a.mode + ") in " +
             work_dir);
    std::string err = cluster.start();
    if (!err.empty()) {
      log_line("fault_suite: could not start the cluster: " + err);
      return 2;
    }

    fault::WorkloadOptions wo;
    wo.sentinels = cluster.sentinel_endpoints();
    wo.master_name = co.master_name;
    wo.clients = a.clients;
    wo.wait_replicas = sync ? 1 : 0;
    fault::Workload workload(wo, now_ms);
    workload.start(cluster.data_endpoints());
    std::this_thread::sleep_for(2s);

    fault::CampaignOptions cao;
    cao.kills = a.kills;
    cao.partitions = a.partitions;
    cao.seed = a.seed;
  cao.only = a.only;
    fault::Campaign campaign(cluster, cao, now_ms, log_line);
    campaign.run();

    std::this_thread::sleep_for(2s);
    workload.stop();
    bool healthy = cluster.wait_healthy(60s);
    std::optional<int> master = cluster.agreed_master();
    if (!healthy || !master) {
      log_line("the cluster did not settle after the campaign: no agreed master to read back from");
      return 1;
    }
    auto lists = fault::read_back(cluster.endpoint(*master), co.password, a.clients);
    fault::Findings f = fault::check(workload.writes().ops(), lists, workload.probes().ops());
    FaultTotals t = totals(campaign.records());
    // Writes a possibly demoted master refused while fenced (datanode/replication/fence.h).
    int64_t fenced = 0;
    for (const auto* h : {&workload.writes(), &workload.probes()})
      for (const auto& op : h->ops())
        if (op.outcome == fault::Outcome::kFailed && op.error.find("fenced master") != std::string::npos)
          ++fenced;

    std::string flavour_mode = a.flavour + "/" + a.mode;
    std::printf("fault_suite %s seed %llu: %d faults, failovers %d/%d completed (mean %lld ms, max %lld ms), "
                "%d not healthy after\n",
                flavour_mode.c_str(), static_cast<unsigned long long>(a.seed), t.faults, t.failovers_completed,
                t.failovers_expected,
                static_cast<long long>(t.failovers_completed ? t.failover_ms_sum / t.failovers_completed : 0),
                static_cast<long long>(t.failover_ms_max), t.unhealthy);
    std::printf(
        "writes: %lld acknowledged, %lld refused, %lld indeterminate; LOST %lld, duplicated %lld, "
        "reordered %lld, refused-but-present %lld; split-brain %zu windows, %lld ms; fenced refusals %lld\n",
        static_cast<long long>(f.acknowledged), static_cast<long long>(f.failed),
        static_cast<long long>(f.unknown), static_cast<long long>(f.lost),
        static_cast<long long>(f.duplicated), static_cast<long long>(f.reordered),
        static_cast<long long>(f.failed_but_present), f.split_brain.size(),
        static_cast<long long>(f.split_brain_ms), static_cast<long long>(fenced));
    for (const auto& op : f.lost_examples)
      std::printf("  lost: client %d seq %lld acknowledged by %s at %lld ms\n", op.client,
                  static_cast<long long>(op.seq), op.node.c_str(), static_cast<long long>(op.end_ms));
    for (const auto& w : f.split_brain) {
      std::string nodes;
      for (const auto& n : w.nodes) nodes += (nodes.empty() ? "" : ", ") + n;
      std::printf("  split-brain: %s from %lld to %lld ms\n", nodes.c_str(), static_cast<long long>(w.start_ms),
                  static_cast<long long>(w.end_ms));
    }

    if (!a.json.empty()) {
      std::ofstream out(a.json);
      out << "{\"flavour\":\"" << a.flavour << "\",\"mode\":\"" << a.mode << "\",\"net\":\""
          << (netns ? "netns" : "loopback") << "\",\"seed\":" << a.seed << ",\"faults\":" << t.faults
          << ",\"failovers_expected\":" << t.failovers_expected
          << ",\"failovers_completed\":" << t.failovers_completed
          << ",\"failover_ms_max\":" << t.failover_ms_max << ",\"failover_ms_mean\":"
          << (t.failovers_completed ? t.failover_ms_sum / t.failovers_completed : 0)
          << ",\"fenced_refusals\":" << fenced << ",\"unhealthy_after\":" << t.unhealthy
          << ",\"findings\":" << fault::to_json(f) << "}\n";
    }

    if (!a.history.empty()) {
      std::ofstream out(a.history);
      out << "client,seq,node,start_ms,end_ms,outcome,error\n";
      for (const auto* h : {&workload.writes(), &workload.probes()})
        for (const auto& op : h->ops())
          out << op.client << "," << op.seq << "," << op.node << "," << op.start_ms << "," << op.end_ms << ","
              << (op.outcome == fault::Outcome::kOk ? "ok" : op.outcome == fault::Outcome::kFailed ? "failed" : "unknown")
              << ",\"" << op.error << "\"\n";
    }

    if (f.duplicated || f.reordered || f.failed_but_present) status = 1;
    if (a.expect_zero_loss && f.lost) status = 1;
    if (a.require_failovers && (t.failovers_completed != t.failovers_expected || t.unhealthy)) status = 1;
    if (status == 0 && !a.keep) {
      std::error_code ec;
      std::filesystem::remove_all(work_dir, ec);
    } else {
      log_line("node directories and logs kept in " + work_dir);
    }
  }
  return status;
}
