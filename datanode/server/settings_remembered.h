// Redis 7.0 parameters accepted and remembered but not acted on (settings_remembered.cpp).
#pragma once

#include "common/config/registry.h"

namespace datanode {

void register_remembered_settings(config::Registry& registry);

}  // namespace datanode
