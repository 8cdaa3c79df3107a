// ACL SETUSER's rule parser on hostile rules (the same parser reads users from ACL SETUSER on both
// binaries). Invariants: no crash, and the normalised description of the resulting user, parsed again
// into a fresh user, describes that user identically (Redis asserts the same of its describer).
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/acl/acl.h"
#include "datanode/commands/command_meta.h"

namespace {

const acl::Catalog& catalog() {
  static const acl::Catalog c = [] {
    acl::Catalog cat;
    for (const auto& m : datanode::meta::all_commands()) {
      std::string_view name = m.name;
      size_t bar = name.find('|');
      int parent = bar == std::string_view::npos ? -1 : cat.find(name.substr(0, bar));
      cat.add(name, acl::category_bits_of(m.acl), false, parent);
    }
    return cat;
  }();
  return c;
}

std::vector<std::string> split(std::string_view text) {
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

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::vector<std::string> words = split(std::string_view(reinterpret_cast<const char*>(data), size));
  std::vector<std::string_view> rules(words.begin(), words.end());
  acl::Registry reg(catalog());
  if (!reg.set_user("u", rules).empty()) return 0;
  const acl::User& u = *reg.find("u");
  std::string first = acl::describe_user(u, catalog());
  std::vector<std::string> again = split(first);
  std::vector<std::string_view> again_rules(again.begin(), again.end());
  std::string err = reg.set_user("v", again_rules);
  if (!err.empty()) {
    fprintf(stderr, "description does not parse: %s\n%s\n", first.c_str(), err.c_str());
    abort();
  }
  std::string second = acl::describe_user(*reg.find("v"), catalog());
  if (first != second) {
    fprintf(stderr, "description changed:\n%s\n%s\n", first.c_str(), second.c_str());
    abort();
  }
  std::vector<std::string_view> argv = {"get", "k"};
  reg.check(u, catalog().find("get"), argv, {{1, acl::kPermRead}}, {});
  return 0;
}
