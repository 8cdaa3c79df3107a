#include "datanode/server/monitor_filter.h"

#include "common/util/strings.h"
#include "datanode/commands/command_meta.h"

namespace datanode {

namespace {

constexpr std::string_view kRedacted = "(redacted)";

bool has_word(const char* list, std::string_view word) {
  for (std::string_view w : meta::words(list))
    if (w == word) return true;
  return false;
}

}  // namespace

bool monitor_shows(const CommandSpec& cmd, const Args& args) {
  if (cmd.has(command::kAdmin)) return false;
  // AUTH, HELLO and EXEC carry kSkipMonitor here for other reasons; Redis shows them (redacted).
  if (cmd.has(command::kSkipMonitor) && cmd.name != "auth" && cmd.name != "hello" && cmd.name != "exec")
    return false;
  if (cmd.has(command::kSubcommands) && args.size() > 1) {
    std::string full = cmd.name + "|" + util::to_lower(args[1].substr(0, 64));
    if (const meta::CommandMeta* m = meta::find(full))
      return !has_word(m->flags, "admin") && !has_word(m->flags, "skip_monitor");
  }
  return true;
}

Args monitor_view(const CommandSpec& cmd, const Args& args) {
  Args view = args;
  if (cmd.name == "auth") {
    for (size_t i = 1; i < view.size(); ++i) view[i] = kRedacted;
  } else if (cmd.name == "hello" || cmd.name == "migrate") {
    for (size_t i = 1; i < view.size(); ++i) {
      // HELLO AUTH user pass; MIGRATE AUTH pass / AUTH2 user pass.
      size_t secrets = 0;
      if (util::iequals(view[i], "auth"))
        secrets = cmd.name == "hello" ? 2 : 1;
      else if (cmd.name == "migrate" && util::iequals(view[i], "auth2"))
        secrets = 2;
      for (size_t k = 1; k <= secrets && i + k < view.size(); ++k) view[i + k] = kRedacted;
      i += secrets;
    }
  }
  return view;
}

}  // namespace datanode
