// libFuzzer target for the sentinel's reading of INFO replies (sentinel::parse_info_fields, which
// Monitor::refresh_from_info applies to its model). The input is one INFO reply as a monitored master or
// replica would send it. Checked:
// - what reaches the state file is storable: every replica address a master's "slaveN" lines announce
//   is a plausible host with a port in 1..65535, and a run id is 40 hex digits or nothing;
// - parsing is stable: the fields written back as INFO text parse to the same fields.
// Seeds: tests/fuzz/corpus/sentinel_info (INFO of real redis-server and of our datanode, master and
// replica).
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sentinel/monitor/info_fields.h"

namespace {

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

// The fields as the INFO text a server would send, in the order Redis prints them.
std::string render(const sentinel::InfoFields& f) {
  std::string out = "# Server\r\n";
  if (!f.run_id.empty()) out += "run_id:" + f.run_id + "\r\n";
  out += "\r\n# Replication\r\n";
  if (f.role == sentinel::InfoFields::Role::kMaster) out += "role:master\r\n";
  if (f.role == sentinel::InfoFields::Role::kReplica) out += "role:slave\r\n";
  if (f.master_host) out += "master_host:" + *f.master_host + "\r\n";
  if (f.master_port) out += "master_port:" + std::to_string(*f.master_port) + "\r\n";
  if (f.master_link_up) out += std::string("master_link_status:") + (*f.master_link_up ? "up" : "down") + "\r\n";
  if (f.master_link_down_ms)
    out += "master_link_down_since_seconds:" + std::to_string(*f.master_link_down_ms / 1000) + "\r\n";
  if (f.replica_priority) out += "slave_priority:" + std::to_string(*f.replica_priority) + "\r\n";
  if (f.slave_repl_offset) out += "slave_repl_offset:" + std::to_string(*f.slave_repl_offset) + "\r\n";
  if (f.replica_announced) out += std::string("replica_announced:") + (*f.replica_announced ? "1" : "0") + "\r\n";
  if (f.fenced) out += "master_fenced:1\r\n";
  for (size_t i = 0; i < f.replicas.size(); ++i)
    out += "slave" + std::to_string(i) + ":ip=" + f.replicas[i].ip + ",port=" + std::to_string(f.replicas[i].port) +
           ",state=online,offset=0,lag=0\r\n";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  sentinel::InfoFields f = sentinel::parse_info_fields(input);

  FUZZ_CHECK(f.run_id.empty() || f.run_id.size() == 40);
  for (char c : f.run_id) FUZZ_CHECK(isxdigit(static_cast<unsigned char>(c)));
  for (const auto& r : f.replicas) {
    FUZZ_CHECK(sentinel::plausible_info_host(r.ip));
    FUZZ_CHECK(r.port > 0 && r.port <= 65535);
  }
  if (f.master_link_down_ms) FUZZ_CHECK(*f.master_link_down_ms % 1000 == 0);

  std::string again = render(f);
  sentinel::InfoFields g = sentinel::parse_info_fields(again);
  if (!(g == f)) {
    std::fprintf(stderr, "fields written back as INFO parse differently:\n%s\n", again.c_str());
    std::abort();
  }
  return 0;
}
