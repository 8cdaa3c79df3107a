#include "datanode/server/listener_config.h"

#include <memory>
#include <string>
#include <vector>

#include "common/log/log.h"
#include "datanode/server/server.h"

namespace datanode {

namespace {

struct Bound {
  int port;
  std::vector<std::string> bind;
};

// Closes the listeners and opens the configured ones; on failure reopens the previous ones (their
// addresses were ours a moment ago) and returns `error`.
std::string rebind(Server& server, Bound& bound, const char* error) {
  Settings& s = server.settings();
  net::Server& net = server.network();
  net.close_listeners();
  std::string err = net.listen(s.bind, s.port, s.tcp_backlog);
  if (err.empty()) {
    bound = {s.port, s.bind};
    return "";
  }
  LOG_WARNING("%s", err.c_str());
  net.close_listeners();
  std::string restore = net.listen(bound.bind, bound.port, s.tcp_backlog);
  if (!restore.empty()) LOG_WARNING("Could not restore the previous listeners: %s", restore.c_str());
  return error;
}

}  // namespace

void install_listener_config(Server& server) {
  // What the listeners are bound to now: the settings the server starts with, then each accepted change.
  auto bound = std::make_shared<Bound>(Bound{server.settings().port, server.settings().bind});
  if (config::Option* o = server.registry().find("port")) {
    o->immutable = false;
    o->on_change = [&server, bound] {
      if (server.settings().port == bound->port) return std::string();
      std::string err = rebind(server, *bound, "Unable to listen on this port. Check server logs.");
      if (!err.empty()) server.settings().port = bound->port;
      return err;
    };
  }
  if (config::Option* o = server.registry().find("bind")) {
    o->immutable = false;
    o->on_change = [&server, bound] {
      if (server.settings().bind == bound->bind) return std::string();
      std::string err = rebind(server, *bound, "Failed to bind to specified addresses.");
      if (!err.empty()) server.settings().bind = bound->bind;
      return err;
    };
  }
}

}  // namespace datanode
