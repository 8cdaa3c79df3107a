// The monitoring loop: one timer tick every 100 ms walks every master, its replicas and peer sentinels;
// keeps their links up, sends PING / INFO / hello on their own periods, turns replies into model
// updates, decides SDOWN and ODOWN, asks peers and answers them, and drives the failover of masters
// (failover_driver.cpp). Topology changes end in a state-file flush and an event.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sentinel/failover/failover.h"
#include "sentinel/model/sentinel_state.h"
#include "sentinel/monitor/scripts.h"
#include "sentinel/settings.h"

struct redisReply;

namespace sentinel {

// Redis' timing constants (sentinel.c), in milliseconds.
constexpr int64_t kTickMs = 100;
constexpr int64_t kInfoPeriod = 10000;
constexpr int64_t kFastInfoPeriod = 1000;       // replicas of a master that is down or failing over
constexpr int64_t kPromotionInfoPeriod = 100;   // the replica being promoted/reconfigured: be fast
constexpr int64_t kPublishPeriod = 2000;
constexpr int64_t kAskPeriod = 1000;
constexpr int64_t kHelloPhases = 2;  // see send_hello
constexpr int64_t kTiltTrigger = 2000;
constexpr int64_t kTiltPeriod = 30000;
constexpr int64_t kMinLinkReconnectPeriod = 15000;
constexpr int64_t kElectionTimeout = 10000;
constexpr int64_t kSlaveReconfTimeout = 10000;
constexpr int64_t kMaxDesync = 1000;
constexpr int kMaxPendingCommands = 100;
inline const char* kHelloChannel = "__sentinel__:hello";

struct MasterDownReply {
  bool down = false;
  std::string leader = "*";
  uint64_t leader_epoch = 0;
};

class Monitor {
 public:
  Monitor(uv_loop_t* loop, SentinelState& st, Settings& settings, std::function<void()> flush_config);
  ~Monitor();

  void start();
  void stop();
  void tick();
  // Runs notification-script / client-reconfig-script for an event (an Events observer).
  void on_event_for_scripts(const Event& e);

  SentinelState& state() { return st_; }
  const ScriptRunner& scripts() const { return scripts_; }
  void flush_config() { flush_(); }

  // Topology (SENTINEL MONITOR / REMOVE / RESET / SET and the failover's switch).
  Instance& add_master(std::unique_ptr<Instance> m);
  void remove_master(const std::string& name);
  // Forgets replicas, failover state and (unless keep_sentinels) peer sentinels; relinks.
  void reset_master(Instance& m, bool keep_sentinels);
  // The master moved (failover or a newer config from a peer): the old address becomes a replica.
  void reset_master_and_change_address(Instance& m, const std::string& ip, int port);
  // New auth for the links of a master and its replicas.
  void relink(Instance& m);
  // Moves the links of an instance to the graveyard, silenced (new ones are made on the next tick).
  void bury_links(Instance& ri);

  // SENTINEL FAILOVER: "" or the error reply.
  std::string force_failover(Instance& m);
  // SENTINEL is-master-down-by-addr.
  MasterDownReply is_master_down_by_addr(std::string_view ip, int port, uint64_t epoch, std::string_view runid);
  // A hello message (from a pub/sub link, or PUBLISHed to us by a peer).
  void process_hello(std::string_view payload);
  // The address clients should use now (the promoted replica once it is being reconfigured around).
  const Address& current_master_address(const Instance& m) const;
  // Instances created from the config file start monitoring (links are created lazily by the tick).

 private:
  void handle_master(Instance& m, int64_t now);
  void handle_instance(Instance& ri, int64_t now);
  void ensure_links(Instance& ri, int64_t now);
  void send_periodic(Instance& ri, int64_t now);
  void send_ping(Instance& ri, int64_t now);
  void send_info(Instance& ri, int64_t now);
  void send_hello(Instance& ri, int64_t now);
  void on_ping_reply(Instance& ri, redisReply* r);
  void on_info_reply(Instance& ri, redisReply* r);
  void on_hello_message(Instance& ri, redisReply* r);
  void refresh_from_info(Instance& ri, const std::string& info, int64_t now);
  void acting_on_info(Instance& ri, uint32_t role, int64_t now);
  void check_tilt(int64_t now);
  void check_sdown(Instance& ri, int64_t now);
  void check_odown(Instance& m, int64_t now);
  // SENTINEL is-master-down-by-addr to the peers; with forced, now rather than on its period.
  void ask_master_state(Instance& m, int64_t now, bool forced);
  bool send_replicaof(Instance& ri, const Address* target);
  int64_t info_period(const Instance& ri) const;
  bool master_looks_sane(const Instance& m, int64_t now) const;
  // A fenced master (datanode) may have its role confirmed by us: nothing suggests a failover.
  bool may_confirm_fenced_master(const Instance& m, int64_t now) const;
  bool no_down_for(const Instance& ri, int64_t ms, int64_t now) const;
  Instance* find_replica(Instance& m, const std::string& ip, int port);
  Instance& add_replica(Instance& m, const std::string& ip, int port);

  // Failover (failover_glue.cpp): the state machine of sentinel/failover/, fed from the model.
  class Actions;
  failover::FailoverMachine& machine(Instance& m);
  void run_failover(Instance& m, int64_t now);
  failover::MasterView master_view(const Instance& m) const;
  std::vector<failover::ReplicaView> replica_views(const Instance& m) const;
  std::vector<failover::PeerVote> peer_votes(const Instance& m) const;
  // Copies the machine's state into the model fields that replies, hello messages and metrics read.
  void mirror_failover(Instance& m);
  void emit_failover_event(Instance& m, const failover::Event& e);
  // Our vote for a peer asking to lead the failover of m; returns the leader we voted for ("" none).
  std::string vote_for(Instance& m, uint64_t epoch, std::string_view runid, uint64_t* leader_epoch);

  uv_loop_t* loop_;
  SentinelState& st_;
  Settings& settings_;
  std::function<void()> flush_;
  uv_timer_t timer_{};
  bool timer_started_ = false;
  std::map<std::string, std::unique_ptr<failover::FailoverMachine>> machines_;  // by master name
  ScriptRunner scripts_;
  std::minstd_rand hello_rng_;
  std::uniform_int_distribution<int64_t> hello_phase_;  // see send_hello
};

}  // namespace sentinel
