#include "datanode/commands/families.h"

namespace datanode {

void register_all_commands(CommandTable& t) {
  register_string_commands(t);
  register_key_commands(t);
  register_list_commands(t);
  register_hash_commands(t);
  register_set_commands(t);
  register_zset_commands(t);
  register_server_commands(t);
  register_client_commands(t);
  register_pubsub_commands(t);
  register_transaction_commands(t);
  register_replication_commands(t);
  register_cluster_commands(t);
}

}  // namespace datanode
