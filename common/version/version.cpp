#include "common/version/version.h"

#include "common/memory/allocator.h"

#ifndef REDIS_HA_GIT_SHA
#define REDIS_HA_GIT_SHA "unknown"
#endif
#ifndef REDIS_HA_BUILD_TYPE
#define REDIS_HA_BUILD_TYPE "unknown"
#endif

namespace version {

const char* git_sha() { return REDIS_HA_GIT_SHA; }
const char* build_type() { return REDIS_HA_BUILD_TYPE; }
const char* allocator() { return allocator::name(); }

std::string line(const char* binary) {
  return std::string(binary) + " v=" + kVersion + " redis=" + kRedisVersion + " sha=" + git_sha() +
         " malloc=" + allocator() + " bits=" + std::to_string(sizeof(void*) * 8) + " build=" + build_type();
}

}  // namespace version
