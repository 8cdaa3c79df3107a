#include "common/util/clock.h"

#include <ctime>

namespace util {
namespace {
int64_t read_us(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000;
}
}  // namespace

int64_t mono_us() { return read_us(CLOCK_MONOTONIC); }
int64_t mono_ms() { return mono_us() / 1000; }
int64_t unix_us() { return read_us(CLOCK_REALTIME); }
int64_t unix_ms() { return unix_us() / 1000; }

}  // namespace util
