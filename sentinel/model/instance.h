// What the sentinel knows about the instances it watches: masters (with their replicas and the other
// sentinels that watch them), as plain data the monitor updates and the commands, the state file and
// metrics read. One struct for all three kinds, as Redis does, because most fields are shared.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/link/link.h"

namespace sentinel {

enum InstanceFlag : uint32_t {
  kMaster = 1u << 0,
  kReplica = 1u << 1,
  kSentinel = 1u << 2,
  kSDown = 1u << 3,
  kODown = 1u << 4,
  kMasterDown = 1u << 5,          // a peer sentinel said the master is down
  kFailoverInProgress = 1u << 6,
  kPromoted = 1u << 7,            // the replica chosen for promotion
  kReconfSent = 1u << 8,
  kReconfInprog = 1u << 9,
  kReconfDone = 1u << 10,
  kForceFailover = 1u << 11,      // SENTINEL FAILOVER: no election, no ODOWN needed
  kScriptKillPending = 1u << 12,  // SCRIPT KILL sent to a master answering -BUSY (once per SDOWN)
};

enum class FailoverState {
  kNone,
  kWaitStart,
  kSelectSlave,
  kSendSlaveofNoone,
  kWaitPromotion,
  kReconfSlaves,
  kUpdateConfig,
};
const char* failover_state_name(FailoverState s);

struct Address {
  std::string ip;
  int port = 0;
  std::string str() const { return ip + ":" + std::to_string(port); }
  bool operator==(const Address& o) const { return port == o.port && ip == o.ip; }
};

struct Instance {
  uint32_t flags = 0;
  std::string name;  // master name; "ip:port" for a replica; run id for a sentinel
  Address addr;
  std::string runid;
  Instance* master = nullptr;  // for replicas and sentinels
  bool dead = false;           // removed from the model; waits in the graveyard until the next tick

  bool is(uint32_t f) const { return (flags & f) != 0; }

  // Links (masters and replicas: command + pub/sub; sentinels: command only).
  std::unique_ptr<rlink::Link> cc, pc;
  int64_t created_at = 0;
  int64_t act_ping_time = 0;       // when the oldest unanswered PING was sent, 0 when none is pending
  int64_t last_ping_time = 0;      // when the last PING was sent
  int64_t last_avail_time = 0;     // last valid PING reply (PONG, LOADING, MASTERDOWN)
  int64_t last_pong_time = 0;      // last reply of any kind to PING
  int64_t last_busy_reply_time = 0;  // last -BUSY reply to PING (a script keeps the instance busy)
  int64_t last_pub_time = 0;       // last hello we published through this instance
  int64_t last_hello_time = 0;     // sentinels: last hello heard from it
  int64_t last_master_down_reply_time = 0;  // sentinels: last reply to is-master-down-by-addr
  int64_t pc_last_activity = 0;    // last message on the pub/sub link
  int64_t s_down_since = 0, o_down_since = 0;
  int64_t info_refresh = 0;        // when the last INFO reply arrived, 0 never
  int64_t info_sent = 0;           // when the last INFO was sent (one at a time)
  bool info_due = false;           // (re)connected: INFO at once, not at the next period
  bool fenced = false;             // a datanode that refuses writes until its role is settled
  int64_t fence_confirm_sent = 0;  // last REPLICAOF NO ONE sent to confirm a fenced master
  int64_t reboot_time = 0;         // when INFO last showed a new run id
  std::string info;                // the last INFO text (SENTINEL INFO-CACHE)
  uint32_t role_reported = kMaster;
  int64_t role_reported_time = 0;
  int64_t slave_conf_change_time = 0;

  // Replica view from its INFO.
  std::string slave_master_host;
  int slave_master_port = 0;
  bool slave_master_link_up = false;
  int64_t master_link_down_time = 0;  // ms
  int slave_priority = 100;
  int64_t slave_repl_offset = 0;
  bool replica_announced = true;
  int64_t slave_reconf_sent_time = 0;

  // Sentinels: their vote as last reported to us.
  std::string leader;
  uint64_t leader_epoch = 0;

  // Masters.
  int quorum = 2;
  int64_t down_after = 30000;
  int parallel_syncs = 1;
  int64_t failover_timeout = 180000;
  std::string auth_user, auth_pass;
  std::string notification_script, client_reconfig_script;
  uint64_t config_epoch = 0;
  std::string vote_leader;         // our vote for this master
  uint64_t vote_leader_epoch = 0;
  std::map<std::string, std::unique_ptr<Instance>> replicas;   // by "ip:port"
  std::map<std::string, std::unique_ptr<Instance>> sentinels;  // by run id
  FailoverState failover_state = FailoverState::kNone;
  uint64_t failover_epoch = 0;
  int64_t failover_start_time = 0;
  int64_t failover_state_change_time = 0;
  int64_t failover_delay_logged = 0;
  Instance* promoted = nullptr;

  int64_t ping_period() const {
    const Instance* m = is(kMaster) ? this : master;
    return m != nullptr && m->down_after < 1000 ? m->down_after : 1000;
  }
  int64_t down_after_period() const { return is(kMaster) || master == nullptr ? down_after : master->down_after; }
};

// "master", "slave" or "sentinel" as in events and replies.
const char* instance_type(const Instance& ri);
// The flags field of SENTINEL MASTERS / REPLICAS.
std::string flags_text(const Instance& ri);

}  // namespace sentinel
