#include "datanode/cluster/keys.h"

#include "datanode/commands/command_meta.h"

namespace datanode {

bool has_movable_keys(const CommandSpec& cmd) { return meta::movable_keys(cmd.name); }

std::vector<size_t> command_key_positions(const CommandSpec& cmd, const std::vector<std::string_view>& args) {
  std::vector<size_t> out;
  if (has_movable_keys(cmd)) {
    if (const meta::CommandMeta* m = meta::find(cmd.name))
      if (auto keys = meta::keys_of(*m, args))
        for (const meta::KeyRef& k : *keys) out.push_back(k.pos);
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
