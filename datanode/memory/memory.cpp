// The memory subsystem's wiring (options, guards, cron), maxmemory-clients (Redis' evictClients) and
// the LFU counters.
#include "datanode/memory/memory.h"

#include <algorithm>
#include <climits>
#include <cstdint>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "datanode/server/client_info.h"
#include "datanode/server/server.h"

namespace datanode {

namespace {

// Redis' LFU: a key starts at 5 so a new key is not evicted before it had a chance to be read again.
constexpr uint32_t kLfuInitVal = 5;

uint32_t lfu_minutes(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 60000) & 65535; }

// The counter after one decrement per lfu-decay-time minutes idle (Redis' LFUDecrAndReturn).
uint32_t lfu_decayed(uint32_t clock, int64_t now_ms, int decay_minutes) {
  uint32_t last = clock >> 8, counter = clock & 255;
  uint32_t now = lfu_minutes(now_ms);
  uint32_t elapsed = now >= last ? now - last : 65535 - last + now;
  uint32_t periods = decay_minutes > 0 ? elapsed / static_cast<uint32_t>(decay_minutes) : 0;
  return periods > counter ? 0 : counter - periods;
}

// Commands that look at a key without it counting as an access (Redis' LOOKUP_NOTOUCH callers).
bool no_touch(const std::string& command) {
  return command == "object" || command == "type" || command == "exists" || command == "ttl" ||
         command == "pttl" || command == "expiretime" || command == "pexpiretime" || command == "memory" ||
         command == "debug" || command == "dump";
}

}  // namespace

void install_memory(Server& server) {
  config::Option* o = server.registry().find("maxmemory-clients");
  const ClientsLimitText* getter = o != nullptr ? o->get.target<ClientsLimitText>() : nullptr;
  if (getter == nullptr) return;
  // Owned by the server's hooks below; the server and the options keep a pointer to it.
  auto memory = std::make_shared<Memory>(server, getter->options);
  getter->options->memory = memory.get();
  server.set_memory(memory.get());
  server.add_route_guard([memory](const Client& c, const CommandSpec& cmd, const Args& args) {
    if (memory->lfu_policy())
      memory->note_access(c, cmd.name, cmd.first_key, cmd.last_key, cmd.key_step, args);
    return std::string();
  });
  server.add_periodic(100, [memory](int64_t) { memory->cron(); });
}

Memory::Memory(Server& server, std::shared_ptr<MemoryOptions> options)
    : server_(server), options_(std::move(options)), rng_(std::random_device{}()) {
  lfu_.resize(server_.databases().size());
  lfu_policy_ = server_.settings().maxmemory_policy.find("lfu") != std::string::npos;
  allocator::set_background_thread(options_->jemalloc_bg_thread);
  if (config::Option* o = server_.registry().find("jemalloc-bg-thread")) {
    o->on_change = [this] {
      allocator::set_background_thread(options_->jemalloc_bg_thread);
      return std::string();
    };
  }
  if (config::Option* o = server_.registry().find("maxmemory"); o != nullptr && !o->on_change) {
    // Redis evicts at once when CONFIG SET lowers the limit below the data set (updateMaxmemory).
    o->on_change = [this] {
      perform_evictions();
      return std::string();
    };
  }
  if (config::Option* o = server_.registry().find("maxmemory-policy")) {
    o->on_change = [this] {
      lfu_policy_ = server_.settings().maxmemory_policy.find("lfu") != std::string::npos;
      // Counters of an earlier LFU period would be stale: start over, as Redis' data "adjusts".
      if (!lfu_policy())
        for (auto& table : lfu_) table.clear();
      pool_.clear();
      return std::string();
    };
  }
}


