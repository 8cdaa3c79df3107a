#include "common/memory/allocator.h"

#include <malloc.h>

#include <cstdio>

#ifdef HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace allocator {

#ifdef HAVE_JEMALLOC

#define STR2(x) #x
#define STR(x) STR2(x)

namespace {

int64_t read_size(const char* name) {
  size_t value = 0, len = sizeof value;
  if (mallctl(name, &value, &len, nullptr, 0) != 0) return 0;
  return static_cast<int64_t>(value);
}

void refresh_epoch() {
  uint64_t epoch = 1;
  size_t len = sizeof epoch;
  mallctl("epoch", &epoch, &len, &epoch, len);
}

template <typename T>
const T* read_pointer(const char* name) {
  T* p = nullptr;
  size_t len = sizeof p;
  return mallctl(name, &p, &len, nullptr, 0) == 0 ? p : nullptr;
}

}  // namespace

const char* name() {
  return "jemalloc-" STR(JEMALLOC_VERSION_MAJOR) "." STR(JEMALLOC_VERSION_MINOR) "." STR(
      JEMALLOC_VERSION_BUGFIX);
}
bool is_jemalloc() { return true; }

Stats stats() {
  refresh_epoch();
  Stats s;
  s.allocated = read_size("stats.allocated");
  s.active = read_size("stats.active");
  s.resident = read_size("stats.resident");
  s.mapped = read_size("stats.mapped");
  s.retained = read_size("stats.retained");
  s.metadata = read_size("stats.metadata");
  // Pages purged lazily (MADV_FREE) stay in RSS until the kernel needs them: Redis' allocator_muzzy.
  size_t page = static_cast<size_t>(read_size("arenas.page"));
  unsigned narenas = 0;
  size_t len = sizeof narenas;
  if (mallctl("arenas.narenas", &narenas, &len, nullptr, 0) == 0) {
    char key[64];
    snprintf(key, sizeof key, "stats.arenas.%u.pmuzzy", static_cast<unsigned>(MALLCTL_ARENAS_ALL));
    s.muzzy = read_size(key) * static_cast<int64_t>(page);
  }
  return s;
}

UsedMemory::UsedMemory() {
  thread_allocated_ = read_pointer<uint64_t>("thread.allocatedp");
  thread_deallocated_ = read_pointer<uint64_t>("thread.deallocatedp");
  refresh();
}

int64_t UsedMemory::get() const {
  if (thread_allocated_ == nullptr || thread_deallocated_ == nullptr) return base_;
  return base_ + static_cast<int64_t>(*thread_allocated_ - *thread_deallocated_);
}

void UsedMemory::refresh() {
  refresh_epoch();
  int64_t allocated = read_size("stats.allocated");
  int64_t mine = thread_allocated_ && thread_deallocated_
                     ? static_cast<int64_t>(*thread_allocated_ - *thread_deallocated_)
                     : 0;
  base_ = allocated - mine;
}

std::string malloc_stats_text() {
  std::string out;
  malloc_stats_print([](void* opaque, const char* text) { static_cast<std::string*>(opaque)->append(text); },
                     &out, nullptr);
  return out;
}

bool purge() {
  char key[64];
  snprintf(key, sizeof key, "arena.%u.purge", static_cast<unsigned>(MALLCTL_ARENAS_ALL));
  return mallctl(key, nullptr, nullptr, nullptr, 0) == 0;
}

void set_background_thread(bool on) {
  bool value = on;
  mallctl("background_thread", nullptr, nullptr, &value, sizeof value);
}

#else  // glibc malloc

// AddressSanitizer replaces malloc: glibc's arenas, and so mallinfo2(), then see next to nothing, and
// used_memory stayed 0 (maxmemory never reached, no -OOM, no eviction). Its own count is exact.
#if defined(__SANITIZE_ADDRESS__)
#define ALLOCATOR_IS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALLOCATOR_IS_ASAN 1
#endif
#endif

#ifdef ALLOCATOR_IS_ASAN
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace {
int64_t libc_used() {
#ifdef ALLOCATOR_IS_ASAN
  return static_cast<int64_t>(__sanitizer_get_current_allocated_bytes());
#else
  struct mallinfo2 mi = mallinfo2();
  return static_cast<int64_t>(mi.uordblks + mi.hblkhd);
#endif
}
}  // namespace

const char* name() { return "libc"; }
bool is_jemalloc() { return false; }

Stats stats() {
  Stats s;
  s.allocated = s.active = libc_used();
  return s;
}

UsedMemory::UsedMemory() { refresh(); }
int64_t UsedMemory::get() const { return libc_used(); }
void UsedMemory::refresh() { base_ = 0; }

std::string malloc_stats_text() { return "Stats not supported for the current allocator"; }
bool purge() {
  malloc_trim(0);
  return true;
}
void set_background_thread(bool) {}

#endif

}  // namespace allocator
