// A fake monitor for the failover state machine tests: a fake clock, a master with replicas whose links
// stay fresh unless told otherwise, and FailoverActions that record every call in order.
#pragma once

#include <string>
#include <vector>

#include "sentinel/failover/failover.h"

namespace failover_test {

using namespace sentinel::failover;

struct RecordingActions : FailoverActions {
  std::vector<std::string> calls;   // every call, in order
  std::vector<std::string> events;  // only the event types, in order
  std::vector<std::string> messages;
  MasterView* master = nullptr;
  bool links_accept = true;
  uint64_t config_epoch = 0;

  void request_votes(uint64_t epoch) override { calls.push_back("request_votes " + std::to_string(epoch)); }
  bool send_replicaof_no_one(const ReplicaView& r) override {
    if (!links_accept) return false;
    calls.push_back("promote " + std::to_string(r.port));
    return true;
  }
  bool send_replicaof(const ReplicaView& r, const Addr& m) override {
    if (!links_accept) return false;
    calls.push_back("replicaof " + std::to_string(r.port) + " " + std::to_string(m.port));
    return true;
  }
  void emit(const Event& e) override {
    events.emplace_back(e.type);
    messages.push_back(std::string(e.type) + " " + format_event_message(e, *master));
    calls.push_back("emit " + std::string(e.type));
  }
  void promoted(const ReplicaView& r, uint64_t epoch) override {
    config_epoch = epoch;
    calls.push_back("promoted " + std::to_string(r.port) + " " + std::to_string(epoch));
  }
  void switch_master(const Addr& a) override { calls.push_back("switch " + std::to_string(a.port)); }
  void persist() override { calls.push_back("persist"); }

  size_t count(const std::string& call) const {
    size_t n = 0;
    for (const auto& c : calls) n += c == call;
    return n;
  }
  bool has_event(const std::string& e) const {
    for (const auto& x : events)
      if (x == e) return true;
    return false;
  }
  void clear() {
    calls.clear();
    events.clear();
    messages.clear();
  }
};

inline Tuning test_tuning() {
  Tuning t;
  t.max_desync_ms = 0;  // deterministic deadlines
  return t;
}

struct Harness {
  MasterView master;
  std::vector<ReplicaView> replicas;
  std::vector<bool> stale;  // per replica: do not refresh its PING/INFO times on tick
  std::vector<PeerVote> votes;
  uint64_t current_epoch = 0;
  std::string myid = "me";
  RecordingActions actions;
  FailoverMachine machine{test_tuning(), 1};
  int64_t now = 1'000'000;

  Harness() {
    master.name = "mymaster";
    master.ip = "127.0.0.1";
    master.port = 6379;
    master.sdown = true;
    master.sdown_since_ms = now - 1000;
    master.odown = true;
    master.known_sentinels = 2;
    master.quorum = 2;
    master.parallel_syncs = 1;
    master.failover_timeout_ms = 60000;
    master.down_after_ms = 5000;
    actions.master = &master;
  }

  ReplicaView& add_replica(int port, int priority = 100, int64_t offset = 1000, std::string runid = "") {
    ReplicaView r;
    r.runid = runid.empty() ? "runid" + std::to_string(port) : runid;
    r.ip = "127.0.0.1";
    r.port = port;
    r.priority = priority;
    r.repl_offset = offset;
    r.master_host = master.ip;
    r.master_port = master.port;
    r.last_avail_ms = now;
    r.info_refresh_ms = now;
    replicas.push_back(r);
    stale.push_back(false);
    return replicas.back();
  }
  ReplicaView& replica(int port) {
    for (auto& r : replicas)
      if (r.port == port) return r;
    throw std::runtime_error("no replica");
  }

  Env env() { return Env{myid, current_epoch, actions}; }
  TickInput input() { return TickInput{now, master, replicas, votes}; }

  void refresh() {
    for (size_t i = 0; i < replicas.size(); ++i)
      if (!stale[i]) replicas[i].last_avail_ms = replicas[i].info_refresh_ms = now;
  }
  void tick() {
    refresh();
    Env e = env();
    machine.tick(input(), e);
  }
  // Ticks every 100 ms for `ms` milliseconds, as the monitor would.
  void run_for(int64_t ms) {
    for (int64_t end = now + ms; now < end;) {
      now += 100;
      tick();
    }
  }
  FailoverMachine::ForceResult force() {
    refresh();
    Env e = env();
    return machine.force(input(), e);
  }

  // What the replica's INFO shows once it obeyed REPLICAOF NO ONE / REPLICAOF <new master>.
  void report_master(int port) { replica(port).role_master = true; }
  void report_following(int port, int new_master_port, bool link_up) {
    auto& r = replica(port);
    r.master_port = new_master_port;
    r.master_link_up = link_up;
  }
  // Peers answering is-master-down-by-addr with a vote for `who` in `epoch`.
  void peers_vote(std::string who, uint64_t epoch, int n) {
    votes.clear();
    for (int i = 0; i < n; ++i) votes.push_back({who, epoch});
  }
};

}  // namespace failover_test
