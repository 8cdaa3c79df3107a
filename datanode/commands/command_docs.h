// COMMAND DOCS text of Redis 7.0 (summaries, complexity, history, arguments), generated into
// command_docs.inc by tools/gen_command_docs.py and replayed through the reply writer.
#pragma once

#include <string_view>

#include "common/resp/writer.h"

namespace datanode::docs {

// Writes Redis' documentation map of `name` ("get", "config|set"); false when Redis has none.
bool reply(resp::Writer& out, std::string_view name);

}  // namespace datanode::docs
