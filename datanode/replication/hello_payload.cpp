#include "datanode/replication/hello_payload.h"

#include <vector>

#include "common/util/strings.h"

namespace datanode {

std::optional<SentinelHello> parse_sentinel_hello(std::string_view payload) {
  std::vector<std::string_view> f;
  for (size_t at = 0;;) {
    size_t comma = payload.find(',', at);
    f.push_back(payload.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at));
    if (comma == std::string_view::npos || f.size() > 8) break;
    at = comma + 1;
  }
  if (f.size() != 8) return std::nullopt;
  auto current = util::parse_int(f[3]);
  auto config = util::parse_int(f[7]);
  if (!current || !config || *current < 0 || *config < 0) return std::nullopt;
  // The master's address goes into the role state file as one word: a host name or an IP, a port.
  auto port = util::parse_int(f[6]);
  if (!port || *port < 0 || *port > 65535 || f[5].empty() || f[5].size() > 255) return std::nullopt;
  for (char ch : f[5]) {
    bool ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '.' ||
              ch == ':' || ch == '-' || ch == '_' || ch == '%';
    if (!ok) return std::nullopt;
  }
  return SentinelHello{*current, std::string(f[5]), std::string(f[6]), *config};
}

}  // namespace datanode
