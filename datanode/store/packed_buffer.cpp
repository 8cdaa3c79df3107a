#include "datanode/store/packed_buffer.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

namespace store::packed {
namespace {

// A buffer is reallocated only when its allocation (the allocator's size class, which memory accounting
// counts anyway) is too small, or an eighth or more of it would be left unused: a push or pop on a
// full 8 KB list node then moves bytes but does not call realloc each time.
bool fits(const char* buf, size_t size) {
  return buf != nullptr && malloc_usable_size(const_cast<char*>(buf)) >= size;
}

bool worth_shrinking(const char* buf, size_t size) {
  size_t usable = malloc_usable_size(const_cast<char*>(buf));
  return size <= usable - usable / 8;
}

}  // namespace

char* open_gap(char*& buf, uint32_t& bytes, size_t pos, size_t len) {
  size_t new_size = bytes + len;
  if (new_size > UINT32_MAX) throw std::length_error("packed buffer over 4 GB");
  if (!fits(buf, new_size)) {
    char* grown = static_cast<char*>(std::realloc(buf, new_size));
    if (grown == nullptr) throw std::bad_alloc();
    buf = grown;
  }
  std::memmove(buf + pos + len, buf + pos, bytes - pos);
  bytes = static_cast<uint32_t>(new_size);
  return buf + pos;
}

void splice(char*& buf, uint32_t& bytes, size_t pos, size_t len, std::string_view with) {
  size_t old_size = bytes;
  size_t new_size = old_size - len + with.size();
  if (new_size > UINT32_MAX) throw std::length_error("packed buffer over 4 GB");
  if (new_size > old_size && !fits(buf, new_size)) {
    char* grown = static_cast<char*>(std::realloc(buf, new_size));
    if (grown == nullptr) throw std::bad_alloc();
    buf = grown;
  }
  std::memmove(buf + pos + with.size(), buf + pos + len, old_size - pos - len);
  if (!with.empty()) std::memcpy(buf + pos, with.data(), with.size());
  if (new_size < old_size) {
    if (new_size == 0) {
      std::free(buf);
      buf = nullptr;
    } else if (worth_shrinking(buf, new_size)) {
      if (char* shrunk = static_cast<char*>(std::realloc(buf, new_size))) buf = shrunk;
    }
  }
  bytes = static_cast<uint32_t>(new_size);
}

}  // namespace store::packed
