// Redis 7's protected actions: enable-protected-configs (CONFIG SET of dir, dbfilename),
// enable-debug-command (DEBUG) and enable-module-command (MODULE), each "no" (the default), "yes" or
// "local" (from a loopback connection only). They are start-up options: nobody can switch them on over
// the wire, so a stolen password cannot move the data directory or freeze the node with DEBUG SLEEP.
#pragma once

#include <string>

#include "common/config/registry.h"

namespace datanode {

class Server;
struct Client;

// Adds the three enable-* options to the registry (before the config file is loaded).
void register_protected_options(config::Registry& registry);

// Hooks the runtime side into the server: the CONFIG SET hook for dir (refused unless the change can
// take effect at once and consistently).
void install_protected_actions(Server& server);

// "" or the error refusing `command` (lowercase name) for this client: DEBUG / MODULE when disabled.
std::string protected_command_error(Server& server, const Client& c, const std::string& command);

// "" or the error refusing CONFIG SET of `option` (a protected config) for this client; the error names
// the option as the client typed it, as Redis does.
std::string protected_config_error(Server& server, const Client& c, const config::Option& option,
                                   const std::string& typed_name);

}  // namespace datanode
