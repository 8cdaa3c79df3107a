// Which replica to promote when a master fails: the filtering and ordering rules of Redis Sentinel's
// sentinelSelectSlave, over plain data so they can be tested without links or clocks.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sentinel::failover {

// A time in the monitor's monotonic milliseconds (util::mono_ms); 0 (or less) means "never", as in Redis.
constexpr int64_t kNever = 0;

// How long ago `when` was, or "forever" when it never happened.
inline int64_t age_ms(int64_t now_ms, int64_t when_ms) { return when_ms <= 0 ? INT64_MAX : now_ms - when_ms; }

// What the monitor knows about one replica of the failing master. The first block feeds the selection;
// the second is what the replica's last INFO said, which the failover state machine watches.
struct ReplicaView {
  std::string runid;  // empty when INFO never gave one: such a replica sorts after every other
  std::string ip;
  int port = 0;
  bool sdown = false;
  bool odown = false;
  bool disconnected = false;         // the command link is down right now
  int64_t last_avail_ms = kNever;    // last valid PING reply (Redis: link->last_avail_time)
  int64_t info_refresh_ms = kNever;  // when the last INFO reply arrived
  int64_t master_link_down_ms = 0;   // INFO master_link_down_since_seconds * 1000 (0 while the link is up)
  int priority = 100;                // INFO slave_priority / replica-priority; 0 = never promote
  int64_t repl_offset = 0;           // INFO slave_repl_offset

  bool role_master = false;     // INFO role:master (a promoted replica reports this)
  std::string master_host;      // INFO master_host (where it replicates from)
  int master_port = 0;          // INFO master_port
  bool master_link_up = false;  // INFO master_link_status:up
};

// What the selection needs to know about the master and the sentinel's periods.
struct SelectionParams {
  int64_t now_ms = 0;
  bool master_sdown = false;
  int64_t master_sdown_since_ms = 0;  // meaningful only while master_sdown
  int64_t down_after_ms = 30000;
  int64_t ping_period_ms = 1000;   // the master's PING period (Redis: min(1000, down-after))
  int64_t info_period_ms = 10000;  // Redis SENTINEL_INFO_PERIOD
};

// Why a replica cannot be promoted (kOk when it can); useful in logs and for SENTINEL debugging.
enum class Rejection {
  kOk,
  kDown,
  kDisconnected,
  kNoRecentPing,
  kStaleInfo,
  kLinkDownTooLong,
  kPriorityZero
};
const char* rejection_text(Rejection r);

Rejection check_candidate(const ReplicaView& r, const SelectionParams& p);

// True when `a` is a better promotion candidate than `b`: lower priority, then larger offset, then the
// smaller run id (case-insensitive; an unknown run id loses).
bool better_candidate(const ReplicaView& a, const ReplicaView& b);

// The index in `replicas` of the replica to promote, or nothing when none qualifies.
std::optional<size_t> select_promotion_candidate(std::span<const ReplicaView> replicas,
                                                 const SelectionParams& p);

// True when every replica that qualifies for promotion, or would with a fresh INFO, has answered INFO
// at or after `since_ms`.
bool candidates_answered_since(std::span<const ReplicaView> replicas, const SelectionParams& p,
                               int64_t since_ms);

}  // namespace sentinel::failover
