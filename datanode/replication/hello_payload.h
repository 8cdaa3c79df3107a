// The payload of a sentinel hello as a monitored instance sees it (a PUBLISH on __sentinel__:hello):
// "ip,port,runid,current_epoch,master_name,master_ip,master_port,master_config_epoch", as Redis
// Sentinel and ours send it. Only what the demoted-master fence needs is kept (fence.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace datanode {

struct SentinelHello {
  int64_t current_epoch = 0;
  std::string master_ip;
  std::string master_port;
  int64_t master_config_epoch = 0;
};

// Exactly eight comma-separated fields, non-negative epochs, a port in 0..65535 and a master host made of
// [0-9A-Za-z.:_%-] (it is persisted as one word), or nothing.
std::optional<SentinelHello> parse_sentinel_hello(std::string_view payload);

}  // namespace datanode
