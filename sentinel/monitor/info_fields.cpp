#include "sentinel/monitor/info_fields.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "common/util/strings.h"

namespace sentinel {
namespace {

// "ip=127.0.0.1,port=6380,state=online,offset=1,lag=0" -> ip and port.
bool parse_replica_line(std::string_view v, InfoFields::ReplicaAddr* out) {
  out->ip.clear();
  out->port = 0;
  while (!v.empty()) {
    size_t comma = v.find(',');
    std::string_view kv = v.substr(0, comma);
    size_t eq = kv.find('=');
    if (eq != std::string_view::npos) {
      std::string_view k = kv.substr(0, eq), val = kv.substr(eq + 1);
      if (k == "ip") out->ip = std::string(val);
      if (k == "port") {
        auto p = util::parse_int(val);
        out->port = p && *p > 0 && *p <= 65535 ? static_cast<int>(*p) : 0;
      }
    }
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  // The address becomes a known replica in the state file: a name the file cannot hold (not UTF-8, a
  // port out of range) would make the sentinel refuse its own file at the next start.
  return plausible_info_host(out->ip) && out->port > 0;
}

bool is_run_id(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s)
    if (!isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

int64_t to_int(std::string_view s) {
  auto v = util::parse_int(s);
  return v ? *v : 0;
}

// INFO numbers stored in an int: clamp rather than let a huge value wrap.
int to_small_int(std::string_view s) {
  int64_t v = to_int(s);
  return static_cast<int>(std::clamp<int64_t>(v, INT32_MIN, INT32_MAX));
}

}  // namespace

bool plausible_info_host(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  for (char c : s)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '.' && c != ':' && c != '-' && c != '_') return false;
  return true;
}

InfoFields parse_info_fields(std::string_view info) {
  InfoFields f;
  while (!info.empty()) {
    size_t eol = info.find('\n');
    std::string_view line = info.substr(0, eol);
    info.remove_prefix(eol == std::string_view::npos ? info.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon), val = line.substr(colon + 1);
    if (key == "run_id") {
      if (is_run_id(val)) f.run_id = std::string(val);
    } else if (key.starts_with("slave") && key.size() > 5 && isdigit(static_cast<unsigned char>(key[5]))) {
      InfoFields::ReplicaAddr a;
      if (parse_replica_line(val, &a)) f.replicas.push_back(std::move(a));
    } else if (key == "master_link_down_since_seconds") {
      // Seconds to ms without overflow, whatever the number says.
      f.master_link_down_ms = std::clamp<int64_t>(to_int(val), INT64_MIN / 1000, INT64_MAX / 1000) * 1000;
    } else if (key == "role") {
      if (val == "master") f.role = InfoFields::Role::kMaster;
      else if (val == "slave") f.role = InfoFields::Role::kReplica;
    } else if (key == "master_host") {
      f.master_host = std::string(val);
    } else if (key == "master_port") {
      f.master_port = to_small_int(val);
    } else if (key == "master_link_status") {
      f.master_link_up = val == "up";
    } else if (key == "slave_priority" || key == "replica_priority") {
      f.replica_priority = to_small_int(val);
    } else if (key == "slave_repl_offset") {
      f.slave_repl_offset = to_int(val);
    } else if (key == "replica_announced") {
      f.replica_announced = val == "1";
    } else if (key == "master_fenced") {
      f.fenced = val == "1";
    }
  }
  return f;
}

}  // namespace sentinel
