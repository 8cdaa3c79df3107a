// The allocator both binaries run on, and what it says about itself: jemalloc when the build links it
// (USE_JEMALLOC, the default), glibc's malloc otherwise. used_memory is what the allocator handed out and
// was not freed yet, as Redis' zmalloc_used_memory(); the page-level figures feed INFO memory.
#pragma once

#include <cstdint>
#include <string>

namespace allocator {

// "jemalloc-5.3.0" or "libc", as Redis' mem_allocator / malloc= field.
const char* name();
bool is_jemalloc();

struct Stats {
  int64_t allocated = 0;  // handed out and not freed
  int64_t active = 0;     // in pages holding live allocations
  int64_t resident = 0;   // resident pages the allocator holds
  int64_t mapped = 0;
  int64_t retained = 0;  // unmapped but kept in the address space
  int64_t metadata = 0;
  int64_t muzzy = 0;  // freed pages advised away lazily, still counted in RSS until reclaimed
};

// Fresh statistics (a jemalloc epoch: it merges the arenas, so not for every command).
Stats stats();

// Bytes allocated and not freed. Exact for the calling thread's allocations since the last refresh()
// and a refresh() old for other threads': cheap enough to be read before every command.
class UsedMemory {
 public:
  UsedMemory();
  int64_t get() const;
  // Re-anchors on the full statistics (from the cron, so other threads' allocations show up).
  void refresh();

 private:
  const uint64_t* thread_allocated_ = nullptr;
  const uint64_t* thread_deallocated_ = nullptr;
  int64_t base_ = 0;  // allocated minus this thread's net at the last refresh
};

// MEMORY MALLOC-STATS: the allocator's own report.
std::string malloc_stats_text();
// MEMORY PURGE: returns the dirty pages of every arena to the system now. False if not supported.
bool purge();
// The allocator's background thread that purges freed pages over time (jemalloc-bg-thread).
void set_background_thread(bool on);

}  // namespace allocator
