// The failover state machine of one monitored master, as Redis Sentinel runs it (sentinel.c), in plain
// data: no I/O, no clock reads. Time comes in as `now_ms`, what the sentinel knows comes in as views,
// and every side effect goes out through FailoverActions, so all of it runs under a fake clock in tests.
//
// States, each with its own deadline (failover_timeout = the master's failover-timeout):
//   none --ODOWN, retry delay over--> wait_start     +new-epoch +try-failover, ask peers for votes
//   wait_start --elected (or forced)--> select_slave +elected-leader +failover-state-select-slave
//              --min(10 s, failover_timeout) after the start, not elected--> none -failover-abort-not-elected
//   select_slave --replica found--> send_slaveof_noone  +selected-slave +failover-state-send-slaveof-noone
//                --none qualifies--> none               -failover-abort-no-good-slave
//   send_slaveof_noone --transaction sent--> wait_promotion  +failover-state-wait-promotion
//                      --link down for failover_timeout--> none  -failover-abort-slave-timeout
//   wait_promotion --INFO role:master--> reconf_slaves  +promoted-slave +failover-state-reconf-slaves
//                  --failover_timeout--> none  -failover-abort-slave-timeout
//   reconf_slaves  REPLICAOF <new master> to the other replicas, at most parallel-syncs at a time
//                  (+slave-reconf-sent, then from their INFO +slave-reconf-inprog, +slave-reconf-done)
//                --all reachable replicas done, or failover_timeout (+failover-end-for-timeout)-->
//                  update_config  +failover-end
//   update_config --> none  +switch-master, FailoverActions::switch_master
// After an abort the next attempt for the master waits failover_timeout * 2 from the start of the last one;
// voting for another sentinel imposes the same wait, so the elected leader is left to do its job.
//
// Faster than Redis without giving up its safety rules: states follow each other within one tick as soon
// as their condition holds (Redis spends one timer run per state), vote requests are repeated every
// Tuning::vote_request_period_ms while waiting for the election, and replicas' INFO should be polled every
// Tuning::fast_info_period_ms during a failover (Redis: every 1000 ms) so promotion and reconfiguration
// are seen almost at once.
//
// ---- Integration (what the monitor does) ----------------------------------------------------------------
// Keep one FailoverMachine per monitored master and, per sentinel, a `uint64_t current_epoch` and its run id.
// 1. Every tick (100 ms), unless in TILT, build a TickInput and call `tick(in, env)`:
//      in.now_ms    util::mono_ms()
//      in.master    MasterView: name/ip/port, sdown (+ since), odown, known_sentinels (other sentinels
//                   known for this master), quorum, parallel_syncs, failover_timeout_ms, down_after_ms,
//                   ping_period_ms
//      in.replicas  one ReplicaView per known replica of the master (never the master itself), filled
//                   from the links and the last INFO of each replica (see selection.h). Keep the promoted
//                   replica in the list until the failover ends.
//      in.votes     every peer's last answer to is-master-down-by-addr: (leader run id or "", leader epoch)
//    Calling it again right after an INFO reply of one of the master's replicas makes the failover react at
//    once; it is harmless to call it more often.
// 2. SENTINEL is-master-down-by-addr <ip> <port> <epoch> <runid> with runid != "*": reply with
//    `vote(epoch, runid, now, env)` (leader "" -> "*"). It persists and emits +new-epoch/+vote-for-leader.
// 3. SENTINEL FAILOVER <master>: `force(in, env)`; kInProgress -> "-INPROG Failover already in progress",
//    kNoGoodSlave -> "-NOGOODSLAVE No suitable replica to promote", kStarted -> +OK.
// 4. The periodic is-master-down-by-addr sent to peers carries our run id instead of "*" while
//    `asking_for_votes()`; `request_votes(epoch)` asks for it right away (Redis: SENTINEL_ASK_FORCED).
// 5. Poll INFO of every replica of the master every Tuning::fast_info_period_ms while `wants_fast_info()`.
// 6. While `in_progress()`, do not "fix" the master's replicas (no +convert-to-slave / +fix-slave-config):
//    the machine is reconfiguring them.
// 7. SENTINEL RESET, REMOVE, or a new master address learned from a peer's hello: `reset()`.
// 8. State file: save `vote_record().leader_epoch` as the master's leader-epoch (and current_epoch); on
//    load, `restore_vote_record(...)`. SENTINEL MASTER(S): `state_name()` as failover-state while
//    in_progress(); `master_flags()` and `replica_flags(ip, port)` give the extra flag words.
// 9. Implement FailoverActions (below); `format_event_message` turns an Event into Redis' pub/sub text.
//    Actions are called from inside tick()/force()/vote(), with the machine already in its new state.
// sentinel/failover/INTEGRATION.md has the tested patch that does all of this for sentinel/monitor/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sentinel/failover/election.h"
#include "sentinel/failover/selection.h"

