// The server family is several files (server.cpp, connection.cpp, config.cpp, introspection.cpp);
// register_server_commands registers all of them.
#pragma once

#include "datanode/server/server.h"

namespace datanode {

void register_connection_commands(CommandTable& t);     // AUTH, HELLO, RESET
void register_config_commands(CommandTable& t);         // CONFIG
void register_introspection_commands(CommandTable& t);  // COMMAND
void debug_object(Context& ctx);                        // DEBUG OBJECT <key> (object.cpp)

}  // namespace datanode
