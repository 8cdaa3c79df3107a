// The memory subsystem's wiring (guards, cron, options) and maxmemory-clients (Redis' evictClients).
#include "datanode/memory/memory.h"

#include <algorithm>
#include <cstdint>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "datanode/aof/aof.h"
#include "datanode/server/client_info.h"
#include "datanode/server/server.h"

namespace datanode {

namespace {

// maxmemory-clients: bytes, or "N%" of maxmemory (Redis stores the percentage as a negative number).
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

void add_clients_limit_option(Settings& s, config::Registry& r) {
  config::Option o;
  o.name = "maxmemory-clients";
  o.expected = "a memory value or a percentage of maxmemory (\"10%\")";
  o.get = [&s] { return s.maxmemory_clients; };
  o.set = [&s](std::string_view v) {
    int64_t parsed = 0;
    if (!parse_clients_limit(v, &parsed) || parsed < -100) return false;
    s.maxmemory_clients = parsed < 0 ? std::to_string(-parsed) + "%" : std::to_string(parsed);
    return true;
  };
  o.why_invalid = [](std::string_view v) {
    int64_t parsed = 0;
    if (parse_clients_limit(v, &parsed) && parsed < -100) return std::string("percentage argument must be less or equal to 100");
    return std::string("argument must be a memory or percent value");
  };
  o.toml_literal = [&s] { return config::toml_quote(s.maxmemory_clients); };
  o.default_text = "0";
  r.add(std::move(o));
}

}  // namespace

void register_memory_options(Settings& s, config::Registry& r) {
  r.add_int("maxmemory-samples", &s.maxmemory_samples, 1, INT32_MAX);
  r.add_int("maxmemory-eviction-tenacity", &s.maxmemory_eviction_tenacity, 0, 100);
  r.add_int("lfu-log-factor", &s.lfu_log_factor, 0, INT32_MAX);
  r.add_int("lfu-decay-time", &s.lfu_decay_time, 0, INT32_MAX);
  r.add_bool("jemalloc-bg-thread", &s.jemalloc_bg_thread);
  add_clients_limit_option(s, r);
}

Memory::Memory(Server& server) : server_(server) {
  allocator::set_background_thread(server_.settings().jemalloc_bg_thread);
  apply_access_policy();
  for (const char* name : {"maxmemory-policy", "lfu-log-factor", "lfu-decay-time"}) {
    if (config::Option* o = server_.registry().find(name)) {
      o->on_change = [this] {
        apply_access_policy();
        return std::string();
      };
    }
  }
  if (config::Option* o = server_.registry().find("jemalloc-bg-thread")) {
    o->on_change = [this] {
      allocator::set_background_thread(server_.settings().jemalloc_bg_thread);
      return std::string();
    };
  }
  server_.add_command_guard(
      [this](const Client& c, const CommandSpec& cmd) { return oom_guard(c, cmd.name); });
  server_.add_periodic(100, [this](int64_t) { cron(); });
}

void Memory::apply_access_policy() {
  const Settings& s = server_.settings();
  store::Database::AccessPolicy p;
  p.lfu = s.maxmemory_policy.find("lfu") != std::string::npos;
  p.log_factor = s.lfu_log_factor;
  p.decay_minutes = s.lfu_decay_time;
  for (store::Database& db : server_.databases()) db.set_access_policy(p);
}

void Memory::cron() {
  used_.refresh();
  server_.note_memory_peak(used_.get());
  if (server_.settings().maxmemory <= 0) return;
  evict_clients();
  // Finishes what a command's time budget left over (Redis' eviction time proc).
  perform_evictions();
}

int64_t Memory::not_counted() const {
  int64_t bytes = 0;
  for (const auto& [id, c] : server_.clients())
    if (c->conn != nullptr && c->has(kClientReplica)) bytes += static_cast<int64_t>(c->conn->pending_output());
  bytes += static_cast<int64_t>(server_.aof().buffered_bytes());
  return bytes;
}

int64_t Memory::client_memory(const Client& c) {
  int64_t bytes = static_cast<int64_t>(sizeof(Client) + c.multi_mem);
  if (c.conn != nullptr)
    bytes += static_cast<int64_t>(c.conn->input().capacity() + c.conn->pending_output());
  return bytes;
}

int64_t Memory::clients_limit() const {
  int64_t setting = 0;
  if (!parse_clients_limit(server_.settings().maxmemory_clients, &setting)) return 0;
  if (setting >= 0) return setting;
  return server_.settings().maxmemory * -setting / 100;
}

void Memory::evict_clients() {
  int64_t limit = clients_limit();
  if (limit <= 0) return;
  // Normal and pub/sub clients count, as in Redis: replicas and the master link have their own limits.
  auto evictable = [](const Client& c) {
    return c.conn != nullptr && !c.has(kClientReplica | kClientMaster | kClientNoEvict | kClientCloseAsap);
  };
  int64_t total = 0;
  for (const auto& [id, c] : server_.clients())
    if (evictable(*c)) total += client_memory(*c);
  while (total >= limit) {
    Client* largest = nullptr;
    int64_t largest_bytes = 0;
    for (const auto& [id, c] : server_.clients()) {
      if (!evictable(*c)) continue;
      int64_t bytes = client_memory(*c);
      if (largest == nullptr || bytes > largest_bytes) {
        largest = c;
        largest_bytes = bytes;
      }
    }
    if (largest == nullptr) return;
    LOG_VERBOSE("Evicting client: %s", client_info_line(server_, *largest).c_str());
    evicted_clients_++;
    total -= largest_bytes;
    server_.close_client_async(*largest);
  }
}

int64_t Memory::current_eviction_exceeded_ms() const {
  return over_since_ms_ == 0 ? 0 : util::mono_ms() - over_since_ms_;
}

int64_t Memory::eviction_exceeded_ms() const { return exceeded_total_ms_ + current_eviction_exceeded_ms(); }

}  // namespace datanode
