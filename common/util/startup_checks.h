// Checks both binaries run before they start serving, so a node never runs with nowhere to write: each
// returns "" or the reason, worded for the operator (Redis refuses to start in the same cases).
#pragma once

#include <string>

namespace util {

// `dir` must exist, be a directory, and be writable (AOF, RDB, nodes.conf and temp files go there).
std::string check_data_dir(const std::string& dir);
// A non-empty `logfile` must be appendable (created if missing), or every log line would be lost.
std::string check_log_file(const std::string& logfile);
// A sentinel's config file must exist and be writable, and so must its directory (rewrites replace the
// file atomically): it records every failover and epoch.
std::string check_state_file(const std::string& path);

// Makes room for `maxclients` connections plus `reserved` other descriptors (listeners, files, links),
// as Redis does at start: raises the soft RLIMIT_NOFILE as far as the hard limit allows, and where it
// cannot, lowers maxclients to fit. Returns the warnings to log ("" when nothing had to give).
std::string adjust_open_files_limit(int* maxclients, int reserved = 32);

}  // namespace util
