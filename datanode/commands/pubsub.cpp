// pubsub commands.
#include "datanode/commands/families.h"

namespace datanode {

void register_pubsub_commands(CommandTable&) {}

}  // namespace datanode