namespace sentinel::failover {

enum class State {
  kNone,
  kWaitStart,
  kSelectSlave,
  kSendSlaveofNoone,
  kWaitPromotion,
  kReconfSlaves,
  kUpdateConfig
};

// Redis' spelling: "none", "wait_start", "select_slave", "send_slaveof_noone", "wait_promotion",
// "reconf_slaves", "update_config".
const char* state_name(State s);

// What a replica is doing in the reconf_slaves phase (Redis' SRI_RECONF_* flags).
enum class ReconfState { kNone, kSent, kInProgress, kDone };

struct Addr {
  std::string ip;
  int port = 0;
  auto operator<=>(const Addr&) const = default;
};

struct MasterView {
  std::string name;
  std::string ip;
  int port = 0;
  bool sdown = false;
  int64_t sdown_since_ms = 0;
  // Last -BUSY reply to PING: the master was down because a script kept it busy.
  int64_t last_busy_reply_ms = 0;
  bool odown = false;
  size_t known_sentinels = 0;  // other sentinels monitoring this master (not counting us)
  unsigned quorum = 2;
  int parallel_syncs = 1;
  int64_t failover_timeout_ms = 180000;
  int64_t down_after_ms = 30000;
  int64_t ping_period_ms = 1000;  // PING period of its instances (Redis: min(1000 ms, down-after))
};

struct TickInput {
  int64_t now_ms = 0;
  const MasterView& master;
  std::span<const ReplicaView> replicas;
  std::span<const PeerVote> votes;
};

// One event to publish on the channel `type` and to log (at WARNING or NOTICE as Redis does).
struct Event {
  enum class About { kMaster, kReplica, kText };
  std::string_view type;  // "+try-failover", "-failover-abort-not-elected", ...
  bool warning = true;
  About about = About::kMaster;
  Addr replica;      // when kReplica
  std::string text;  // when kText: the whole message ("+new-epoch" -> "7")
};

// Redis' message for an event: kMaster -> "master <name> <ip> <port>", kReplica ->
// "slave <ip>:<port> <ip> <port> @ <name> <master ip> <master port>", kText -> the text.
std::string format_event_message(const Event& e, const MasterView& master);

// What the failover asks of the monitor. Sends are asynchronous: the effect is observed in later INFO.
class FailoverActions {
 public:
  virtual ~FailoverActions() = default;
  // Send SENTINEL is-master-down-by-addr <ip> <port> <epoch> <our run id> to every peer now.
  virtual void request_votes(uint64_t epoch) = 0;
  // Send replicaof_transaction(std::nullopt) to the replica. False when its link cannot take it now.
  virtual bool send_replicaof_no_one(const ReplicaView& replica) = 0;
  // Send replicaof_transaction(Addr{host, port}). False when its link cannot take it now.
  virtual bool send_replicaof(const ReplicaView& replica, const Addr& new_master) = 0;
  virtual void emit(const Event& event) = 0;
  // The chosen replica reported role:master: set the master's config epoch to `config_epoch`, persist,
  // and send hello messages now so peers learn the new configuration early.
  virtual void promoted(const ReplicaView& replica, uint64_t config_epoch) = 0;
  // The failover is over (+switch-master already emitted): make `new_master` the master's address, the old
  // master and the other replicas its replicas (Redis sentinelResetMasterAndChangeAddress), persist.
  virtual void switch_master(const Addr& new_master) = 0;
  // current_epoch or our vote changed: rewrite the state file.
  virtual void persist() = 0;
  // A log line that is not an event.
  virtual void log_notice(std::string_view /*message*/) {}
};

// The commands that make an instance a master (no `new_master`) or a replica of `new_master`, sent as one
// transaction as Redis does: MULTI, REPLICAOF, CONFIG REWRITE, CLIENT KILL TYPE normal, CLIENT KILL TYPE
// pubsub, EXEC. Replies are not needed: the result shows in INFO. Killing clients makes them reconnect
// and ask the sentinels for the current master.
std::vector<std::vector<std::string>> replicaof_transaction(const std::optional<Addr>& new_master);

struct Tuning {
  int64_t election_timeout_ms = 10000;  // capped by failover_timeout (Redis SENTINEL_ELECTION_TIMEOUT)
  int64_t max_desync_ms = 1000;         // random extra on the start time (Redis SENTINEL_MAX_DESYNC)
  int64_t info_period_ms = 10000;       // for replica selection (Redis SENTINEL_INFO_PERIOD)
  int64_t slave_reconf_timeout_ms =
      10000;                             // sent but never seen moving (Redis SENTINEL_SLAVE_RECONF_TIMEOUT)
  int64_t vote_request_period_ms = 250;  // ask peers again while not elected (Redis: 1000)
  int64_t fast_info_period_ms = 100;     // INFO period for the replicas during a failover (Redis: 1000)
  int64_t fresh_info_wait_ms = 1000;     // longest wait in select-slave for INFO newer than the start (ours)
};

// The sentinel-wide facts the machine reads and updates.
struct Env {
  std::string_view my_runid;
  uint64_t& current_epoch;
  FailoverActions& actions;
};

class FailoverMachine {
 public:
  explicit FailoverMachine(Tuning tuning = {}, uint64_t seed = std::random_device{}());

