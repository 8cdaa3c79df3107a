// Line-level reading of TOML text, for rewriting a file while keeping the operator's comments and
// layout (CONFIG REWRITE of the datanode, the sentinel's state file).
#pragma once

#include <string>

namespace config {

// The key of a `key = value` line ("" for comments, blanks and table headers); quotes are removed.
std::string toml_line_key(const std::string& line);
// `[table]` or `[[array.of.tables]]`.
bool toml_is_table_header(const std::string& line);
// How many brackets/braces a line opens minus closes, outside strings and comments, so a value
// spread over several lines can be found whole.
int toml_bracket_delta(const std::string& line);

}  // namespace config
