// The protected-settings options (enable-protected-configs, enable-debug-command, enable-module-command):
// registered apart from their checks so the config fuzz target links without the server.
#include <memory>
#include <string>

#include "datanode/server/protected_actions.h"

namespace datanode {
namespace {

const char* const kProtectedOptions[] = {"enable-protected-configs", "enable-debug-command",
                                         "enable-module-command"};

}  // namespace

void register_protected_options(config::Registry& registry) {
  for (const char* name : kProtectedOptions) {
    auto value = std::make_shared<std::string>("no");
    config::Option& o = registry.add_enum(name, value.get(), {"no", "yes", "local"});
    o.immutable = true;
    o.get = [value] { return *value; };
  }
}

}  // namespace datanode
