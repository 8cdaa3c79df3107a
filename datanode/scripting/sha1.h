// SHA-1 as scripts are named by it (EVALSHA, SCRIPT LOAD, redis.sha1hex): 40 lower-case hex digits.
#pragma once

#include <string>
#include <string_view>

namespace datanode::scripting {

std::string sha1_hex(std::string_view data);

}  // namespace datanode::scripting
