// DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis' dataset digest (debug.c), so one value's digest here
// equals redis-server's for the same value (the cluster tool compares values across nodes with it).
#pragma once

#include "datanode/commands/families.h"

namespace datanode {

void debug_digest(Context& ctx);
void debug_digest_value(Context& ctx);

}  // namespace datanode
