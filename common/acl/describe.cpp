// The normalised text of a user (ACL LIST, ACL GETUSER, the ACL file): Redis 7.0 rebuilds the command
// rules from the bitmap alone (start from +@all or -@all, then the categories that fit best, then
// single commands), so equal permissions print equally whatever rules produced them.
#include <string>

#include "common/acl/user.h"

namespace acl {
namespace {

void count_category(const Selector& s, uint64_t cat, const Catalog& catalog, unsigned long& on,
                    unsigned long& off) {
  auto count = [&](int id) {
    if (!(catalog.at(id).categories & cat)) return;
    (s.bit(static_cast<size_t>(id)) ? on : off)++;
  };
  for (int id : catalog.top_level()) {
    count(id);
    for (int sub : catalog.at(id).subcommands) count(sub);
  }
}

// The same rule applied to a bitmap-only selector (the describer's scratch copies).
void apply_bits(Selector& s, std::string_view rule, const Catalog& catalog) {
  User scratch;
  scratch.selectors.push_back(std::move(s));
  apply_rule(scratch, rule, catalog);
  s = std::move(scratch.selectors[0]);
}

void single_commands(const Selector& user, Selector& fake, int id, const Catalog& catalog,
                     std::string& rules) {
  bool userbit = user.bit(static_cast<size_t>(id));
  if (userbit != fake.bit(static_cast<size_t>(id))) {
    rules += userbit ? '+' : '-';
    rules += catalog.at(id).fullname;
    rules += ' ';
    fake.set_bit(static_cast<size_t>(id), userbit);
    for (int sub : catalog.at(id).subcommands) fake.set_bit(static_cast<size_t>(sub), userbit);
  }
  for (int sub : catalog.at(id).subcommands) single_commands(user, fake, sub, catalog, rules);
  if (!userbit) {
    auto it = user.first_args.find(id);
    if (it == user.first_args.end()) return;
    for (const std::string& arg : it->second) {
      rules += '+';
      rules += catalog.at(id).fullname;
      rules += '|';
      rules += arg;
      rules += ' ';
    }
  }
}

}  // namespace

std::string describe_commands(const Selector& s, const Catalog& catalog) {
  std::string rules;
  bool additive = !s.bit(catalog.size());
  Selector fake;
  fake.bits.assign(s.bits.size(), 0);
  rules = additive ? "-@all " : "+@all ";
  apply_bits(fake, additive ? "-@all" : "+@all", catalog);

  Selector temp;
  temp.bits = s.bits;
  bool applied[kCategories.size()] = {};
  while (true) {
    int best = -1;
    unsigned long mindiff = ~0ul, maxsame = 0;
    for (size_t j = 0; j < kCategories.size(); ++j) {
      if (applied[j]) continue;
      unsigned long on = 0, off = 0;
      count_category(temp, uint64_t{1} << j, catalog, on, off);
      unsigned long diff = additive ? off : on, same = additive ? on : off;
      if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
        best = static_cast<int>(j);
        mindiff = diff;
        maxsame = same;
      }
    }
    if (best < 0) break;
    std::string name(kCategories[static_cast<size_t>(best)]);
    std::string op = (additive ? "+@" : "-@") + name;
    apply_bits(fake, op, catalog);
    apply_bits(temp, (additive ? "-@" : "+@") + name, catalog);
    rules += op;
    rules += ' ';
    applied[best] = true;
  }
  for (int id : catalog.top_level()) single_commands(s, fake, id, catalog, rules);
  rules.pop_back();
  return rules;
}

std::string describe_keys(const Selector& s) {
  if (s.flags & kSelectorAllKeys) return "~*";
  std::string out;
  for (const KeyPattern& p : s.patterns) {
    if (!out.empty()) out += ' ';
    out += p.perms == kPermAll ? "~" : p.perms == kPermRead ? "%R~" : "%W~";
    out += p.pattern;
  }
  return out;
}

std::string describe_channels(const Selector& s) {
  if (s.flags & kSelectorAllChannels) return "&*";
  std::string out;
  for (const std::string& c : s.channels) {
    if (!out.empty()) out += ' ';
    out += '&';
    out += c;
  }
  return out;
}

namespace {

std::string describe_selector(const Selector& s, const Catalog& catalog) {
  std::string out;
  if (s.flags & kSelectorAllKeys) {
    out += "~* ";
  } else {
    for (const KeyPattern& p : s.patterns) {
      out += p.perms == kPermAll ? "~" : p.perms == kPermRead ? "%R~" : "%W~";
      out += p.pattern;
      out += ' ';
    }
  }
  if (s.flags & kSelectorAllChannels) {
    out += "&* ";
  } else {
    out += "resetchannels ";
    for (const std::string& c : s.channels) {
      out += '&';
      out += c;
      out += ' ';
    }
  }
  out += describe_commands(s, catalog);
  return out;
}

}  // namespace

std::string describe_user(const User& u, const Catalog& catalog) {
  std::string out;
  static constexpr std::pair<uint32_t, const char*> kFlags[] = {{kUserOn, "on"},
                                                                {kUserOff, "off"},
                                                                {kUserNoPass, "nopass"},
                                                                {kUserSkipSanitize, "skip-sanitize-payload"},
                                                                {kUserSanitize, "sanitize-payload"}};
  for (const auto& [flag, name] : kFlags) {
    if (!(u.flags & flag)) continue;
    out += name;
    out += ' ';
  }
  for (const std::string& p : u.passwords) {
    out += '#';
    out += p;
    out += ' ';
  }
  for (size_t i = 0; i < u.selectors.size(); ++i) {
    if (i == 0) {
      out += describe_selector(u.selectors[i], catalog);
    } else {
      out += " (";
      out += describe_selector(u.selectors[i], catalog);
      out += ')';
    }
  }
  return out;
}

}  // namespace acl
