// hash commands.
#include "datanode/commands/families.h"

namespace datanode {

void register_hash_commands(CommandTable&) {}

}  // namespace datanode
