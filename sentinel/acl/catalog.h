// The sentinel's ACL catalog: the commands Redis Sentinel 7.0 knows, with their ACL categories.
#pragma once

#include <vector>

#include "common/acl/catalog.h"

namespace sentinel {

// Fills `catalog` and, by id, each entry's arity.
void fill_sentinel_catalog(acl::Catalog& catalog, std::vector<int>& arity);

}  // namespace sentinel
