// One log line format for both binaries, the one Redis uses:
//   <pid>:<role> 25 Nov 2026 14:35:52.123 * message
// role: M master, S replica, X sentinel, C child; level marks: . debug, - verbose, * notice, # warning.
#pragma once

#include <cstdarg>
#include <string>

namespace logx {

enum class Level { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

struct Options {
  Level level = Level::kNotice;
  std::string file;  // empty: standard output
};

// Set once at start-up (and again on CONFIG SET loglevel/logfile).
void configure(const Options& options);
void set_role(char role);
bool parse_level(const std::string& text, Level* out);
const char* level_name(Level level);

void write(Level level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void vwrite(Level level, const char* fmt, va_list ap);

}  // namespace logx

#define LOG_DEBUG(...) ::logx::write(::logx::Level::kDebug, __VA_ARGS__)
#define LOG_VERBOSE(...) ::logx::write(::logx::Level::kVerbose, __VA_ARGS__)
#define LOG_NOTICE(...) ::logx::write(::logx::Level::kNotice, __VA_ARGS__)
#define LOG_WARNING(...) ::logx::write(::logx::Level::kWarning, __VA_ARGS__)
