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
  if (cmd.first_key <= 0) return out;
  int argc = static_cast<int>(args.size());
  int last = cmd.last_key < 0 ? argc + cmd.last_key : cmd.last_key;
  int step = cmd.key_step > 0 ? cmd.key_step : 1;
  for (int i = cmd.first_key; i <= last && i < argc; i += step) out.push_back(static_cast<size_t>(i));
  return out;
}

}  // namespace datanode
