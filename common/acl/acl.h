// The users of one process and the permission checks every command goes through, plus the ACL LOG.
// Binary-neutral: callers hand in the command's catalog id, its key positions with read/write needs
// and its channel positions, so the datanode's and the sentinel's dispatchers share this code.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/acl/catalog.h"
#include "common/acl/user.h"

namespace acl {

// Results in Redis' order of precedence (a later one wins when selectors disagree).
enum class Verdict { kOk = 0, kDeniedCommand = 1, kDeniedKey = 2, kDeniedAuth = 3, kDeniedChannel = 4 };
enum class LogContext { kToplevel, kLua, kMulti, kModule };

struct KeyArg {
  size_t pos;  // index in argv
  int perms;   // kPermRead / kPermWrite needed (0: either is enough, e.g. EXISTS)
};
struct ChannelArg {
  size_t pos;
  bool pattern;  // PSUBSCRIBE: compared literally against the user's channel patterns
};

struct Denial {
  Verdict verdict = Verdict::kOk;
  size_t pos = 0;  // the refused key or channel
};

struct LogEntry {
  uint64_t count = 1;
  Verdict reason = Verdict::kDeniedCommand;
  LogContext context = LogContext::kToplevel;
  std::string object;
  std::string username;
  int64_t ctime_ms = 0;
  std::string client_info;
};

class Registry {
 public:
  explicit Registry(const Catalog& catalog);

  const Catalog& catalog() const { return catalog_; }
  // Sorted by name, as Redis' radix tree lists them.
  const std::map<std::string, User, std::less<>>& users() const { return users_; }
  const User* find(std::string_view name) const;
  const User& default_user() const { return users_.find("default")->second; }
  // ACL SETUSER: creates or changes; returns "" or the error text (without "ERR ").
  std::string set_user(std::string_view name, const std::vector<std::string_view>& rules);
  bool remove(std::string_view name);
  // requirepass: "" makes the default user nopass.
  void set_default_password(std::string_view password);
  // Every new connection must AUTH first unless the default user is on and nopass.
  bool auth_required() const;
  // AUTH / HELLO AUTH: true when the user exists, is on and the password opens it.
  bool check_credentials(std::string_view user, std::string_view password) const;

  // The whole check of one command line for a user.
  Denial check(const User& user, int command_id, const std::vector<std::string_view>& argv,
               const std::vector<KeyArg>& keys, const std::vector<ChannelArg>& channels) const;
  bool channel_allowed(const User& user, std::string_view channel, bool pattern) const;
  // Would clients of `before` subscribed to these channels still be allowed after the change?
  static bool channels_still_allowed(const User& after, const std::vector<std::string>& channels,
                                     const std::vector<std::string>& patterns);
  // True when some selector allows every key and channel and every command: the dispatcher's fast path.
  static bool unrestricted(const User& user);

  // The users file (ACL LOAD, aclfile at start): every "user <name> <rules>" line, all or nothing.
  // Returns "" or Redis' accumulated errors (file:line: reason. ...); on success `dropped` receives the
  // users that existed before (other than default), whose clients Redis disconnects.
  std::string load_file_text(std::string_view text, std::string_view filename,
                             std::vector<std::string>* dropped);
  // ACL LOAD / aclfile at start: load_file_text() of the file at `path`, or Redis' error when it cannot
  // be read.
  std::string load_file(const std::string& path, std::vector<std::string>* dropped);
  // ACL SAVE / ACL LIST: one "user <name> <description>" line per user, sorted by name.
  std::vector<std::string> user_lines() const;
  // ACL SAVE: user_lines() written to `path` atomically; "" or why it failed.
  std::string save_file(const std::string& path) const;

  // ACL LOG
  void log(LogEntry entry, size_t max_len);
  const std::deque<LogEntry>& log_entries() const { return log_; }
  void reset_log() { log_.clear(); }

 private:
  const Catalog& catalog_;
  std::map<std::string, User, std::less<>> users_;
  std::deque<LogEntry> log_;
};

// Redis' text for a refusal at dispatch ("NOPERM this user has no permissions to run the 'get' command").
std::string noperm_error(Verdict v, std::string_view command_fullname);
// ACL DRYRUN's text ("This user has no permissions to access the 'k' key").
std::string dryrun_denial(Verdict v, std::string_view command_fullname, std::string_view object);

}  // namespace acl
