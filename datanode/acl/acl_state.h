// The datanode's ACL: the catalog of Redis 7.0's commands (from the generated command metadata), the
// users, and the one permission check the dispatcher (and scripts' redis.call) run for every command.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/acl/acl.h"
#include "datanode/acl/acl_settings.h"
#include "datanode/server/server.h"

namespace datanode {

// The catalog of every Redis 7.0 command and subcommand (the one ACL rules and ACL CAT speak about) and,
// by id, whether the command may have keys.
void fill_acl_catalog(acl::Catalog& catalog, std::vector<bool>& has_keys);

class AclState {
 public:
  AclState(Server& server, AclSettings& settings);

  // Gives a server its ACL (main, before run(): the users are loaded by a startup hook). One per server.
  static AclState& attach(Server& server, AclSettings& settings);
  // The server's ACL; a server nobody attached one to gets one with the default settings.
  static AclState& of(Server& server);

  acl::Registry& registry() { return registry_; }
  const acl::Catalog& catalog() const { return catalog_; }
  size_t log_max_len() const { return static_cast<size_t>(settings_.acllog_max_len); }
  const AclSettings& settings() const { return settings_; }

  // The catalog id of a command line: the subcommand's for containers ("config|get"), -1 when Redis
  // has no such command or subcommand (the handler answers with its own error then).
  int command_id(const Args& args) const;

  // THE permission check: "" when the client's user may run this command line with these keys and
  // channels, otherwise the NOPERM error (without '-'), after logging the refusal in ACL LOG.
  // `context` says where the command came from (top level, MULTI, a script).
  std::string check(Client& c, const Args& args, acl::LogContext context);
  // The same for a user by name, without logging (ACL DRYRUN).
  acl::Denial dry_run(const acl::User& user, int id, const Args& args) const;

  // redis.acl_check_cmd: -1 when the line names no command or subcommand Redis knows (commands of our
  // own, outside Redis' table, are allowed), else whether the client's user may run it (no logging).
  int script_check(const Client* c, const Args& args) const;

  // Logs a failed AUTH (reason auth; the object is the command name as typed: "AUTH", "hello").
  void log_auth_failure(Client& c, std::string_view username, std::string_view command);

  // Clients authenticated as `user` are closed (after the current command for the caller).
  void disconnect_user(std::string_view user, Client* current);
  // After ACL SETUSER: subscribed clients of the user whose channels are no longer allowed are closed.
  void disconnect_lost_subscribers(const acl::User& after, Client* current);
  // requirepass -> the default user's password.
  void apply_requirepass();

  // Users at start: the config's "users" lines or the aclfile (never both). False: do not start.
  bool load_at_startup();
  // ACL LOAD: "" or the error text (without "ERR "). Clients of every previous non-default user are
  // closed on success, as Redis does.
  std::string load_file(Client* current);
  // ACL SAVE: false when the file could not be written (the reason is logged).
  bool save_file();
  // What CONFIG REWRITE writes as "users": every user that differs from what the config alone gives.
  std::string users_text() const;

 private:
  void keys_and_channels(int id, const Args& args, std::vector<acl::KeyArg>& keys,
                         std::vector<acl::ChannelArg>& channels) const;
  void close(Client& c, Client* current);

  Server& server_;
  AclSettings& settings_;
  acl::Catalog catalog_;
  std::vector<bool> has_keys_;  // by catalog id: the key specs (or Redis' own rules) may find keys
  acl::Registry registry_;      // after the catalog it refers to
};

}  // namespace datanode
