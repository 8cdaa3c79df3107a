// Several sentinels' failover machines electing a leader over a fake network that delays and drops
// messages: at most one leader per epoch (safety), and a leader within a bounded time (liveness).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "sentinel/failover/failover.h"

using namespace sentinel::failover;

namespace {

struct SimSentinel;

struct SimActions : FailoverActions {
  SimSentinel* self = nullptr;
  void request_votes(uint64_t) override;
  bool send_replicaof_no_one(const ReplicaView&) override { return true; }
  bool send_replicaof(const ReplicaView&, const Addr&) override { return true; }
  void emit(const Event& e) override;
  void promoted(const ReplicaView&, uint64_t) override {}
  void switch_master(const Addr&) override {}
  void persist() override {}
};

struct SimSentinel {
  std::string id;
  uint64_t current_epoch = 0;
  SimActions actions;
  std::unique_ptr<FailoverMachine> machine;
  std::map<std::string, PeerVote> replies;  // by peer id
  int64_t odown_at = 0;
  bool ask_now = false;
  std::vector<uint64_t> elected_epochs;
};

void SimActions::request_votes(uint64_t) { self->ask_now = true; }
void SimActions::emit(const Event& e) {
  if (e.type == "+elected-leader") self->elected_epochs.push_back(self->machine->failover_epoch());
}

struct Message {
  int64_t deliver_at;
  size_t from, to;
  bool is_reply;
  uint64_t epoch;
  std::string runid;  // request: requester; reply: the voted leader
};

struct Outcome {
  std::map<uint64_t, std::set<std::string>> leaders_by_epoch;
  int64_t first_election_ms = -1;
};

Outcome simulate(uint32_t seed, size_t n, unsigned quorum, double drop, int64_t max_delay_ms,
                 int64_t duration_ms) {
  std::mt19937 rng(seed);
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  Tuning tuning;  // the real desync: split votes must resolve through it
  std::vector<std::unique_ptr<SimSentinel>> s;
  for (size_t i = 0; i < n; ++i) {
    auto x = std::make_unique<SimSentinel>();
    x->id = "sentinel" + std::to_string(i);
    x->actions.self = x.get();
    x->machine = std::make_unique<FailoverMachine>(tuning, rng());
    x->odown_at = static_cast<int64_t>(rng() % 400);  // they notice at slightly different times
    s.push_back(std::move(x));
  }
  MasterView master;
  master.name = "m";
  master.ip = "127.0.0.1";
  master.port = 6379;
  master.sdown = true;
  master.known_sentinels = n - 1;
  master.quorum = quorum;
  master.failover_timeout_ms = 10000;
  ReplicaView replica;
  replica.runid = "r1";
  replica.ip = "127.0.0.1";
  replica.port = 6380;

  std::vector<Message> net;
  auto send = [&](int64_t now, Message m) {
    if (chance(drop)) return;
    m.deliver_at = now + static_cast<int64_t>(rng() % static_cast<uint32_t>(max_delay_ms + 1));
    net.push_back(std::move(m));
  };

  Outcome out;
  int64_t last_ask = 0;
  for (int64_t now = 0; now <= duration_ms; now += 100) {
    // Deliver what is due.
    std::vector<Message> due, later;
    for (auto& m : net) (m.deliver_at <= now ? due : later).push_back(std::move(m));
    net = std::move(later);
    for (auto& m : due) {
      SimSentinel& to = *s[m.to];
      if (m.is_reply) {
        if (!m.runid.empty()) to.replies[s[m.from]->id] = PeerVote{m.runid, m.epoch};
        continue;
      }
      Env env{to.id, to.current_epoch, to.actions};
      VoteOutcome v = to.machine->vote(m.epoch, m.runid, now, env);
      send(now, Message{0, m.to, m.from, true, v.leader_epoch, v.leader});
    }
    // Tick every sentinel, then let those in a failover ask their peers (at once, then every second).
    const bool periodic = now - last_ask >= 1000;
    if (periodic) last_ask = now;
    for (size_t i = 0; i < n; ++i) {
      SimSentinel& x = *s[i];
      master.odown = now >= x.odown_at;
      master.sdown_since_ms = 0;
      std::vector<ReplicaView> replicas = {replica};
      replicas[0].last_avail_ms = replicas[0].info_refresh_ms = now;
      std::vector<PeerVote> votes;
      for (auto& [id, v] : x.replies) votes.push_back(v);
      Env env{x.id, x.current_epoch, x.actions};
      x.machine->tick(TickInput{now, master, replicas, votes}, env);
      if (x.machine->asking_for_votes() && (x.ask_now || periodic))
        for (size_t j = 0; j < n; ++j)
          if (j != i) send(now, Message{0, i, j, false, x.current_epoch, x.id});
      x.ask_now = false;
      for (uint64_t e : x.elected_epochs) {
        out.leaders_by_epoch[e].insert(x.id);
        if (out.first_election_ms < 0) out.first_election_ms = now;
      }
      x.elected_epochs.clear();
    }
  }
  return out;
}

}  // namespace

TEST(SentinelFailoverSimulation, AtMostOneLeaderPerEpochAndSomeoneWins) {
  int elected_runs = 0;
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    const size_t n = 3 + seed % 3;  // 3, 4 or 5 sentinels
    // A quorum below the majority must not matter: the majority of all sentinels is what makes it safe.
    const unsigned quorum = seed % 2 == 0 ? 1u : static_cast<unsigned>(n / 2 + 1);
    Outcome o = simulate(seed, n, quorum, /*drop=*/0.1, /*max_delay_ms=*/300, /*duration_ms=*/90000);
    for (const auto& [epoch, leaders] : o.leaders_by_epoch)
      EXPECT_EQ(leaders.size(), 1u) << "seed " << seed << " epoch " << epoch << ": two leaders";
    if (o.first_election_ms >= 0) ++elected_runs;
  }
  // Splits and lost messages can cost a round or two (each retry waits failover-timeout * 2), but 90 s
  // leave room for several: every run should have elected someone.
  EXPECT_EQ(elected_runs, 60);
}

TEST(SentinelFailoverSimulation, ReliableNetworkElectsALeader) {
  for (uint32_t seed = 100; seed < 120; ++seed) {
    Outcome o = simulate(seed, 5, 3, /*drop=*/0.0, /*max_delay_ms=*/50, /*duration_ms=*/30000);
    ASSERT_GE(o.first_election_ms, 0) << "seed " << seed;
    for (const auto& [epoch, leaders] : o.leaders_by_epoch) EXPECT_EQ(leaders.size(), 1u);
  }
}

TEST(SentinelFailoverSimulation, NoMajorityNoLeader) {
  // 5 sentinels, and every message lost: nobody can reach a majority, so nobody may lead.
  Outcome o = simulate(7, 5, 2, /*drop=*/1.0, 100, 60000);
  EXPECT_TRUE(o.leaders_by_epoch.empty());
}
