// The sentinel's ACL options, apart from the ACL state so the settings link without it (fuzz targets).
#include <cstdint>

#include "sentinel/acl/acl_state.h"

namespace sentinel {

void register_acl_settings(AclSettings& s, config::Registry& r) {
  r.add_string("aclfile", &s.aclfile).immutable = true;
  config::Option& users = r.add_string("users", &s.users);
  users.immutable = true;
  users.sensitive = true;
  r.add_int("acllog-max-len", &s.acllog_max_len, 0, INT32_MAX);
}

}  // namespace sentinel
