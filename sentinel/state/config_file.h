// The sentinel's TOML file is both its configuration and its memory: [[monitor]] entries written by the
// operator, plus what the sentinel learned (myid, current-epoch, and per monitor config-epoch,
// leader-epoch, known-replicas, known-sentinels, the new address after a failover). Rewritten atomically
// after every change, keeping the operator's comments and layout.
#pragma once

#include <string>

#include "common/config/registry.h"
#include "sentinel/model/sentinel_state.h"

namespace sentinel::state {

// A monitor with Redis' defaults, before the file's values apply.
std::unique_ptr<Instance> make_master(std::string name, std::string ip, int port, int quorum);

// Reads myid, current-epoch and the [[monitor]] entries. Returns "" or an error naming the file, the
// entry, the key and what was expected.
std::string load(const std::string& text, const std::string& path, SentinelState& st);

// The file text with the current state written in (top-level options through the registry).
std::string render(const std::string& original, const config::Registry& registry, const SentinelState& st);

// Reads the file, renders, replaces it atomically. "" or what failed.
std::string flush(const std::string& path, const config::Registry& registry, const SentinelState& st);

}  // namespace sentinel::state
