#include "common/acl/catalog.h"

#include "common/util/strings.h"

namespace acl {

uint64_t category_bit(std::string_view name) {
  for (size_t i = 0; i < kCategories.size(); ++i)
    if (util::iequals(name, kCategories[i])) return uint64_t{1} << i;
  return 0;
}

uint64_t category_bits_of(std::string_view list) {
  uint64_t bits = 0;
  size_t i = 0;
  while (i < list.size()) {
    size_t j = list.find(' ', i);
    if (j == std::string_view::npos) j = list.size();
    std::string_view word = list.substr(i, j - i);
    if (!word.empty() && word[0] == '@') bits |= category_bit(word.substr(1));
    i = j + 1;
  }
  return bits;
}

int Catalog::add(std::string_view fullname, uint64_t categories, bool no_auth, int parent) {
  int id = static_cast<int>(commands_.size());
  CatalogCommand c;
  c.fullname = util::to_lower(fullname);
  c.categories = categories;
  c.parent = parent;
  c.no_auth = no_auth;
  by_name_[c.fullname] = id;
  commands_.push_back(std::move(c));
  if (parent >= 0)
    commands_[static_cast<size_t>(parent)].subcommands.push_back(id);
  else
    top_.push_back(id);
  return id;
}

int Catalog::find(std::string_view fullname) const {
  if (fullname.empty() || fullname.size() > 128) return -1;
  auto it = by_name_.find(util::to_lower(fullname));
  if (it == by_name_.end()) return -1;
  // "a|b" names only a real subcommand: a command without subcommands is not found with a suffix.
  return it->second;
}

int Catalog::command_id(const std::vector<std::string_view>& args) const {
  if (args.empty()) return -1;
  int id = find(args[0]);
  if (id < 0 || args.size() < 2 || at(id).subcommands.empty()) return id;
  if (args[1].find('|') != std::string_view::npos) return -1;
  return find(at(id).fullname + "|" + std::string(args[1]));
}

}  // namespace acl
