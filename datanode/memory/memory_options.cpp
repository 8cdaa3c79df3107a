// The memory options (maxmemory-samples, -eviction-tenacity, lfu-*, jemalloc-bg-thread,
// maxmemory-clients), registered apart from the subsystem so the config fuzz target links without it.
#include <memory>
#include <string>

#include "common/config/registry.h"
#include "common/util/strings.h"
#include "datanode/memory/memory.h"

namespace datanode {

bool parse_clients_limit(std::string_view text, int64_t* out) {
  if (auto bytes = util::parse_memory(text)) {
    if (*bytes < 0) return false;
    *out = *bytes;
    return true;
  }
  if (text.size() > 1 && text.back() == '%') {
    auto pct = util::parse_int(text.substr(0, text.size() - 1));
    if (pct && *pct >= 0) {
      *out = -*pct;
      return true;
    }
  }
  return false;
}

void register_memory_options(config::Registry& r) {
  auto options = std::make_shared<MemoryOptions>();
  // Each option's getter holds the shared values, so they live as long as the registry.
  auto keep = [options](config::Option& o) { o.get = [options, get = o.get] { return get(); }; };
  keep(r.add_int("maxmemory-samples", &options->samples, 1, INT32_MAX));
  keep(r.add_int("maxmemory-eviction-tenacity", &options->tenacity, 0, 100));
  keep(r.add_int("lfu-log-factor", &options->lfu_log_factor, 0, INT32_MAX));
  keep(r.add_int("lfu-decay-time", &options->lfu_decay_time, 0, INT32_MAX));
  keep(r.add_bool("jemalloc-bg-thread", &options->jemalloc_bg_thread));
  config::Option o;
  o.name = "maxmemory-clients";
  o.expected = "a memory value or a percentage of maxmemory (\"10%\")";
  o.get = ClientsLimitText{options};
  o.set = [options](std::string_view v) {
    int64_t parsed = 0;
    if (!parse_clients_limit(v, &parsed) || parsed < -100) return false;
    options->clients_limit = parsed < 0 ? std::to_string(-parsed) + "%" : std::to_string(parsed);
    return true;
  };
  o.why_invalid = [](std::string_view v) {
    int64_t parsed = 0;
    if (parse_clients_limit(v, &parsed) && parsed < -100)
      return std::string("percentage argument must be less or equal to 100");
    return std::string("argument must be a memory or percent value");
  };
  o.toml_literal = [options] { return config::toml_quote(options->clients_limit); };
  o.default_text = "0";
  r.add(std::move(o));
}

}  // namespace datanode
