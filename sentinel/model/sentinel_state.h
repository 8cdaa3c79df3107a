// The whole model of one sentinel process: its identity, the epoch, the monitored masters (each owning
// its replicas and peer sentinels), TILT, and a graveyard so instances removed while one of their own
// link callbacks runs are freed only on the next timer tick.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sentinel/model/events.h"
#include "sentinel/model/instance.h"

namespace sentinel {

enum SimulateFailure : uint32_t { kCrashAfterElection = 1, kCrashAfterPromotion = 2 };

struct SentinelState {
  std::string myid;
  uint64_t current_epoch = 0;
  std::map<std::string, std::unique_ptr<Instance>> masters;
  std::vector<std::unique_ptr<Instance>> graveyard;

  bool tilt = false;
  int64_t tilt_start_time = 0;
  int64_t tilt_start_unix_ms = 0;
  int64_t previous_time = 0;
  uint32_t simulate_failure_flags = 0;
  int running_scripts = 0;
  int queued_scripts = 0;

  Events events;

  Instance* find_master(std::string_view name);
  Instance* find_master_by_addr(std::string_view ip, int port);
  // Moves an instance (and what it owns) to the graveyard.
  void bury(std::unique_ptr<Instance> ri);
  void clear_graveyard() { graveyard.clear(); }
};

// 40 random hex characters.
std::string random_hex_id();

}  // namespace sentinel
