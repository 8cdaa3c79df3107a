#include "common/log/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace logx {
namespace {

// The logger is process-wide configuration, written only at start-up or by CONFIG SET on the loop thread.
struct State {
  Level level = Level::kNotice;
  std::string file;
  char role = 'M';
};

State& state() {
  static State s;
  return s;
}

}  // namespace

void configure(const Options& options) {
  state().level = options.level;
  state().file = options.file;
}

void set_role(char role) { state().role = role; }

bool parse_level(const std::string& text, Level* out) {
  if (text == "debug") *out = Level::kDebug;
  else if (text == "verbose") *out = Level::kVerbose;
  else if (text == "notice") *out = Level::kNotice;
  else if (text == "warning") *out = Level::kWarning;
  else return false;
  return true;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kVerbose: return "verbose";
    case Level::kNotice: return "notice";
    case Level::kWarning: return "warning";
  }
  return "notice";
}

void vwrite(Level level, const char* fmt, va_list ap) {
  const State& s = state();
  if (level < s.level) return;
  char msg[4096];
  vsnprintf(msg, sizeof msg, fmt, ap);

  timeval tv{};
  gettimeofday(&tv, nullptr);
  tm local{};
  localtime_r(&tv.tv_sec, &local);
  char stamp[64];
  size_t n = strftime(stamp, sizeof stamp, "%d %b %Y %H:%M:%S.", &local);
  snprintf(stamp + n, sizeof stamp - n, "%03d", static_cast<int>(tv.tv_usec / 1000));

  static const char kMarks[] = ".-*#";
  FILE* out = stdout;
  if (!s.file.empty()) out = fopen(s.file.c_str(), "a");
  if (out == nullptr) return;
  fprintf(out, "%d:%c %s %c %s\n", static_cast<int>(getpid()), s.role, stamp,
          kMarks[static_cast<int>(level)], msg);
  if (out == stdout) fflush(out);
  else fclose(out);
}

void write(Level level, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vwrite(level, fmt, ap);
  va_end(ap);
}

}  // namespace logx
