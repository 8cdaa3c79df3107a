// What both binaries say about themselves: our version, the Redis version whose behaviour they follow,
// the build (git commit and build type, fixed at configure time) and the allocator.
#pragma once

#include <string>

namespace version {

inline constexpr const char* kVersion = "0.2.0";
// Reported as redis_version in INFO, HELLO and RDB headers: clients and tools key features off it.
inline constexpr const char* kRedisVersion = "7.0.15";

const char* git_sha();     // short commit id, or "unknown" outside a git checkout
const char* build_type();  // CMAKE_BUILD_TYPE
const char* allocator();   // "libc" until another allocator is linked in

// One line, like `redis-server -v`: "<binary> v=0.2.0 redis=7.0.15 sha=<git> malloc=libc bits=64
// build=<type>".
std::string line(const char* binary);

}  // namespace version
