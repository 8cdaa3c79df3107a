#include "datanode/acl/acl_state.h"

#include <map>
#include <optional>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "datanode/commands/command_meta.h"
#include "datanode/server/client_info.h"
#include "datanode/server/pubsub.h"

namespace datanode {
namespace {

bool has_word(const char* list, std::string_view w) {
  for (std::string_view x : meta::words(list))
    if (x == w) return true;
  return false;
}

// Key spec flags -> what the key pattern must grant, as Redis' ACLSelectorCheckKey.
int perms_of(const std::string& flags) {
  int perms = 0;
  for (std::string_view w : meta::words(flags.c_str())) {
    if (w == "access") perms |= acl::kPermRead;
    if (w == "insert" || w == "delete" || w == "update") perms |= acl::kPermWrite;
  }
  return perms;
}

}  // namespace

AclState::AclState(Server& server, AclSettings& settings)
    : server_(server), settings_(settings), registry_((fill_acl_catalog(catalog_, has_keys_), catalog_)) {
  apply_requirepass();
  if (config::Option* o = server_.registry().find("requirepass")) {
    o->on_change = [this] {
      apply_requirepass();
      return std::string();
    };
  }
  // CONFIG REWRITE keeps the users as they are now, not as the file had them.
  if (config::Option* o = server_.registry().find("users"))
    config::bind_live_value(*o, [this] { return users_text(); });
  server_.add_startup_hook([this] { return load_at_startup(); });
}

AclState& AclState::attach(Server& server, AclSettings& settings) {
  server.set_acl_state(std::make_unique<AclState>(server, settings));
  return *server.acl_state();
}

AclState& AclState::of(Server& server) {
  if (AclState* acl = server.acl_state()) return *acl;
  static AclSettings defaults;  // never written: only servers main() did not configure use it
  return attach(server, defaults);
}

void fill_acl_catalog(acl::Catalog& catalog, std::vector<bool>& has_keys) {
  for (const meta::CommandMeta& m : meta::all_commands()) {
    std::string_view name = m.name;
    size_t bar = name.find('|');
    int parent = bar == std::string_view::npos ? -1 : catalog.find(name.substr(0, bar));
    catalog.add(name, acl::category_bits_of(m.acl), has_word(m.flags, "no_auth"), parent);
    has_keys.push_back(meta::has_keys(m));
  }
}

void AclState::apply_requirepass() { registry_.set_default_password(server_.settings().requirepass); }

int AclState::command_id(const Args& args) const { return catalog_.command_id(args); }

void AclState::keys_and_channels(int id, const Args& args, std::vector<acl::KeyArg>& keys,
                                 std::vector<acl::ChannelArg>& channels) const {
  const std::string& name = catalog_.at(id).fullname;
  if (has_keys_[static_cast<size_t>(id)]) {
    if (const meta::CommandMeta* m = meta::find(name)) {
      if (auto refs = meta::keys_of(*m, args)) {
        for (const meta::KeyRef& r : *refs)
          if (r.pos < args.size()) keys.push_back({r.pos, perms_of(r.flags)});
      }
    }
  }
  // Redis' channel table: the (un)subscribe family and PUBLISH; unsubscribing is never refused.
  if (name == "subscribe" || name == "ssubscribe" || name == "psubscribe") {
    for (size_t i = 1; i < args.size(); ++i) channels.push_back({i, name == "psubscribe"});
  } else if ((name == "publish" || name == "spublish") && args.size() > 1) {
    channels.push_back({1, false});
  }
}

acl::Denial AclState::dry_run(const acl::User& user, int id, const Args& args) const {
  std::vector<acl::KeyArg> keys;
  std::vector<acl::ChannelArg> channels;
  keys_and_channels(id, args, keys, channels);
  return registry_.check(user, id, args, keys, channels);
}

std::string AclState::check(Client& c, const Args& args, acl::LogContext context) {
  const acl::User* user = registry_.find(c.user);
  if (user == nullptr || acl::Registry::unrestricted(*user)) return "";
  int id = command_id(args);
  if (id < 0) return "";
  acl::Denial d = dry_run(*user, id, args);
  if (d.verdict == acl::Verdict::kOk) return "";
  const std::string& fullname = catalog_.at(id).fullname;
  acl::LogEntry e;
  e.reason = d.verdict;
  e.context = context;
  e.object = d.verdict == acl::Verdict::kDeniedCommand ? fullname : std::string(args[d.pos]);
  e.username = c.user;
  e.ctime_ms = util::unix_ms();
  std::string saved = std::move(c.last_command);
  c.last_command = fullname;
  e.client_info = client_info_line(server_, c);
  c.last_command = std::move(saved);
  registry_.log(std::move(e), log_max_len());
  if (c.has(kClientDenyBlocking)) {
    // EXEC running a command that was allowed when it was queued.
    const char* reason = d.verdict == acl::Verdict::kDeniedCommand
                             ? "no permission to execute the command or subcommand"
                         : d.verdict == acl::Verdict::kDeniedKey
                             ? "no permission to touch the specified keys"
                             : "no permission to access one of the channels used as arguments";
    return std::string(
               "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC "
               "call. "
               "This command is no longer allowed for the following reason: ") +
           reason;
  }
  return acl::noperm_error(d.verdict, fullname);
}

int AclState::script_check(const Client* c, const Args& args) const {
  int id = command_id(args);
  if (id < 0) return catalog_.find(args[0]) < 0 ? 1 : -1;
  // No caller (AOF load, the master's stream) runs as Redis' superuser.
  const acl::User* user = c == nullptr ? nullptr : registry_.find(c->user);
  if (user == nullptr || acl::Registry::unrestricted(*user)) return 1;
  return dry_run(*user, id, args).verdict == acl::Verdict::kOk ? 1 : 0;
}

void AclState::log_auth_failure(Client& c, std::string_view username, std::string_view command) {
  acl::LogEntry e;
  e.reason = acl::Verdict::kDeniedAuth;
  e.context = c.has(kClientMulti) ? acl::LogContext::kMulti : acl::LogContext::kToplevel;
  e.object = std::string(command);
  e.username = std::string(username);
  e.ctime_ms = util::unix_ms();
  std::string saved = std::move(c.last_command);
  c.last_command = util::to_lower(command);
  e.client_info = client_info_line(server_, c);
  c.last_command = std::move(saved);
  registry_.log(std::move(e), log_max_len());
}

void AclState::close(Client& c, Client* current) {
  c.user = "default";
  c.authenticated = false;
  if (&c == current) {
    // The caller's reply goes out first, as Redis' CLIENT_CLOSE_AFTER_COMMAND.
    c.flags |= kClientCloseAfterReply;
    if (c.conn) c.conn->close_after_flush();
    return;
  }
  server_.close_client_async(c);
}

void AclState::disconnect_user(std::string_view user, Client* current) {
  std::vector<Client*> victims;
  for (const auto& [id, c] : server_.clients())
    if (c->conn != nullptr && c->user == user) victims.push_back(c);
  for (Client* c : victims) close(*c, current);
}

void AclState::disconnect_lost_subscribers(const acl::User& after, Client* current) {
  std::vector<Client*> victims;
  for (const auto& [id, c] : server_.clients()) {
    if (c->conn == nullptr || c->user != after.name) continue;
    std::vector<std::string> channels(c->channels.begin(), c->channels.end());
    for (std::string& s : server_.pubsub().shard_channels_of(*c)) channels.push_back(std::move(s));
    std::vector<std::string> patterns(c->patterns.begin(), c->patterns.end());
    if (channels.empty() && patterns.empty()) continue;
    if (!acl::Registry::channels_still_allowed(after, channels, patterns)) victims.push_back(c);
  }
  for (Client* c : victims) close(*c, current);
}

}  // namespace datanode
