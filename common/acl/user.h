// ACL users as Redis 7.0 keeps them: flags, SHA-256 password hashes and selectors (the root one plus
// any "(...)" ones), each selector a command bitmap over a Catalog, first-arg exceptions, key patterns
// with read/write permissions and channel patterns. apply_rule() is ACL SETUSER's grammar, one rule at
// a time; describe_user() is the normalised text ACL LIST prints.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/acl/catalog.h"

namespace acl {

inline constexpr int kPermRead = 1;
inline constexpr int kPermWrite = 2;
inline constexpr int kPermAll = kPermRead | kPermWrite;

enum UserFlag : uint32_t {
  kUserOn = 1u << 0,
  kUserOff = 1u << 1,
  kUserNoPass = 1u << 2,
  kUserSkipSanitize = 1u << 3,
  kUserSanitize = 1u << 4,
};

enum SelectorFlag : uint32_t {
  kSelectorRoot = 1u << 0,
  kSelectorAllKeys = 1u << 1,
  kSelectorAllChannels = 1u << 2,
  kSelectorAllCommands = 1u << 3,
};

struct KeyPattern {
  int perms = kPermAll;
  std::string pattern;
};

struct Selector {
  uint32_t flags = 0;
  // One bit per catalog id, plus a last bit that only +@all sets: "may run commands added later",
  // which decides whether the description starts with +@all or -@all.
  std::vector<uint64_t> bits;
  // Allowed first arguments of otherwise refused commands ("+select|0"), by command id.
  std::map<int, std::vector<std::string>> first_args;
  std::vector<KeyPattern> patterns;
  std::vector<std::string> channels;

  bool bit(size_t id) const { return id / 64 < bits.size() && (bits[id / 64] >> (id % 64)) & 1; }
  void set_bit(size_t id, bool on);
};

struct User {
  std::string name;
  uint32_t flags = kUserOff;
  std::vector<std::string> passwords;  // lower-case hex SHA-256
  std::vector<Selector> selectors;     // [0] is the root selector

  bool enabled() const { return (flags & kUserOn) != 0; }
};

// A new user: off, no password, no commands, no keys, no channels (acl-pubsub-default resetchannels).
User make_user(std::string_view name, const Catalog& catalog);
// Redis' default user: on nopass ~* &* +@all.
User make_default_user(const Catalog& catalog);

// Applies one ACL SETUSER rule; returns "" or Redis' reason ("Syntax error", ...). On error the user
// may be half-changed: callers apply rules to a copy.
std::string apply_rule(User& user, std::string_view rule, const Catalog& catalog);
// All rules of one ACL SETUSER, with selectors spread over several arguments merged as Redis does;
// returns "" or the full error text without the "ERR " prefix. The user is untouched on error.
std::string apply_rules(User& user, const std::vector<std::string_view>& rules, const Catalog& catalog);

// ACL LIST's text after "user <name> ".
std::string describe_user(const User& user, const Catalog& catalog);
// The command part of a selector ("+@all -@dangerous +info").
std::string describe_commands(const Selector& s, const Catalog& catalog);
// "~a %R~b" (ACL GETUSER keys) and "&a &b" (channels).
std::string describe_keys(const Selector& s);
std::string describe_channels(const Selector& s);

// Lower-case hex SHA-256 of a password.
std::string hash_password(std::string_view password);
// Compares two equal-length strings in time independent of where they differ.
bool constant_time_equals(std::string_view a, std::string_view b);
// Does this password open this user (on, and nopass or one matching hash)?
bool password_matches(const User& user, std::string_view password);

// Usernames, key and channel patterns must not contain spaces or NUL (Redis' ACLStringHasSpaces).
bool has_spaces(std::string_view s);

}  // namespace acl
