#include "datanode/commands/families.h"

namespace datanode {

// Families added after families.h settled (declared here to keep that widely included header stable).
void register_blocking_zset_commands(CommandTable& t);  // zsets_blocking.cpp
void register_geo_commands(CommandTable& t);             // geo.cpp, geo_search.cpp
void register_shard_pubsub_commands(CommandTable& t);   // pubsub_shard.cpp
void register_migrate_commands(CommandTable& t);        // migrate.cpp
void register_acl_commands(CommandTable& t);            // acl.cpp
void register_scripting_commands(CommandTable& t);      // scripting/eval.cpp
void register_function_commands(CommandTable& t);       // scripting/function_commands.cpp
void register_stream_commands(CommandTable& t);         // streams.cpp
void register_stream_read_commands(CommandTable& t);    // streams_read.cpp
void register_stream_group_commands(CommandTable& t);   // streams_groups.cpp
void register_stream_info_commands(CommandTable& t);    // streams_info.cpp

void register_all_commands(CommandTable& t) {
  register_string_commands(t);
  register_key_commands(t);
  register_list_commands(t);
  register_hash_commands(t);
  register_set_commands(t);
  register_zset_commands(t);
  register_blocking_zset_commands(t);
  register_geo_commands(t);
  register_bitmap_commands(t);
  register_hyperloglog_commands(t);
  register_dump_commands(t);
  register_server_commands(t);
  register_client_commands(t);
  register_pubsub_commands(t);
  register_shard_pubsub_commands(t);
  register_transaction_commands(t);
  register_replication_commands(t);
  register_slowlog_commands(t);
  register_latency_commands(t);
  register_sort_commands(t);
  register_object_commands(t);
  register_memory_commands(t);
  register_cluster_commands(t);
  register_migrate_commands(t);
  register_acl_commands(t);
  register_scripting_commands(t);
  register_function_commands(t);
  register_stream_commands(t);
  register_stream_read_commands(t);
  register_stream_group_commands(t);
  register_stream_info_commands(t);
}

}  // namespace datanode
