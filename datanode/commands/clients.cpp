// client commands.
#include "datanode/commands/families.h"

namespace datanode {

void register_client_commands(CommandTable&) {}

}  // namespace datanode
