// Memory limits of the datanode: maxmemory enforced before each command by Redis' sampled eviction
// (the eviction pool, maxmemory-samples, LRU/LFU/TTL/random under maxmemory-policy, a time budget set
// by maxmemory-eviction-tenacity), -OOM for commands flagged denyoom when nothing can be evicted, and
// the maxmemory-clients cap on the memory of all clients (the largest client is closed first).
//
// The subsystem plugs into the server through its hooks (a route guard for LFU accesses, a periodic
// job) and the dispatcher's -OOM check; the server keeps a pointer to the instance (Server::memory()).
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/registry.h"
#include "common/memory/allocator.h"
#include "common/util/string_map.h"

namespace datanode {

class Server;
class Memory;
struct Client;

// The values of the options this subsystem owns (maxmemory and maxmemory-policy stay in Settings).
struct MemoryOptions {
  int samples = 5;
  int tenacity = 10;  // 0..100: how long one command may spend evicting
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;           // minutes per decrement of an idle key's LFU counter
  std::string clients_limit = "0";  // maxmemory-clients: bytes, or "N%" of maxmemory; 0 is off
  bool jemalloc_bg_thread = true;   // the allocator's thread returns freed pages to the system
  Memory* memory = nullptr;         // the running subsystem, once the server made it
};

// Registers the options (before the config file is loaded).
void register_memory_options(config::Registry& registry);
// maxmemory-clients: bytes, or "N%" of maxmemory (Redis keeps the percentage as a negative number).
bool parse_clients_limit(std::string_view text, int64_t* out);
// The getter of maxmemory-clients, a named type so install_memory() can find the options behind it.
struct ClientsLimitText {
  std::shared_ptr<MemoryOptions> options;
  std::string operator()() const { return options->clients_limit; }
};
// Creates the subsystem and hooks it into the server (from the server's constructor).
void install_memory(Server& server);

class Memory {
 public:
  Memory(Server& server, std::shared_ptr<MemoryOptions> options);

  // Bytes the allocator handed out and not freed: Redis' used_memory.
  int64_t used() const { return used_.get(); }
  // Replica output buffers: not counted against maxmemory, as Redis' freeMemoryGetNotCountedMemory
  // (evicting keys to make room for their own DELs would never end).
  int64_t not_counted() const;
  // What a client costs: its query buffer, pending replies and queued transaction.
  static int64_t client_memory(const Client& c);
  // The cap of maxmemory-clients in bytes (a percentage is of maxmemory); 0 when off.
  int64_t clients_limit() const;

  // Redis' performEvictions(): frees keys until used memory is under maxmemory. False when it could not
  // (noeviction, or nothing evictable left): the caller answers -OOM to denyoom commands.
  bool perform_evictions();
  // Redis' evictClients(): closes the largest clients (CLIENT NO-EVICT ones excepted) while all clients
  // together use more than maxmemory-clients.
  void evict_clients();

  // The dispatcher's maxmemory check (datanode/server/admission.cpp): closes clients over
  // maxmemory-clients, evicts, and answers -OOM to a deny-oom command (`denyoom`: the flag as this call
  // has it, a script's declared flags for EVAL/FCALL; anything queued in MULTI) when memory stays over.
  std::string oom_guard(const Client& c, const std::string& command, bool denyoom);

  // OBJECT FREQ: the LFU counter of a key after decay.
  int64_t lfu_frequency(int db, std::string_view key, int64_t now_ms) const;

  // Used memory was over maxmemory when the last command began (Redis' pre_command_oom_state): scripts
  // refuse their deny-oom commands then.
  bool out_of_memory_at_command_start() const { return pre_command_oom_; }

  uint64_t evicted_clients() const { return evicted_clients_; }
  int64_t eviction_exceeded_ms() const;  // total_eviction_exceeded_time
  int64_t current_eviction_exceeded_ms() const;
  void reset_stats() {
    evicted_clients_ = 0;
    exceeded_total_ms_ = 0;
  }

 private:
  friend void install_memory(Server& server);
  struct PoolEntry {
    uint64_t score = 0;  // higher is a better victim
    int db = 0;
    std::string key;
  };
  bool pre_command_oom_ = false;
  // Under an LFU policy: counts an access to each key of the command (Redis' updateLFU on lookup).
  void note_access(const Client& c, const std::string& command, int first, int last, int step,
                   const std::vector<std::string_view>& args);
  uint64_t victim_score(int db, std::string_view key, uint32_t lru, int64_t now_ms);
  void populate_pool(int db, bool volatile_only);
  // The next key to evict under the current policy, or false when there is none.
  bool pick_victim(int* db, std::string* key);
  const std::string* sample(int db, bool volatile_only, uint32_t* lru);
  void evict_key(int db, const std::string& key);
  // Keyspace notifications are wired by their own subsystem: the "evicted" event of each evicted key.
  void notify_evicted(int db, std::string_view key);
  void cron();
  // Checked for every command: kept in step with maxmemory-policy.
  bool lfu_policy() const { return lfu_policy_; }
  bool lfu_policy_ = false;

  Server& server_;
  std::shared_ptr<MemoryOptions> options_;
  allocator::UsedMemory used_;
  std::mt19937_64 rng_;
  std::vector<PoolEntry> pool_;  // ascending score, at most 16 (Redis' EVPOOL_SIZE)
  // LFU clocks (16-bit minutes of the last decrement, 8-bit logarithmic counter) per database and key,
  // kept while an LFU policy is set; keys absent here count as new (Redis' LFU_INIT_VAL).
  std::vector<util::StringMap<uint32_t>> lfu_;
  std::string sample_buf_;
  int next_random_db_ = 0;
  uint64_t evicted_clients_ = 0;
  int64_t over_since_ms_ = 0;  // when used memory went over maxmemory (0: under)
  int64_t exceeded_total_ms_ = 0;
};

}  // namespace datanode
