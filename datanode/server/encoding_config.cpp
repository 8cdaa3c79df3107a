#include "datanode/server/encoding_config.h"

#include "datanode/server/server.h"
#include "datanode/store/hash.h"
#include "datanode/store/list.h"
#include "datanode/store/set.h"

namespace datanode {

void install_encoding_config(Server& server) {
  Settings& s = server.settings();
  auto apply = [&s] {
    store::Hash::limits() = {static_cast<size_t>(s.hash_max_listpack_entries),
                             static_cast<size_t>(s.hash_max_listpack_value)};
    store::List::limits() = {s.list_max_listpack_size};
    store::Set::limits() = {static_cast<size_t>(s.set_max_intset_entries)};
    return std::string();
  };
  apply();
  for (const char* name : {"hash-max-listpack-entries", "hash-max-listpack-value", "list-max-listpack-size",
                           "set-max-intset-entries"})
    if (config::Option* o = server.registry().find(name)) o->on_change = apply;
}

}  // namespace datanode
