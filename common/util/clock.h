// The one clock of each process. Everything that measures time goes through here so tests can reason
// about time and nobody mixes wall-clock and monotonic readings by accident.
#pragma once

#include <cstdint>

namespace util {

// Monotonic time, for timeouts, ages and intervals.
int64_t mono_ms();
int64_t mono_us();

// Wall-clock time, for what is shown to users or persisted (EXPIREAT, LASTSAVE, log lines).
int64_t unix_ms();
int64_t unix_us();

}  // namespace util