void Memory::note_access(const Client& c, const std::string& command, int first, int last, int step,
                         const std::vector<std::string_view>& args) {
  if (first <= 0 || step <= 0 || no_touch(command) || c.db < 0 || static_cast<size_t>(c.db) >= lfu_.size())
    return;
  int end =
      last < 0 ? static_cast<int>(args.size()) + last : std::min(last, static_cast<int>(args.size()) - 1);
  int64_t now = util::unix_ms();
  store::Database& db = server_.db(c.db);
  util::StringMap<uint32_t>& table = lfu_[static_cast<size_t>(c.db)];
  for (int i = first; i <= end; i += step) {
    std::string_view key = args[static_cast<size_t>(i)];
    if (db.keys_table().lookup(key) == nullptr) continue;  // created by this command: starts at 5
    auto it = table.find(key);
    uint32_t counter =
        it == table.end() ? kLfuInitVal : lfu_decayed(it->second, now, options_->lfu_decay_time);
    // Logarithmic increment: the more hits a key has, the less likely one more counts (LFULogIncr).
    if (counter < 255) {
      double base = counter > kLfuInitVal ? counter - kLfuInitVal : 0;
      double p = 1.0 / (base * options_->lfu_log_factor + 1);
      if (std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < p) counter++;
    }
    uint32_t clock = (lfu_minutes(now) << 8) | counter;
    if (it == table.end())
      table.emplace(std::string(key), clock);
    else
      it->second = clock;
  }
}

int64_t Memory::lfu_frequency(int db, std::string_view key, int64_t now_ms) const {
  if (db < 0 || static_cast<size_t>(db) >= lfu_.size()) return kLfuInitVal;
  const auto& table = lfu_[static_cast<size_t>(db)];
  auto it = table.find(key);
  return it == table.end() ? kLfuInitVal : lfu_decayed(it->second, now_ms, options_->lfu_decay_time);
}

void Memory::cron() {
  used_.refresh();
  server_.note_memory_peak(used_.get());
  // Counters of keys that went away (deleted, expired, renamed) are dropped once they could be half of
  // the table, so the side table stays proportional to the data set.
  for (size_t i = 0; i < lfu_.size(); ++i) {
    auto& table = lfu_[i];
    store::Database& db = server_.db(static_cast<int>(i));
    if (table.size() < 1024 || table.size() < 2 * db.size()) continue;
    for (auto it = table.begin(); it != table.end();) {
      if (db.keys_table().lookup(it->first) == nullptr)
        table.erase(it++);
      else
        ++it;
    }
  }
  // Redis' clientsCronResizeQueryBuffer: the buffer a big request needed goes back to the allocator once
  // the client is idle, or a 200 MB SET would keep 200 MB after its key is gone.
  for (const auto& [id, c] : server_.clients())
    if (c->conn != nullptr && c->conn->input().size() == 0) c->conn->input().shrink_if_idle(32 * 1024);
  if (options_->clients_limit != "0") evict_clients();
  // Finishes what a command's time budget left over (Redis' eviction time proc).
  if (server_.settings().maxmemory > 0) perform_evictions();
}

int64_t Memory::not_counted() const {
  int64_t bytes = 0;
  for (const auto& [id, c] : server_.clients())
    if (c->conn != nullptr && c->has(kClientReplica))
      bytes += static_cast<int64_t>(c->conn->pending_output());
  return bytes;
}

int64_t Memory::client_memory(const Client& c) {
  int64_t bytes = static_cast<int64_t>(sizeof(Client) + c.multi_mem);
  if (c.conn != nullptr) bytes += static_cast<int64_t>(c.conn->input().capacity() + c.conn->pending_output());
  return bytes;
}

int64_t Memory::clients_limit() const {
  int64_t setting = 0;
  if (!parse_clients_limit(options_->clients_limit, &setting)) return 0;
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
    // Closed at the end of this round: it may be the client whose command is being checked.
    server_.close_client_async(*largest);
  }
}

int64_t Memory::current_eviction_exceeded_ms() const {
  return over_since_ms_ == 0 ? 0 : util::mono_ms() - over_since_ms_;
}

int64_t Memory::eviction_exceeded_ms() const { return exceeded_total_ms_ + current_eviction_exceeded_ms(); }

}  // namespace datanode
