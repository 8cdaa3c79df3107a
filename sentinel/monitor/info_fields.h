// What the sentinel reads from an INFO reply, parsed without touching the model: a pure function so it
// can be tested and fuzzed alone (tests/fuzz/sentinel_info_fuzz.cpp). Monitor::refresh_from_info applies
// the result. INFO text comes from the monitored instances and, through a master's "slaveN" lines, from
// whatever its replicas announce: fields that end up in the state file are checked here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sentinel {

struct InfoFields {
  enum class Role { kUnknown, kMaster, kReplica };
  struct ReplicaAddr {
    std::string ip;
    int port = 0;
    bool operator==(const ReplicaAddr&) const = default;
  };

  std::string run_id;  // "" when absent or not 40 hex digits
  Role role = Role::kUnknown;
  std::vector<ReplicaAddr> replicas;  // "slaveN:ip=...,port=..." lines with a plausible address, in order
  std::optional<int64_t> master_link_down_ms;  // master_link_down_since_seconds * 1000
  std::optional<std::string> master_host;
  std::optional<int> master_port;
  std::optional<bool> master_link_up;
  std::optional<int> replica_priority;  // slave_priority or replica_priority
  std::optional<int64_t> slave_repl_offset;
  std::optional<bool> replica_announced;
  // A datanode master refusing writes until its role is confirmed (datanode/replication/fence.h).
  bool fenced = false;

  bool operator==(const InfoFields&) const = default;
};

// Lines "key:value" separated by \n or \r\n; a key seen twice: the last one wins (replicas accumulate).
InfoFields parse_info_fields(std::string_view info);

// An address or host name as an instance would announce it: 1-255 of [A-Za-z0-9.:_-].
bool plausible_info_host(std::string_view s);

}  // namespace sentinel
