// State of failure handling on one node (Redis 7.0's failover_auth_*, mf_*, lastVoteEpoch companions):
// the replica's election in progress, the manual failover handshake on either side, the votes this
// master gave per failed master, and counters the metrics report. Plain data; the rules live in
// failure_detection.cpp, failover.cpp, manual_failover.cpp and replica_migration.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace cluster {

// Why an election attempt ended without a win (the metrics' "reason" label).
enum class LostReason { kExpired, kDataAge, kCount };

struct FailoverState {
  // Replica side: the election (Redis' failover_auth_time/count/sent/rank/epoch).
  int64_t auth_time_ms = 0;
  int auth_count = 0;
  bool auth_sent = false;
  int auth_rank = 0;
  uint64_t auth_epoch = 0;
  int cant_reason = 0;
  bool attempt_closed = false;  // the current attempt was already counted as lost
  int64_t cant_logged_ms = 0;
  // Manual failover: mf_end_ms != 0 while one runs; a master also remembers the replica it paused for.
  int64_t mf_end_ms = 0;
  bool mf_can_start = false;
  int64_t mf_master_offset = -1;
  std::string mf_replica;
  // Master side: when we last voted for a replica of each master (by the master's id).
  std::map<std::string, int64_t> voted_time_ms;
  // Replica migration: since when each master is orphaned (by id).
  std::map<std::string, int64_t> orphaned_since_ms;

  // Counters for the metrics.
  uint64_t elections_started = 0, elections_won = 0, manual_started = 0, takeovers = 0;
  std::array<uint64_t, static_cast<size_t>(LostReason::kCount)> elections_lost{};
  uint64_t votes_granted = 0, votes_denied = 0, replica_migrations = 0;
  // Time from our master's FAIL to our promotion, summed over failovers we won (for an average).
  double fail_to_master_seconds_sum = 0;
  uint64_t fail_to_master_count = 0;
  double last_fail_to_master_seconds = 0;
};

}  // namespace cluster
