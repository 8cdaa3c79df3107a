#include "sentinel/acl/acl_state.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/fs.h"
#include "common/util/strings.h"
#include "sentinel/acl/catalog.h"
#include "sentinel/server.h"

namespace sentinel {
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

SentinelAcl::SentinelAcl(Server& server, AclSettings& settings, config::Registry& registry)
    : server_(server),
      settings_(settings),
      config_(registry),
      registry_((fill_sentinel_catalog(catalog_, arity_), catalog_)) {
  // The rewrite keeps the users as they are now.
  if (config::Option* o = config_.find("users")) config::bind_live_value(*o, [this] { return users_text(); });
}

int SentinelAcl::command_id(const std::vector<std::string_view>& args) const { return catalog_.command_id(args); }

int SentinelAcl::arity(int id) const { return arity_[static_cast<size_t>(id)]; }

acl::Denial SentinelAcl::dry_run(const acl::User& user, int id,
                                 const std::vector<std::string_view>& args) const {
  std::vector<acl::ChannelArg> channels;
  const std::string& name = catalog_.at(id).fullname;
  // Redis' channel table: SUBSCRIBE/PSUBSCRIBE and PUBLISH; unsubscribing is never refused.
  if (name == "subscribe" || name == "psubscribe") {
    for (size_t i = 1; i < args.size(); ++i) channels.push_back({i, name == "psubscribe"});
  } else if (name == "publish" && args.size() > 1) {
    channels.push_back({1, false});
  }
  return registry_.check(user, id, args, {}, channels);
}

std::string SentinelAcl::check(Client& c, const std::vector<std::string_view>& args) {
  const acl::User* user = registry_.find(c.user);
  if (user == nullptr || acl::Registry::unrestricted(*user)) return "";
  int id = command_id(args);
  if (id < 0) return "";
  acl::Denial d = dry_run(*user, id, args);
  if (d.verdict == acl::Verdict::kOk) return "";
  const std::string& fullname = catalog_.at(id).fullname;
  acl::LogEntry e;
  e.reason = d.verdict;
  e.object = d.verdict == acl::Verdict::kDeniedCommand ? fullname : std::string(args[d.pos]);
  e.username = c.user;
  e.ctime_ms = util::unix_ms();
  std::string saved = std::move(c.last_cmd);
  c.last_cmd = fullname;
  e.client_info = client_line(c, util::mono_ms());
  c.last_cmd = std::move(saved);
  registry_.log(std::move(e), static_cast<size_t>(settings_.acllog_max_len));
  return acl::noperm_error(d.verdict, fullname);
}

void SentinelAcl::log_auth_failure(Client& c, std::string_view username, std::string_view command) {
  acl::LogEntry e;
  e.reason = acl::Verdict::kDeniedAuth;
  e.object = std::string(command);
  e.username = std::string(username);
  e.ctime_ms = util::unix_ms();
  std::string saved = std::move(c.last_cmd);
  c.last_cmd = util::to_lower(command);
  e.client_info = client_line(c, util::mono_ms());
  c.last_cmd = std::move(saved);
  registry_.log(std::move(e), static_cast<size_t>(settings_.acllog_max_len));
}

bool SentinelAcl::default_open() const { return !registry_.auth_required(); }

void SentinelAcl::disconnect_user(std::string_view user, Client* current) {
  std::vector<Client*> victims;
  for (const auto& [id, c] : server_.clients())
    if (c->user == user) victims.push_back(c);
  for (Client* c : victims) {
    c->user = "default";
    c->authenticated = false;
    server_.kill_client(*c);  // after its pending output, the caller's reply included
  }
  (void)current;
}

void SentinelAcl::disconnect_lost_subscribers(const acl::User& after, Client* current) {
  std::vector<Client*> victims;
  for (const auto& [id, c] : server_.clients()) {
    if (c->user != after.name || c->subscriptions() == 0) continue;
    std::vector<std::string> channels(c->channels.begin(), c->channels.end());
    std::vector<std::string> patterns(c->patterns.begin(), c->patterns.end());
    if (!acl::Registry::channels_still_allowed(after, channels, patterns)) victims.push_back(c);
  }
  for (Client* c : victims) server_.kill_client(*c);
  (void)current;
}

std::string SentinelAcl::load_at_startup() {
  if (!settings_.aclfile.empty() && !split_words(settings_.users).empty())
    return "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is "
           "invalid. This setup is very likely to lead to configuration errors and security holes, please "
           "define either an ACL file or declare users directly in your redis.conf, but not both.";
  const std::string& text = settings_.users;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::vector<std::string_view> words = split_words(std::string_view(text).substr(start, end - start));
    start = end + 1;
    if (words.empty()) continue;
    std::string name(words[0]);
    std::vector<std::string_view> rules(words.begin() + 1, words.end());
    // As Redis: a "default" line replaces what requirepass gave the default user.
    if (name == "default") rules.insert(rules.begin(), "reset");
    std::string err = acl::has_spaces(name) ? "Usernames can't contain spaces or null characters"
                                            : registry_.set_user(name, rules);
    if (!err.empty()) return "Error loading ACL rule for the user named '" + name + "': " + err;
  }
  if (!settings_.aclfile.empty()) {
    std::string err = load_file(nullptr);
    if (!err.empty()) return "Aborting Redis startup because of ACL errors: " + err;
  }
  return "";
}

std::string SentinelAcl::load_file(Client* current) {
  std::vector<std::string> dropped;
  std::string err = registry_.load_file(settings_.aclfile, &dropped);
  if (!err.empty()) return err;
  for (const std::string& name : dropped) disconnect_user(name, current);
  return "";
}

bool SentinelAcl::save_file() {
  std::string err = registry_.save_file(settings_.aclfile);
  if (!err.empty()) LOG_WARNING("Writing ACL file for ACL SAVE: %s", err.c_str());
  return err.empty();
}

std::string SentinelAcl::users_text() const {
  if (!settings_.aclfile.empty()) return "";
  // Every user, the default one included, as Redis Sentinel rewrites its user lines (so a restart
  // gives the default user the "reset" of a default line, sanitize-payload included, as Redis does).
  std::string out;
  for (const std::string& line : registry_.user_lines()) {
    if (!out.empty()) out += '\n';
    out += std::string_view(line).substr(5);  // after "user "
  }
  return out;
}

}  // namespace sentinel
