// The one-line description of a client that CLIENT LIST, CLIENT INFO and log lines print, with Redis
// 7's fields in Redis' order.
#pragma once

#include <string>

namespace datanode {

class Server;
struct Client;

std::string client_info_line(Server& server, const Client& c);
// The flag letters of that line ("N" when none applies).
std::string client_flags(const Client& c);

}  // namespace datanode
