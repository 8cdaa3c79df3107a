// What the non-blocking list commands share with their blocking forms (lists_blocking.cpp).
#pragma once

#include <string_view>
#include <vector>

#include "datanode/server/blocking.h"
#include "datanode/server/server.h"

namespace datanode {

// LMPOP and BLMPOP: "numkeys key... LEFT|RIGHT [COUNT n]" from argument `numkeys_index` on, with Redis'
// errors. Returns false after an error reply.
bool parse_mpop(Context& ctx, size_t numkeys_index, std::vector<std::string_view>& keys, ListPopOp& op);

// Serves `op` from the first of `keys` holding a list, in order, and sets its propagation. Returns false
// (nothing written) when none holds one; true after a reply, WRONGTYPE included.
bool serve_first_ready(Context& ctx, const std::vector<std::string_view>& keys, const ListPopOp& op);

void register_blocking_list_commands(CommandTable& t);

}  // namespace datanode
