// list commands.
#include "datanode/commands/families.h"

namespace datanode {

void register_list_commands(CommandTable&) {}

}  // namespace datanode
