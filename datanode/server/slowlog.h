// The slow log: the most recent commands that ran longer than slowlog-log-slower-than microseconds,
// newest first, each argv trimmed as Redis trims it so a huge MSET cannot pin its payload in memory.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace datanode {

struct SlowLogEntry {
  int64_t id = 0;
  int64_t unix_seconds = 0;
  int64_t duration_us = 0;
  std::vector<std::string> argv;
  std::string peer;
  std::string client_name;
};

class SlowLog {
 public:
  static constexpr size_t kMaxArgs = 32;
  static constexpr size_t kMaxArgBytes = 128;

  // Records a command when `duration_us` reaches `slower_than_us` (negative: disabled), then trims the
  // log to `max_len` entries.
  void record(const std::vector<std::string_view>& argv, int64_t duration_us, std::string peer,
              std::string client_name, int64_t slower_than_us, int64_t max_len);
  // Drops the oldest entries beyond `max_len` (CONFIG SET slowlog-max-len takes effect on the next record,
  // as in Redis, but a reset or a smaller limit must never leave more than asked).
  void trim(int64_t max_len);
  void reset() { entries_.clear(); }
  const std::deque<SlowLogEntry>& entries() const { return entries_; }

  // The argv as stored: at most kMaxArgs arguments (the last says how many more there were), each at
  // most kMaxArgBytes bytes (followed by how many more there were). AUTH secrets are redacted.
  static std::vector<std::string> trimmed_argv(const std::vector<std::string_view>& argv);

 private:
  std::deque<SlowLogEntry> entries_;
  int64_t next_id_ = 0;
};

}  // namespace datanode
