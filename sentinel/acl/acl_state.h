// The sentinel's ACL, as Redis Sentinel 7.0 has it: the catalog of the commands a sentinel knows (the
// SENTINEL-flagged part of Redis' table, with their categories), the users (the config's "users" lines
// or an aclfile, never both; requirepass is the default user's password), the check every command
// goes through and the ACL LOG. Users are kept through the config rewrite the sentinel does after
// every topology change, as Redis Sentinel rewrites its user lines into sentinel.conf.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/acl/acl.h"
#include "common/config/registry.h"

namespace sentinel {

struct AclSettings {
  std::string aclfile;
  std::string users;  // one user per line, as sentinel.conf's user lines without "user"
  int acllog_max_len = 128;
};

void register_acl_settings(AclSettings& s, config::Registry& r);

struct Client;
class Server;

class SentinelAcl {
 public:
  SentinelAcl(Server& server, AclSettings& settings, config::Registry& registry);

  acl::Registry& registry() { return registry_; }
  const acl::Catalog& catalog() const { return catalog_; }
  const AclSettings& settings() const { return settings_; }

  // The catalog id of a command line (the subcommand's for containers); -1 when unknown.
  int command_id(const std::vector<std::string_view>& args) const;
  // Declared arity of a catalog entry (Redis' convention: negative means "at least").
  int arity(int id) const;
  // "" when the client's user may run the line, else the NOPERM error (logged in ACL LOG).
  std::string check(Client& c, const std::vector<std::string_view>& args);
  acl::Denial dry_run(const acl::User& user, int id, const std::vector<std::string_view>& args) const;
  void log_auth_failure(Client& c, std::string_view username, std::string_view command);

  // Whether a fresh connection starts authenticated (default user on and nopass).
  bool default_open() const;
  // Clients authenticated as `user` are closed (the caller after its reply).
  void disconnect_user(std::string_view user, Client* current);
  void disconnect_lost_subscribers(const acl::User& after, Client* current);

  // Users at start: "users" lines or aclfile. "" or the reason not to start.
  std::string load_at_startup();
  std::string load_file(Client* current);
  bool save_file();
  // What the config rewrite writes as "users".
  std::string users_text() const;

 private:
  Server& server_;
  AclSettings& settings_;
  config::Registry& config_;
  acl::Catalog catalog_;
  std::vector<int> arity_;
  acl::Registry registry_;
};

}  // namespace sentinel
