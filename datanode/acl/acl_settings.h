// The ACL options of the datanode's config: where users come from (the "users" lines of the TOML file
// or Redis' users file, never both) and how long ACL LOG grows.
#pragma once

#include <string>

#include "common/config/registry.h"

namespace datanode {

struct AclSettings {
  std::string aclfile;
  std::string users;  // one user per line, as redis.conf's user lines without "user": "alice on >pw ~* +@all"
  int acllog_max_len = 128;
};

void register_acl_settings(AclSettings& s, config::Registry& r);

}  // namespace datanode
