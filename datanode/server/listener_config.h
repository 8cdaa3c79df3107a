// CONFIG SET port / bind at runtime: the listeners are re-bound; when the new addresses cannot be
// listened on, the previous listeners come back and the change is refused with Redis' error text.
#pragma once

namespace datanode {

class Server;

// Hooks the "port" and "bind" options of the server's registry.
void install_listener_config(Server& server);

}  // namespace datanode
