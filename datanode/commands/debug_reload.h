// DEBUG RELOAD: the data set goes through an RDB snapshot and back, as Redis' save-flush-load cycle
// (Redis' own test suite uses it to check that every type survives persistence).
#pragma once

#include "datanode/server/context.h"

namespace datanode {

void debug_reload(Context& ctx);

}  // namespace datanode
