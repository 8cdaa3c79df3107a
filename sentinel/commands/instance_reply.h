// The field lists of SENTINEL MASTERS / MASTER / REPLICAS / SENTINELS, in Redis 7's order.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/resp/writer.h"
#include "sentinel/model/instance.h"

namespace sentinel {

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields instance_fields(const Instance& ri, int64_t now_ms);
void write_fields(resp::Writer& out, const Fields& fields);

}  // namespace sentinel
