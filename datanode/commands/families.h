// One registration function per command family; each lives in its own file of this directory.
#pragma once

#include "datanode/server/server.h"

namespace datanode {

void register_string_commands(CommandTable& t);
void register_key_commands(CommandTable& t);
void register_list_commands(CommandTable& t);
void register_hash_commands(CommandTable& t);
void register_set_commands(CommandTable& t);
void register_zset_commands(CommandTable& t);
void register_bitmap_commands(CommandTable& t);
void register_hyperloglog_commands(CommandTable& t);
void register_dump_commands(CommandTable& t);
void register_server_commands(CommandTable& t);
void register_client_commands(CommandTable& t);
void register_pubsub_commands(CommandTable& t);
void register_transaction_commands(CommandTable& t);
void register_replication_commands(CommandTable& t);
void register_slowlog_commands(CommandTable& t);
void register_latency_commands(CommandTable& t);
void register_sort_commands(CommandTable& t);
void register_object_commands(CommandTable& t);
void register_memory_commands(CommandTable& t);
void register_cluster_commands(CommandTable& t);

}  // namespace datanode
