#include "common/acl/acl.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdlib>

#include "common/util/fs.h"
#include "common/util/strings.h"

namespace acl {
namespace {

bool key_allowed(const Selector& s, std::string_view key, int perms) {
  if (s.flags & kSelectorAllKeys) return true;
  for (const KeyPattern& p : s.patterns) {
    if ((p.perms & perms) != perms) continue;
    if (util::glob_match(p.pattern, key)) return true;
  }
  return false;
}

bool channel_in(const std::vector<std::string>& list, std::string_view channel, bool pattern) {
  for (const std::string& p : list)
    if (pattern ? p == channel : util::glob_match(p, channel)) return true;
  return false;
}

Denial check_selector(const Selector& s, const CatalogCommand& cmd, int id,
                      const std::vector<std::string_view>& argv, const std::vector<KeyArg>& keys,
                      const std::vector<ChannelArg>& channels) {
  if (!(s.flags & kSelectorAllCommands) && !cmd.no_auth && !s.bit(static_cast<size_t>(id))) {
    auto it = s.first_args.find(id);
    size_t idx = cmd.parent >= 0 ? 2 : 1;
    if (it == s.first_args.end() || argv.size() <= idx) return {Verdict::kDeniedCommand, 0};
    bool found = std::any_of(it->second.begin(), it->second.end(),
                             [&](const std::string& a) { return util::iequals(a, argv[idx]); });
    if (!found) return {Verdict::kDeniedCommand, 0};
  }
  if (!(s.flags & kSelectorAllKeys)) {
    for (const KeyArg& k : keys)
      if (!key_allowed(s, argv[k.pos], k.perms)) return {Verdict::kDeniedKey, k.pos};
  }
  if (!(s.flags & kSelectorAllChannels)) {
    for (const ChannelArg& c : channels)
      if (!channel_in(s.channels, argv[c.pos], c.pattern)) return {Verdict::kDeniedChannel, c.pos};
  }
  return {};
}

}  // namespace

Registry::Registry(const Catalog& catalog) : catalog_(catalog) {
  users_.emplace("default", make_default_user(catalog));
}

const User* Registry::find(std::string_view name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : &it->second;
}

std::string Registry::set_user(std::string_view name, const std::vector<std::string_view>& rules) {
  auto it = users_.find(name);
  User staged = it != users_.end() ? it->second : make_user(name, catalog_);
  std::string err = apply_rules(staged, rules, catalog_);
  if (!err.empty()) return err;
  if (it != users_.end())
    it->second = std::move(staged);
  else
    users_.emplace(std::string(name), std::move(staged));
  return "";
}

bool Registry::remove(std::string_view name) {
  auto it = users_.find(name);
  if (it == users_.end()) return false;
  users_.erase(it);
  return true;
}

void Registry::set_default_password(std::string_view password) {
  User& u = users_.find("default")->second;
  apply_rule(u, "resetpass", catalog_);
  if (password.empty())
    apply_rule(u, "nopass", catalog_);
  else
    apply_rule(u, ">" + std::string(password), catalog_);
}

bool Registry::auth_required() const {
  const User& d = default_user();
  return !(d.flags & kUserNoPass) || !d.enabled();
}

bool Registry::check_credentials(std::string_view user, std::string_view password) const {
  const User* u = find(user);
  return u != nullptr && password_matches(*u, password);
}

Denial Registry::check(const User& user, int id, const std::vector<std::string_view>& argv,
                       const std::vector<KeyArg>& keys, const std::vector<ChannelArg>& channels) const {
  if (id < 0 || static_cast<size_t>(id) >= catalog_.size()) return {};
  const CatalogCommand& cmd = catalog_.at(id);
  Denial relevant{Verdict::kDeniedCommand, 0};
  for (const Selector& s : user.selectors) {
    Denial d = check_selector(s, cmd, id, argv, keys, channels);
    if (d.verdict == Verdict::kOk) return d;
    // As Redis: the most specific refusal wins, and among equals the last argument.
    if (d.verdict > relevant.verdict || (d.verdict == relevant.verdict && d.pos > relevant.pos)) relevant = d;
  }
  return relevant;
}

bool Registry::channel_allowed(const User& user, std::string_view channel, bool pattern) const {
  for (const Selector& s : user.selectors) {
    if (s.flags & kSelectorAllChannels) return true;
    if (channel_in(s.channels, channel, pattern)) return true;
  }
  return false;
}

bool Registry::channels_still_allowed(const User& after, const std::vector<std::string>& channels,
                                      const std::vector<std::string>& patterns) {
  std::vector<std::string> upcoming;
  for (const Selector& s : after.selectors) {
    if (s.flags & kSelectorAllChannels) return true;
    upcoming.insert(upcoming.end(), s.channels.begin(), s.channels.end());
  }
  for (const std::string& p : patterns)
    if (!channel_in(upcoming, p, true)) return false;
  for (const std::string& c : channels)
    if (!channel_in(upcoming, c, false)) return false;
  return true;
}

bool Registry::unrestricted(const User& user) {
  const Selector& s = user.selectors[0];
  constexpr uint32_t kAll = kSelectorAllCommands | kSelectorAllKeys | kSelectorAllChannels;
  return (s.flags & kAll) == kAll;
}

void Registry::log(LogEntry e, size_t max_len) {
  // As Redis: a refusal like one of the last ten within a minute bumps that entry instead of adding one.
  size_t scan = std::min<size_t>(10, log_.size());
  for (size_t i = 0; i < scan; ++i) {
    LogEntry& cur = log_[i];
    if (cur.reason != e.reason || cur.context != e.context || cur.object != e.object ||
        cur.username != e.username || std::llabs(cur.ctime_ms - e.ctime_ms) > 60000)
      continue;
    LogEntry moved = std::move(cur);
    log_.erase(log_.begin() + static_cast<std::ptrdiff_t>(i));
    moved.client_info = std::move(e.client_info);
    moved.ctime_ms = e.ctime_ms;
    moved.count++;
    log_.push_front(std::move(moved));
    return;
  }
  log_.push_front(std::move(e));
  while (log_.size() > max_len) log_.pop_back();
}

std::string noperm_error(Verdict v, std::string_view fullname) {
  switch (v) {
    case Verdict::kDeniedCommand:
      return "NOPERM this user has no permissions to run the '" + std::string(fullname) + "' command";
    case Verdict::kDeniedKey:
      return "NOPERM this user has no permissions to access one of the keys used as arguments";
    case Verdict::kDeniedChannel:
      return "NOPERM this user has no permissions to access one of the channels used as arguments";
    default: return "ERR no permission";
  }
}

std::string dryrun_denial(Verdict v, std::string_view fullname, std::string_view object) {
  switch (v) {
    case Verdict::kDeniedCommand:
      return "This user has no permissions to run the '" + std::string(fullname) + "' command";
    case Verdict::kDeniedKey:
      return "This user has no permissions to access the '" + std::string(object) + "' key";
    default: return "This user has no permissions to access the '" + std::string(object) + "' channel";
  }
}

std::string Registry::load_file(const std::string& path, std::vector<std::string>* dropped) {
  std::string text;
  if (!util::read_file(path, &text))
    return "Error loading ACLs, opening file '" + path + "': " + std::strerror(errno ? errno : ENOENT);
  return load_file_text(text, path, dropped);
}

std::string Registry::save_file(const std::string& path) const {
  std::string text;
  for (const std::string& line : user_lines()) text += line + "\n";
  return util::write_file_atomic(path, text);
}

}  // namespace acl
