#include "datanode/server/slowlog.h"

#include <ctime>

#include "common/util/strings.h"

namespace datanode {
namespace {

// Redis replaces the secrets of AUTH, ACL SETUSER and HELLO ... AUTH user pass with "(redacted)" before logging.
std::vector<bool> redacted_positions(const std::vector<std::string_view>& argv) {
  std::vector<bool> redact(argv.size(), false);
  if (argv.empty()) return redact;
  if (util::iequals(argv[0], "auth")) {
    for (size_t i = 1; i < argv.size(); ++i) redact[i] = true;
  } else if (util::iequals(argv[0], "acl") && argv.size() > 2 && util::iequals(argv[1], "setuser")) {
    // The rules may hold passwords: Redis hides the user name and every rule.
    for (size_t i = 2; i < argv.size(); ++i) redact[i] = true;
  } else if (util::iequals(argv[0], "hello")) {
    for (size_t i = 2; i < argv.size(); ++i) {
      if (util::iequals(argv[i], "auth") && i + 2 < argv.size()) {
        redact[i + 1] = redact[i + 2] = true;
        i += 2;
      } else if (util::iequals(argv[i], "setname") && i + 1 < argv.size()) {
        ++i;
      }
    }
  }
  return redact;
}

}  // namespace

std::vector<std::string> SlowLog::trimmed_argv(const std::vector<std::string_view>& argv) {
  std::vector<bool> redact = redacted_positions(argv);
  size_t n = std::min(argv.size(), kMaxArgs);
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (n != argv.size() && i == n - 1) {
      out.push_back("... (" + std::to_string(argv.size() - n + 1) + " more arguments)");
    } else if (redact[i]) {
      out.emplace_back("(redacted)");
    } else if (argv[i].size() > kMaxArgBytes) {
      std::string s(argv[i].substr(0, kMaxArgBytes));
      s += "... (" + std::to_string(argv[i].size() - kMaxArgBytes) + " more bytes)";
      out.push_back(std::move(s));
    } else {
      out.emplace_back(argv[i]);
    }
  }
  return out;
}

void SlowLog::record(const std::vector<std::string_view>& argv, int64_t duration_us, std::string peer,
                     std::string client_name, int64_t slower_than_us, int64_t max_len) {
  if (slower_than_us < 0) return;
  if (duration_us >= slower_than_us) {
    SlowLogEntry e;
    e.id = next_id_++;
    e.unix_seconds = static_cast<int64_t>(time(nullptr));
    e.duration_us = duration_us;
    e.argv = trimmed_argv(argv);
    e.peer = std::move(peer);
    e.client_name = std::move(client_name);
    entries_.push_front(std::move(e));
  }
  trim(max_len);
}

void SlowLog::trim(int64_t max_len) {
  while (!entries_.empty() && static_cast<int64_t>(entries_.size()) > max_len) entries_.pop_back();
}

}  // namespace datanode
