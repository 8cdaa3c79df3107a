// What MONITOR shows of an executed command, as Redis 7.0 decides it: nothing for administrative
// commands and subcommands (CONFIG, CLIENT LIST ...), and AUTH / HELLO AUTH / MIGRATE AUTH with their
// secrets replaced by "(redacted)".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "datanode/server/server.h"

namespace datanode {

// Whether monitors see this command (the caller has checked that some monitor exists).
bool monitor_shows(const CommandSpec& cmd, const Args& args);
// The arguments as monitors see them (views of `args` or of static text).
Args monitor_view(const CommandSpec& cmd, const Args& args);

}  // namespace datanode
