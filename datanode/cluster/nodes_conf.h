// nodes.conf: Redis' own text format (CLUSTER NODES lines plus "vars currentEpoch N lastVoteEpoch M"),
// so a file written by redis-server loads here and the other way round. Saved in place as Redis 7.0
// does (one write padded with newlines to the old length, fsync when asked, then truncate): a process
// killed at any point leaves a whole file, and no rename means no inode to free on every save (which
// ext4 makes slow on a busy disk). Locked against a second process.
#pragma once

#include <string>

#include "datanode/cluster/node.h"

namespace cluster {

// The file text for a state (handshake nodes left out).
std::string render_nodes_conf(const State& st, int64_t now_unix_ms);
// Parses a nodes.conf text into an empty state. Returns "" or what is wrong with it.
std::string parse_nodes_conf(const std::string& text, State& st);
// Takes an exclusive, non-blocking flock on the file (created if missing). Returns the fd, or -1 with
// *error set when another process holds it.
int lock_nodes_conf(const std::string& path, std::string* error);
// Writes `text` over the file open for writing on `fd`, in place; fsyncs when `sync`.
// Returns "" or what failed.
std::string write_nodes_conf(int fd, const std::string& text, bool sync);

}  // namespace cluster