  void tick(const TickInput& in, Env& env);

  enum class ForceResult { kStarted, kInProgress, kNoGoodSlave };
  // SENTINEL FAILOVER: no ODOWN, no election, no retry delay; needs a replica that qualifies now.
  ForceResult force(const TickInput& in, Env& env);

  // A peer asks for our vote (is-master-down-by-addr with its run id).
  VoteOutcome vote(uint64_t req_epoch, std::string_view req_runid, int64_t now_ms, Env& env);

  // Forget any failover in progress and the retry delay (the master was reset or moved); keeps our vote.
  void reset();

  State state() const { return state_; }
  const char* state_name() const { return failover::state_name(state_); }
  bool in_progress() const { return state_ != State::kNone; }
  bool forced() const { return forced_; }
  uint64_t failover_epoch() const { return failover_epoch_; }
  int64_t state_change_ms() const { return state_change_ms_; }
  // Start of the last attempt (with its random desync), when there was one: the retry delay counts from it.
  std::optional<int64_t> start_ms() const { return start_ms_; }
  // Earliest time a non-forced failover may start again.
  int64_t next_attempt_ms(int64_t failover_timeout_ms) const;
  const std::optional<Addr>& promoted_replica() const { return promoted_; }
  ReconfState reconf_state(const Addr& replica) const;

  const VoteRecord& vote_record() const { return vote_; }
  void restore_vote_record(VoteRecord v) { vote_ = std::move(v); }

  bool asking_for_votes() const { return in_progress() && !forced_; }
  bool wants_fast_info() const { return in_progress(); }
  int64_t fast_info_period_ms() const { return tuning_.fast_info_period_ms; }

  // Flag words for SENTINEL MASTER(S)/REPLICAS, in Redis' order.
  std::vector<std::string_view> master_flags() const;
  std::vector<std::string_view> replica_flags(const Addr& replica) const;

 private:
  struct ReconfEntry {
    ReconfState state = ReconfState::kNone;
    int64_t sent_ms = 0;
  };

  void start(const TickInput& in, Env& env, bool forced);
  void run_states(const TickInput& in, Env& env);
  void step(const TickInput& in, Env& env);
  void wait_start(const TickInput& in, Env& env);
  void select_slave(const TickInput& in, Env& env);
  void send_slaveof_noone(const TickInput& in, Env& env);
  void wait_promotion(const TickInput& in, Env& env);
  void reconf_slaves(const TickInput& in, Env& env);  // reconf.cpp
  void track_reconf_progress(const TickInput& in, Env& env);
  void detect_end(const TickInput& in, Env& env);
  void update_config(const TickInput& in, Env& env);
  void abort_failover(int64_t now_ms);
  bool abort_if_master_back(const TickInput& in, Env& env);
  void enter(State s, int64_t now_ms);
  void report_vote(const VoteOutcome& out, int64_t now_ms, Env& env);
  int64_t desync();
  const ReplicaView* find(const TickInput& in, const Addr& a) const;
  bool is_promoted(const ReplicaView& r) const;

  Tuning tuning_;
  std::minstd_rand rng_;
  State state_ = State::kNone;
  bool forced_ = false;
  uint64_t failover_epoch_ = 0;
  int64_t state_change_ms_ = 0;
  int64_t began_ms_ = 0;  // when this failover attempt started (start_ms_ adds the desync to it)
  std::optional<int64_t> start_ms_;
  std::optional<int64_t> delay_logged_for_;  // start_ms_ whose retry delay was already logged
  int64_t last_vote_request_ms_ = 0;
  int64_t promote_sent_ms_ = 0;
  std::optional<Addr> promoted_;
  std::map<Addr, ReconfEntry> reconf_;
  VoteRecord vote_;
};

// Shorthands for building events.
Event master_event(std::string_view type, bool warning = true);
Event replica_event(std::string_view type, const ReplicaView& r, bool warning = true);
Event text_event(std::string_view type, std::string text, bool warning = true);

}  // namespace sentinel::failover
