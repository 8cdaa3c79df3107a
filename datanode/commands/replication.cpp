// replication commands.
#include "datanode/commands/families.h"

namespace datanode {

void register_replication_commands(CommandTable&) {}

}  // namespace datanode
