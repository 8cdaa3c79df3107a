// An LD_PRELOAD shim that moves the wall clock of one process: CLOCK_REALTIME (and _COARSE) readings
// through clock_gettime, gettimeofday and time are shifted by an offset in milliseconds read from the
// file named by $CLOCKSHIFT_FILE (a decimal integer, may be negative; missing or unreadable file: 0).
// The monotonic clock is left alone, so a test can jump one process's wall clock by rewriting a file,
// without root and without touching the machine's clock (what `date -s` or an NTP step would do).
//
//   CLOCKSHIFT_FILE=/tmp/x/offset LD_PRELOAD=libclockshift.so redis-sentinel sentinel.conf
//   echo 3600000 > /tmp/x/offset    # one hour ahead from now on
//
// The file is re-read at most every 20 ms of monotonic time so the shim stays cheap on hot paths.
// Only calls through the exported symbols are shifted: glibc's internal vDSO reads are not, which is
// enough for our binaries (clock_gettime) and for redis (gettimeofday, time).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec*);
typedef int (*gettimeofday_fn)(struct timeval*, void*);

static _Atomic(clock_gettime_fn) real_clock_gettime_ptr;
static _Atomic(gettimeofday_fn) real_gettimeofday_ptr;
static _Atomic int64_t offset_ms;
static _Atomic int64_t next_read_mono_ms = INT64_MIN;

static clock_gettime_fn real_clock_gettime(void) {
  clock_gettime_fn f = atomic_load(&real_clock_gettime_ptr);
  if (f == NULL) {
    f = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
    atomic_store(&real_clock_gettime_ptr, f);
  }
  return f;
}

static gettimeofday_fn real_gettimeofday(void) {
  gettimeofday_fn f = atomic_load(&real_gettimeofday_ptr);
  if (f == NULL) {
    f = (gettimeofday_fn)dlsym(RTLD_NEXT, "gettimeofday");
    atomic_store(&real_gettimeofday_ptr, f);
  }
  return f;
}

// Plain open/read (no stdio, no malloc): this may run in any thread, at any time.
static int64_t read_offset_file(void) {
  const char* path = getenv("CLOCKSHIFT_FILE");
  if (path == NULL) return 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[32];
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  return strtoll(buf, NULL, 10);
}

static int64_t current_offset_ms(void) {
  struct timespec mono;
  if (real_clock_gettime()(CLOCK_MONOTONIC, &mono) != 0) return atomic_load(&offset_ms);
  int64_t now = (int64_t)mono.tv_sec * 1000 + mono.tv_nsec / 1000000;
  if (now >= atomic_load(&next_read_mono_ms)) {
    // Two threads may both re-read here; they store the same value, so no lock.
    atomic_store(&offset_ms, read_offset_file());
    atomic_store(&next_read_mono_ms, now + 20);
  }
  return atomic_load(&offset_ms);
}

static void shift_timespec(struct timespec* ts, int64_t ms) {
  int64_t ns = (int64_t)ts->tv_nsec + (ms % 1000) * 1000000;
  int64_t sec = (int64_t)ts->tv_sec + ms / 1000;
  if (ns < 0) {
    ns += 1000000000;
    sec -= 1;
  } else if (ns >= 1000000000) {
    ns -= 1000000000;
    sec += 1;
  }
  ts->tv_sec = (time_t)sec;
  ts->tv_nsec = (long)ns;
}

int clock_gettime(clockid_t id, struct timespec* ts) {
  int rc = real_clock_gettime()(id, ts);
  if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
    shift_timespec(ts, current_offset_ms());
  return rc;
}

// glibc declares the second parameter as void* (or struct timezone*, depending on the version).
int gettimeofday(struct timeval* restrict tv, void* restrict tz) {
  int rc = real_gettimeofday()(tv, tz);
  // No NULL check on tv: glibc declares it nonnull.
  if (rc == 0) {
    struct timespec ts = {tv->tv_sec, (long)tv->tv_usec * 1000};
    shift_timespec(&ts, current_offset_ms());
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  return rc;
}

time_t time(time_t* out) {
  struct timespec ts;
  if (real_clock_gettime()(CLOCK_REALTIME, &ts) != 0) return (time_t)-1;
  shift_timespec(&ts, current_offset_ms());
  if (out != NULL) *out = ts.tv_sec;
  return ts.tv_sec;
}
