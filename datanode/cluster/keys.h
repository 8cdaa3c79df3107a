// The key arguments a cluster node routes by, as Redis 7.0's getKeysFromCommand finds them: the key specs
// (the extraction COMMAND GETKEYS uses) for commands Redis flags "movablekeys" (ZUNIONSTORE, EVAL, XREAD,
// SORT, MIGRATE ...), the table's first/last/step range for every other command (shard channels too).
#pragma once

#include <string_view>
#include <vector>

#include "datanode/server/server.h"

namespace datanode {

// Commands whose key positions depend on their arguments (COMMAND shows them "movablekeys").
bool has_movable_keys(const CommandSpec& cmd);
// Positions into args of the command's keys (empty when it has none or the arguments are malformed:
// the command itself then answers the error).
std::vector<size_t> command_key_positions(const CommandSpec& cmd, const std::vector<std::string_view>& args);

}  // namespace datanode
