#include "common/acl/replies.h"

#include <algorithm>
#include <random>

#include "common/command/help.h"

namespace acl {
namespace {

void selector_fields(resp::Writer& out, const Selector& s, const Catalog& catalog) {
  out.bulk("commands");
  out.bulk(describe_commands(s, catalog));
  out.bulk("keys");
  out.bulk(describe_keys(s));
  out.bulk("channels");
  out.bulk(describe_channels(s));
}

}  // namespace

void write_getuser(resp::Writer& out, const User& u, const Catalog& catalog) {
  out.map_header(6);
  out.bulk("flags");
  static constexpr std::pair<uint32_t, const char*> kFlags[] = {{kUserOn, "on"},
                                                                {kUserOff, "off"},
                                                                {kUserNoPass, "nopass"},
                                                                {kUserSkipSanitize, "skip-sanitize-payload"},
                                                                {kUserSanitize, "sanitize-payload"}};
  size_t n = 0;
  for (const auto& f : kFlags) n += (u.flags & f.first) ? 1 : 0;
  out.set_header(n);
  for (const auto& f : kFlags)
    if (u.flags & f.first) out.bulk(f.second);
  out.bulk("passwords");
  out.array_header(u.passwords.size());
  for (const std::string& p : u.passwords) out.bulk(p);
  selector_fields(out, u.selectors[0], catalog);
  out.bulk("selectors");
  out.array_header(u.selectors.size() - 1);
  for (size_t i = 1; i < u.selectors.size(); ++i) {
    out.map_header(3);
    selector_fields(out, u.selectors[i], catalog);
  }
}

void write_list(resp::Writer& out, const Registry& registry, bool names_only) {
  const auto& users = registry.users();
  out.array_header(users.size());
  for (const auto& [name, u] : users) {
    if (names_only)
      out.bulk(name);
    else
      out.bulk("user " + name + " " + describe_user(u, registry.catalog()));
  }
}

bool write_cat(resp::Writer& out, const Catalog& catalog, std::string_view category, bool all) {
  if (all) {
    out.array_header(kCategories.size());
    for (std::string_view c : kCategories) out.bulk(c);
    return true;
  }
  uint64_t bit = category_bit(category);
  if (bit == 0) return false;
  std::vector<const std::string*> names;
  for (int id : catalog.top_level()) {
    if (catalog.at(id).categories & bit) names.push_back(&catalog.at(id).fullname);
    for (int sub : catalog.at(id).subcommands)
      if (catalog.at(sub).categories & bit) names.push_back(&catalog.at(sub).fullname);
  }
  out.array_header(names.size());
  for (const std::string* n : names) out.bulk(*n);
  return true;
}

void write_log(resp::Writer& out, const Registry& registry, int64_t count, int64_t now_ms) {
  const auto& log = registry.log_entries();
  size_t n = std::min(static_cast<size_t>(std::max<int64_t>(count, 0)), log.size());
  out.array_header(n);
  static const char* kReasons[] = {"unknown", "command", "key", "auth", "channel"};
  static const char* kContexts[] = {"toplevel", "lua", "multi", "module"};
  for (size_t i = 0; i < n; ++i) {
    const LogEntry& e = log[i];
    out.map_header(7);
    out.bulk("count");
    out.integer(static_cast<int64_t>(e.count));
    out.bulk("reason");
    out.bulk(kReasons[static_cast<int>(e.reason)]);
    out.bulk("context");
    out.bulk(kContexts[static_cast<int>(e.context)]);
    out.bulk("object");
    out.bulk(e.object);
    out.bulk("username");
    out.bulk(e.username);
    out.bulk("age-seconds");
    out.double_value(static_cast<double>(now_ms - e.ctime_ms) / 1000);
    out.bulk("client-info");
    out.bulk(e.client_info);
  }
}

void write_help(resp::Writer& out) {
  command::reply_help(
      out, "ACL",
      {"CAT [<category>]",
       "    List all commands that belong to <category>, or all command categories",
       "    when no category is specified.",
       "DELUSER <username> [<username> ...]",
       "    Delete a list of users.",
       "DRYRUN <username> <command> [<arg> ...]",
       "    Returns whether the user can execute the given command without executing the command.",
       "GETUSER <username>",
       "    Get the user's details.",
       "GENPASS [<bits>]",
       "    Generate a secure 256-bit user password. The optional `bits` argument can",
       "    be used to specify a different size.",
       "LIST",
       "    Show users details in config file format.",
       "LOAD",
       "    Reload users from the ACL file.",
       "LOG [<count> | RESET]",
       "    Show the ACL log entries.",
       "SAVE",
       "    Save the current config to the ACL file.",
       "SETUSER <username> <attribute> [<attribute> ...]",
       "    Create or modify a user with the specified attributes.",
       "USERS",
       "    List all the registered usernames.",
       "WHOAMI",
       "    Return the current connection username."});
}

std::string generate_password(int64_t bits) {
  std::random_device rd;
  static const char kHex[] = "0123456789abcdef";
  std::string pass(static_cast<size_t>((bits + 3) / 4), '0');
  for (char& c : pass) c = kHex[rd() % 16];
  return pass;
}

}  // namespace acl
