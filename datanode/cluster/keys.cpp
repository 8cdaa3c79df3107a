#include "datanode/cluster/keys.h"

#include "common/util/strings.h"

namespace datanode {
namespace {

// numkeys at args[at], keys from args[at + 1].
void numkeys_at(size_t at, const std::vector<std::string_view>& args, std::vector<size_t>& out) {
  if (at >= args.size()) return;
  auto n = util::parse_int(args[at]);
  if (!n || *n <= 0 || static_cast<size_t>(*n) > args.size() - at - 1) return;
  for (size_t i = 0; i < static_cast<size_t>(*n); ++i) out.push_back(at + 1 + i);
}

}  // namespace

bool has_movable_keys(const CommandSpec& cmd) {
  static const char* const kMovable[] = {"zunionstore", "zinterstore", "zdiffstore", "zunion", "zinter",
                                         "zdiff",       "zintercard",  "sintercard", "lmpop",  "zmpop",
                                         "blmpop",      "bzmpop",      "migrate"};
  for (const char* n : kMovable)
    if (cmd.name == n) return true;
  return false;
}

std::vector<size_t> command_key_positions(const CommandSpec& cmd, const std::vector<std::string_view>& args) {
  std::vector<size_t> out;
  const std::string& n = cmd.name;
  if (n == "zunionstore" || n == "zinterstore" || n == "zdiffstore") {
    out.push_back(1);
    numkeys_at(2, args, out);
    return out;
  }
  if (n == "zunion" || n == "zinter" || n == "zdiff" || n == "zintercard" || n == "sintercard" ||
      n == "lmpop" || n == "zmpop") {
    numkeys_at(1, args, out);
    return out;
  }
  if (n == "blmpop" || n == "bzmpop") {
    numkeys_at(2, args, out);
    return out;
  }
  if (n == "migrate") {
    // MIGRATE host port "" db timeout ... KEYS k...: the keys follow KEYS when the key argument is empty.
    for (size_t i = 6; i < args.size(); ++i) {
      if (util::iequals(args[i], "auth")) {
        i += 1;  // the password is no keyword, whatever it spells
      } else if (util::iequals(args[i], "auth2")) {
        i += 2;
      } else if (util::iequals(args[i], "keys")) {
        if (!args[3].empty()) return out;
        for (size_t k = i + 1; k < args.size(); ++k) out.push_back(k);
        return out;
      }
    }
    if (args.size() > 3) out.push_back(3);
    return out;
  }
  if (cmd.first_key <= 0) return out;
  int argc = static_cast<int>(args.size());
  int last = cmd.last_key < 0 ? argc + cmd.last_key : cmd.last_key;
  int step = cmd.key_step > 0 ? cmd.key_step : 1;
  for (int i = cmd.first_key; i <= last && i < argc; i += step) out.push_back(static_cast<size_t>(i));
  return out;
}

}  // namespace datanode
