// CLIENT PAUSE/UNPAUSE, REPLY, TRACKING, CACHING, GETREDIR, TRACKINGINFO: called by the CLIENT
// dispatcher (clients.cpp) once the subcommand's arity is checked.
#pragma once

#include "datanode/server/context.h"

namespace datanode {

void client_pause(Context& ctx);
void client_unpause(Context& ctx);
void client_reply(Context& ctx);
void client_tracking(Context& ctx);
void client_caching(Context& ctx);
void client_getredir(Context& ctx);
void client_trackinginfo(Context& ctx);

}  // namespace datanode
