// INFO: Redis 7's sections, in Redis' order and with Redis' field names, plus the sections subsystems
// register with Server::add_info_section (a registered "persistence" or "replication" replaces the
// built-in default at Redis' position).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace datanode {

class Server;

// The INFO text for the requested section names (case-insensitive; "default", "all", "everything";
// none means default). Unknown names select nothing, as in Redis.
std::string render_info(Server& server, const std::vector<std::string_view>& sections);

// Memory figures shared by INFO and the metrics: bytes in use by malloc, and the resident set size.
int64_t malloc_used_bytes();
int64_t process_rss_bytes();
// "943.64K" like Redis' bytesToHuman.
std::string bytes_to_human(int64_t n);

}  // namespace datanode
