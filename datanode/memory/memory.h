// Memory limits of the datanode: maxmemory enforced before each command by Redis' sampled eviction
// (the eviction pool, maxmemory-samples, LRU/LFU/TTL/random under maxmemory-policy, a time budget set
// by maxmemory-eviction-tenacity), -OOM for commands flagged denyoom when nothing can be evicted, and
// the maxmemory-clients cap on the memory of all clients (the largest client is closed first).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/registry.h"
#include "common/memory/allocator.h"

namespace datanode {

class Server;
struct Client;
struct Settings;

// The options behind this subsystem (bound to Settings' fields), registered before the file is loaded.
void register_memory_options(Settings& settings, config::Registry& registry);

class Memory {
 public:
  explicit Memory(Server& server);

  // Bytes the allocator handed out and not freed: Redis' used_memory.
  int64_t used() const { return used_.get(); }
  // Replica output buffers and the AOF buffer: not counted against maxmemory, as Redis'
  // freeMemoryGetNotCountedMemory (evicting keys to make room for their own DELs would never end).
  int64_t not_counted() const;
  // What a client costs: its query buffer, pending replies and queued transaction (client-eviction).
  static int64_t client_memory(const Client& c);
  // The cap of maxmemory-clients in bytes (a percentage is of maxmemory); 0 when off.
  int64_t clients_limit() const;

  // Redis' performEvictions(): frees keys until used memory is under maxmemory. False when it could not
  // (noeviction, or nothing evictable left): the caller answers -OOM to denyoom commands.
  bool perform_evictions();
  // Redis' evictClients(): closes the largest clients (CLIENT NO-EVICT ones excepted) while all clients
  // together use more than maxmemory-clients.
  void evict_clients();

  uint64_t evicted_clients() const { return evicted_clients_; }
  int64_t eviction_exceeded_ms() const;  // total_eviction_exceeded_time
  int64_t current_eviction_exceeded_ms() const;
  bool eviction_running() const { return over_since_ms_ != 0; }
  void reset_stats() { evicted_clients_ = 0; exceeded_total_ms_ = 0; }
  // Pushes the LRU/LFU mode and the LFU parameters to every database.
  void apply_access_policy();

 private:
  struct PoolEntry {
    uint64_t score = 0;  // higher is a better victim
    int db = 0;
    std::string key;
  };
  std::string oom_guard(const Client& c, const std::string& command);
  void populate_pool(int db, bool volatile_only);
  // The next key to evict under the current policy, or false when there is none.
  bool pick_victim(int* db, std::string* key);
  void evict_key(int db, const std::string& key);
  // Keyspace notifications are wired by their own subsystem: the "evicted" event of each evicted key.
  void notify_evicted(int db, std::string_view key);
  void cron();

  Server& server_;
  allocator::UsedMemory used_;
  std::vector<PoolEntry> pool_;  // ascending score, at most kPoolSize
  int next_random_db_ = 0;
  uint64_t evicted_clients_ = 0;
  int64_t over_since_ms_ = 0;  // when used memory went over maxmemory (0: under)
  int64_t exceeded_total_ms_ = 0;
};

}  // namespace datanode
