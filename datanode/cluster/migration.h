// MIGRATE's side of a move: connections to target nodes cached per host:port (Redis'
// migrate_cached_sockets: at most 64, closed after 10 s unused by the owner's cron), the database each
// last SELECTed, and the counts INFO shows. The cluster owns one; a standalone node's MIGRATE uses one
// for the command's duration. The I/O is synchronous and bounded by MIGRATE's timeout on every step, as in
// Redis: the command's reply depends on the target's replies.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace datanode {

class Migrator {
 public:
  struct Conn {
    int fd = -1;
    int64_t last_db = -1;
    int64_t last_use_ms = 0;
    std::string inbuf;  // bytes read past the last reply line
  };
  static constexpr size_t kMaxCached = 64;
  static constexpr int64_t kIdleMs = 10000;

  Migrator() = default;
  ~Migrator();
  Migrator(const Migrator&) = delete;
  Migrator& operator=(const Migrator&) = delete;

  // The cached connection to host:port, or a new one (nullptr when it cannot be made within timeout).
  Conn* get(const std::string& host, const std::string& port, int64_t timeout_ms);
  void close(const std::string& host, const std::string& port);
  void close_idle(int64_t now_ms);
  size_t cached() const { return conns_.size(); }

  // Blocking I/O with a deadline; false on error or timeout (errno ETIMEDOUT for a timeout).
  static bool write_all(Conn& c, std::string_view data, int64_t timeout_ms);
  // One reply line without its CRLF.
  static bool read_line(Conn& c, std::string* line, int64_t timeout_ms);

  // Keys this node sent with MIGRATE (acknowledged by the target), of which deleted here (no COPY).
  uint64_t keys_sent = 0, keys_deleted = 0;
  uint64_t migrate_calls = 0, migrate_errors = 0;

 private:
  std::map<std::string, Conn> conns_;  // "host:port"
};

}  // namespace datanode
