// transaction commands.
#include "datanode/commands/families.h"

namespace datanode {

void register_transaction_commands(CommandTable&) {}

}  // namespace datanode
