// ACL SETUSER's grammar, rule by rule, with Redis 7.0's semantics and error reasons.
#include "common/acl/user.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "common/util/strings.h"

namespace acl {
namespace {

constexpr const char* kSyntaxError = "Syntax error";
constexpr const char* kUnknownCommand = "Unknown command or category name in ACL";
constexpr const char* kKeyAfterAll =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any "
    "effect. Try 'resetkeys' to start with an empty list of patterns";
constexpr const char* kChannelAfterAll =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have "
    "any effect. Try 'resetchannels' to start with an empty list of channels";
constexpr const char* kNoSuchPassword = "The password you are trying to remove from the user does not exist";
constexpr const char* kBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
constexpr const char* kFirstArgOfSub = "Allowing first-arg of a subcommand is not supported";

Selector make_selector(uint32_t flags, const Catalog& catalog) {
  Selector s;
  s.flags = flags;
  s.bits.assign((catalog.size() + 1 + 63) / 64, 0);
  return s;
}

void set_all(Selector& s, bool on, const Catalog& catalog) {
  std::fill(s.bits.begin(), s.bits.end(), on ? ~uint64_t{0} : 0);
  if (on) {
    // Only the catalog's bits and the future bit exist; keep the rest clear so bitmaps compare equal.
    size_t used = catalog.size() + 1;
    if (used % 64) s.bits.back() &= (uint64_t{1} << (used % 64)) - 1;
    s.flags |= kSelectorAllCommands;
  } else {
    s.flags &= ~kSelectorAllCommands;
  }
  s.first_args.clear();
}

// A command and, for a container, all its subcommands.
void change_command(Selector& s, int id, bool allow, const Catalog& catalog) {
  s.set_bit(static_cast<size_t>(id), allow);
  s.first_args.erase(id);
  for (int sub : catalog.at(id).subcommands) s.set_bit(static_cast<size_t>(sub), allow);
}

void change_category(Selector& s, uint64_t cat, bool allow, const Catalog& catalog) {
  for (int id : catalog.top_level()) {
    if (catalog.at(id).categories & cat) change_command(s, id, allow, catalog);
    for (int sub : catalog.at(id).subcommands)
      if (catalog.at(sub).categories & cat) change_command(s, sub, allow, catalog);
  }
}

bool valid_hash(std::string_view h) {
  if (h.size() != 64) return false;
  return std::all_of(h.begin(), h.end(),
                     [](char c) { return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9'); });
}

std::string apply_command_rule(Selector& s, std::string_view op, const Catalog& catalog) {
  bool allow = op[0] == '+';
  std::string_view name = op.substr(1);
  if (!allow || name.find('|') == std::string_view::npos) {
    int id = catalog.find(name);
    if (id < 0) return kUnknownCommand;
    change_command(s, id, allow, catalog);
    return "";
  }
  size_t bar = name.rfind('|');
  std::string_view base = name.substr(0, bar), sub = name.substr(bar + 1);
  int id = catalog.find(base);
  if (id < 0) return kUnknownCommand;
  if (catalog.at(id).parent >= 0) return kFirstArgOfSub;
  if (sub.empty()) return kSyntaxError;
  if (!catalog.at(id).subcommands.empty()) {
    int sub_id = catalog.find(name);
    if (sub_id < 0) return kUnknownCommand;
    change_command(s, sub_id, true, catalog);
    return "";
  }
  std::vector<std::string>& args = s.first_args[id];
  for (const std::string& a : args)
    if (util::iequals(a, sub)) return "";
  args.emplace_back(sub);
  return "";
}

std::string apply_selector_rule(Selector& s, std::string_view op, const Catalog& catalog) {
  if (util::iequals(op, "allkeys") || op == "~*") {
    s.flags |= kSelectorAllKeys;
    s.patterns.clear();
  } else if (util::iequals(op, "resetkeys")) {
    s.flags &= ~kSelectorAllKeys;
    s.patterns.clear();
  } else if (util::iequals(op, "allchannels") || op == "&*") {
    s.flags |= kSelectorAllChannels;
    s.channels.clear();
  } else if (util::iequals(op, "resetchannels")) {
    s.flags &= ~kSelectorAllChannels;
    s.channels.clear();
  } else if (util::iequals(op, "allcommands") || util::iequals(op, "+@all")) {
    set_all(s, true, catalog);
  } else if (util::iequals(op, "nocommands") || util::iequals(op, "-@all")) {
    set_all(s, false, catalog);
  } else if (op[0] == '~' || op[0] == '%') {
    if (s.flags & kSelectorAllKeys) return kKeyAfterAll;
    int perms = 0;
    size_t offset = 1;
    if (op[0] == '%') {
      for (; offset < op.size(); ++offset) {
        char c = static_cast<char>(toupper(static_cast<unsigned char>(op[offset])));
        if (c == 'R' && !(perms & kPermRead)) {
          perms |= kPermRead;
        } else if (c == 'W' && !(perms & kPermWrite)) {
          perms |= kPermWrite;
        } else if (op[offset] == '~') {
          offset++;
          break;
        } else {
          return kSyntaxError;
        }
      }
    } else {
      perms = kPermAll;
    }
    std::string_view pattern = op.substr(std::min(offset, op.size()));
    if (has_spaces(pattern)) return kSyntaxError;
    auto it = std::find_if(s.patterns.begin(), s.patterns.end(),
                           [&](const KeyPattern& p) { return p.pattern == pattern; });
    if (it == s.patterns.end())
      s.patterns.push_back({perms, std::string(pattern)});
    else
      it->perms |= perms;
    s.flags &= ~kSelectorAllKeys;
  } else if (op[0] == '&') {
    if (s.flags & kSelectorAllChannels) return kChannelAfterAll;
    std::string_view pattern = op.substr(1);
    if (has_spaces(pattern)) return kSyntaxError;
    if (std::find(s.channels.begin(), s.channels.end(), pattern) == s.channels.end())
      s.channels.emplace_back(pattern);
    s.flags &= ~kSelectorAllChannels;
  } else if ((op[0] == '+' || op[0] == '-') && (op.size() < 2 || op[1] != '@')) {
    return apply_command_rule(s, op, catalog);
  } else if (op[0] == '+' || op[0] == '-') {
    uint64_t cat = category_bit(op.substr(2));
    if (cat == 0) return kUnknownCommand;
    change_category(s, cat, op[0] == '+', catalog);
  } else {
    return kSyntaxError;
  }
  return "";
}

// Splits the inside of "(...)" on spaces as Redis' sdssplitargs does for plain words.
std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t j = i;
    while (j < text.size() && !isspace(static_cast<unsigned char>(text[j]))) ++j;
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

void Selector::set_bit(size_t id, bool on) {
  if (id / 64 >= bits.size()) return;
  uint64_t mask = uint64_t{1} << (id % 64);
  if (on) {
    bits[id / 64] |= mask;
  } else {
    bits[id / 64] &= ~mask;
    flags &= ~kSelectorAllCommands;
  }
}

bool has_spaces(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return isspace(static_cast<unsigned char>(c)) || c == 0; });
}

User make_user(std::string_view name, const Catalog& catalog) {
  User u;
  u.name = std::string(name);
  u.flags = kUserOff;
  u.selectors.push_back(make_selector(kSelectorRoot, catalog));
  return u;
}

User make_default_user(const Catalog& catalog) {
  User u = make_user("default", catalog);
  for (const char* rule : {"+@all", "~*", "&*", "on", "nopass"}) apply_rule(u, rule, catalog);
  return u;
}

std::string apply_rule(User& u, std::string_view op, const Catalog& catalog) {
  if (op.empty()) return "";
  if (util::iequals(op, "on")) {
    u.flags = (u.flags | kUserOn) & ~kUserOff;
  } else if (util::iequals(op, "off")) {
    u.flags = (u.flags | kUserOff) & ~kUserOn;
  } else if (util::iequals(op, "skip-sanitize-payload")) {
    u.flags = (u.flags | kUserSkipSanitize) & ~kUserSanitize;
  } else if (util::iequals(op, "sanitize-payload")) {
    u.flags = (u.flags | kUserSanitize) & ~kUserSkipSanitize;
  } else if (util::iequals(op, "nopass")) {
    u.flags |= kUserNoPass;
    u.passwords.clear();
  } else if (util::iequals(op, "resetpass")) {
    u.flags &= ~kUserNoPass;
    u.passwords.clear();
  } else if (op[0] == '>' || op[0] == '#') {
    std::string hash;
    if (op[0] == '>') {
      hash = hash_password(op.substr(1));
    } else {
      if (!valid_hash(op.substr(1))) return kBadHash;
      hash = std::string(op.substr(1));
    }
    if (std::find(u.passwords.begin(), u.passwords.end(), hash) == u.passwords.end())
      u.passwords.push_back(std::move(hash));
    u.flags &= ~kUserNoPass;
  } else if (op[0] == '<' || op[0] == '!') {
    std::string hash;
    if (op[0] == '<') {
      hash = hash_password(op.substr(1));
    } else {
      if (!valid_hash(op.substr(1))) return kBadHash;
      hash = std::string(op.substr(1));
    }
    auto it = std::find(u.passwords.begin(), u.passwords.end(), hash);
    if (it == u.passwords.end()) return kNoSuchPassword;
    u.passwords.erase(it);
  } else if (op[0] == '(' && op.back() == ')') {
    Selector s = make_selector(0, catalog);
    for (const std::string& word : split_words(op.substr(1, op.size() - 2))) {
      std::string err = apply_selector_rule(s, word, catalog);
      if (!err.empty()) return err;
    }
    u.selectors.push_back(std::move(s));
  } else if (util::iequals(op, "clearselectors")) {
    u.selectors.resize(1);
  } else if (util::iequals(op, "reset")) {
    for (const char* rule :
         {"resetpass", "resetkeys", "resetchannels", "off", "sanitize-payload", "clearselectors", "-@all"})
      apply_rule(u, rule, catalog);
  } else {
    return apply_selector_rule(u.selectors[0], op, catalog);
  }
  return "";
}

std::string apply_rules(User& user, const std::vector<std::string_view>& rules, const Catalog& catalog) {
  // A selector may arrive spread over several arguments: "(~a" "+get)" is one rule.
  std::vector<std::string> merged;
  std::string open;
  size_t open_at = 0;
  bool in_selector = false;
  for (size_t i = 0; i < rules.size(); ++i) {
    std::string_view op = rules[i];
    if (!in_selector && !op.empty() && op[0] == '(' && op.back() != ')') {
      open = std::string(op);
      open_at = i;
      in_selector = true;
      continue;
    }
    if (in_selector) {
      open += ' ';
      open += op;
      if (!op.empty() && op.back() == ')') {
        merged.push_back(std::move(open));
        in_selector = false;
      }
      continue;
    }
    merged.emplace_back(op);
  }
  if (in_selector)
    return "Unmatched parenthesis in acl selector starting at '" + std::string(rules[open_at]) + "'.";
  User staged = user;
  for (const std::string& op : merged) {
    std::string err = apply_rule(staged, op, catalog);
    if (!err.empty()) return "Error in ACL SETUSER modifier '" + op + "': " + err;
  }
  user = std::move(staged);
  return "";
}

std::string hash_password(std::string_view password) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(password.data(), password.size(), digest, &len, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
  return diff == 0;
}

bool password_matches(const User& user, std::string_view password) {
  if (!user.enabled()) return false;
  if (user.flags & kUserNoPass) return true;
  std::string hash = hash_password(password);
  bool ok = false;
  // Every stored hash is compared, so the time does not say which one matched.
  for (const std::string& p : user.passwords) ok |= constant_time_equals(hash, p);
  return ok;
}

}  // namespace acl
