// DEBUG PROTOCOL <type>: one reply of each RESP type, as Redis answers it (client libraries test their
// RESP2 and RESP3 readers against it).
#pragma once

#include "datanode/server/context.h"

namespace datanode {

void debug_protocol(Context& ctx);

}  // namespace datanode
