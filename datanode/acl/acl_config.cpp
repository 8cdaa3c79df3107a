// Where the datanode's users come from and go to: the "users" lines of the TOML config (kept by CONFIG
// REWRITE) or Redis' users file (aclfile: ACL LOAD / ACL SAVE), never both, as Redis.
#include <cerrno>
#include <cstring>

#include "common/log/log.h"
#include "common/util/fs.h"
#include "datanode/acl/acl_state.h"

namespace datanode {
namespace {

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

void register_acl_settings(AclSettings& s, config::Registry& r) {
  r.add_string("aclfile", &s.aclfile).immutable = true;
  config::Option& users = r.add_string("users", &s.users);
  users.immutable = true;
  users.sensitive = true;
  r.add_int("acllog-max-len", &s.acllog_max_len, 0, INT32_MAX);
}

bool AclState::load_at_startup() {
  const AclSettings& s = settings_;
  if (!s.aclfile.empty() && !split_words(s.users).empty()) {
    LOG_WARNING(
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is "
        "invalid. "
        "This setup is very likely to lead to configuration errors and security holes, please define either "
        "an "
        "ACL file or declare users directly in your redis.conf, but not both.");
    return false;
  }
  size_t start = 0;
  while (start <= s.users.size()) {
    size_t end = s.users.find('\n', start);
    if (end == std::string::npos) end = s.users.size();
    std::vector<std::string_view> words = split_words(std::string_view(s.users).substr(start, end - start));
    start = end + 1;
    if (words.empty()) continue;
    std::string name(words[0]);
    std::vector<std::string_view> rules(words.begin() + 1, words.end());
    // As Redis: a "default" line replaces what requirepass gave the default user.
    if (name == "default") rules.insert(rules.begin(), "reset");
    std::string err = acl::has_spaces(name) ? "Usernames can't contain spaces or null characters"
                                            : registry_.set_user(name, rules);
    if (!err.empty()) {
      LOG_WARNING("Error loading ACL rule for the user named '%s': %s", name.c_str(), err.c_str());
      LOG_WARNING("Critical error while loading ACLs. Exiting.");
      return false;
    }
  }
  if (!s.aclfile.empty()) {
    std::string err = load_file(nullptr);
    if (!err.empty()) {
      LOG_WARNING("Aborting Redis startup because of ACL errors: %s", err.c_str());
      return false;
    }
  }
  return true;
}

std::string AclState::load_file(Client* current) {
  std::vector<std::string> dropped;
  std::string err = registry_.load_file(settings_.aclfile, &dropped);
  if (!err.empty()) return err;
  for (const std::string& name : dropped) disconnect_user(name, current);
  return "";
}

bool AclState::save_file() {
  std::string err = registry_.save_file(settings_.aclfile);
  if (!err.empty()) LOG_WARNING("Writing ACL file for ACL SAVE: %s", err.c_str());
  return err.empty();
}

std::string AclState::users_text() const {
  if (!settings_.aclfile.empty()) return "";
  std::string out;
  for (const std::string& line : registry_.user_lines()) {
    std::string_view rest = std::string_view(line).substr(5);  // after "user "
    // A default user exactly as requirepass (or its absence) makes it needs no line.
    if (rest.starts_with("default ")) {
      const std::string& pass = server_.settings().requirepass;
      std::string plain = pass.empty() ? "default on nopass ~* &* +@all"
                                       : "default on #" + acl::hash_password(pass) + " ~* &* +@all";
      if (rest == plain) continue;
    }
    if (!out.empty()) out += '\n';
    out += rest;
  }
  return out;
}

}  // namespace datanode
