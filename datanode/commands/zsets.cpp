// zset commands.
#include "datanode/commands/families.h"

namespace datanode {

void register_zset_commands(CommandTable&) {}

}  // namespace datanode
