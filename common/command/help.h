// The reply of every "<COMMAND> HELP": Redis' header line, the given lines, and the HELP entry, each as
// a status reply, exactly as redis-cli prints them.
#pragma once

#include <initializer_list>
#include <string_view>

#include "common/resp/writer.h"
#include "common/util/strings.h"

namespace command {

inline void reply_help(resp::Writer& out, std::string_view command, std::initializer_list<std::string_view> lines) {
  out.array_header(lines.size() + 3);
  out.simple(util::to_upper(command) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (std::string_view l : lines) out.simple(l);
  out.simple("HELP");
  out.simple("    Prints this help.");
}

// "ERR wrong number of arguments for 'client|kill' command"
inline std::string wrong_sub_arity_error(std::string_view command, std::string_view sub) {
  return "ERR wrong number of arguments for '" + util::to_lower(command) + "|" + util::to_lower(sub) + "' command";
}

}  // namespace command
