// set commands.
#include "datanode/commands/families.h"

namespace datanode {

void register_set_commands(CommandTable&) {}

}  // namespace datanode
