// The key arguments of a command: the table's first/last/step positions, plus the movable-key commands
// whose keys follow a numkeys argument (ZUNIONSTORE, ZINTER, SINTERCARD, LMPOP, BLMPOP, ZMPOP ...).
#pragma once

#include <string_view>
#include <vector>

#include "datanode/server/server.h"

namespace datanode {

// Positions into args of the command's keys (empty when it has none or the arguments are malformed:
// the command itself then answers the error).
// Commands whose key positions depend on their arguments (COMMAND shows them "movablekeys").
bool has_movable_keys(const CommandSpec& cmd);
std::vector<size_t> command_key_positions(const CommandSpec& cmd, const std::vector<std::string_view>& args);

}  // namespace datanode
