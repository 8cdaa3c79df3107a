// Protected configs and commands (Redis' PROTECTED_CONFIG, CMD_PROTECTED and allowProtectedAction),
// and the CONFIG SET dir hook that keeps persistence consistent when the directory changes.
#include "datanode/server/protected_actions.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "common/util/fs.h"
#include "datanode/server/server.h"

namespace datanode {

namespace {

std::string option_value(Server& server, const char* name) {
  config::Option* o = server.registry().find(name);
  return o != nullptr && o->get ? o->get() : "no";
}

bool is_local(const Client& c) {
  if (c.conn == nullptr) return true;  // the AOF loader and the master link are not remote users
  const std::string& ip = c.conn->peer_ip();
  return ip == "127.0.0.1" || ip == "::1";
}

bool allowed(const std::string& setting, const Client& c) {
  return setting == "yes" || (setting == "local" && is_local(c));
}

// A new dir, resolved against the current one (Redis chdir()s, so a relative path is relative to the
// old directory), checked as Redis' chdir() would: "" and the absolute path, or the error text.
std::string resolve_dir(const std::string& current, const std::string& wanted, std::string* resolved) {
  std::string path = wanted.empty() || wanted[0] == '/' ? wanted : util::path_join(current, wanted);
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) == nullptr) return strerror(errno);
  struct stat st {};
  if (stat(buf, &st) != 0) return strerror(errno);
  if (!S_ISDIR(st.st_mode)) return strerror(ENOTDIR);
  if (access(buf, W_OK | X_OK) != 0) return strerror(errno);
  *resolved = buf;
  return "";
}

}  // namespace

void install_protected_actions(Server& server) {
  config::Option* dir = server.registry().find("dir");
  if (dir == nullptr) return;
  // The value before the change: on_change runs after the field was set, and must know where from.
  auto previous = std::make_shared<std::string>(server.settings().dir);
  dir->on_change = [&server, previous]() -> std::string {
    Settings& s = server.settings();
    std::string resolved;
    std::string err = resolve_dir(*previous, s.dir, &resolved);
    if (!err.empty()) return err;
    // The open AOF (and nodes.conf in cluster mode) would stay in the old directory while rewrites and
    // snapshots went to the new one: the next restart would load a mix. Refuse rather than split.
    if (s.appendonly && resolved != *previous)
      return "can't change dir while appendonly is yes (set appendonly no, change dir, then appendonly yes)";
    if (s.cluster_enabled && resolved != *previous)
      return "can't change dir in cluster mode (nodes.conf lives there)";
    s.dir = resolved;
    *previous = resolved;
    return "";
  };
}

std::string protected_command_error(Server& server, const Client& c, const std::string& command) {
  const char* option = command == "debug"    ? "enable-debug-command"
                       : command == "module" ? "enable-module-command"
                                             : nullptr;
  if (option == nullptr || allowed(option_value(server, option), c)) return "";
  return std::string("ERR ") + (command == "debug" ? "DEBUG" : "MODULE") + " command not allowed. If the " +
         option +
         " option is set to \"local\", you can run it from a local connection, otherwise you need to set "
         "this option in the configuration file, and then restart the server.";
}

std::string protected_config_error(Server& server, const Client& c, const config::Option& option,
                                   const std::string& typed_name) {
  if (option.name != "dir" && option.name != "dbfilename") return "";
  if (allowed(option_value(server, "enable-protected-configs"), c)) return "";
  return "ERR CONFIG SET failed (possibly related to argument '" + typed_name +
         "') - can't set protected config";
}

}  // namespace datanode
