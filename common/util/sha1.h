// SHA-1 through OpenSSL's libcrypto: script names (EVALSHA, SCRIPT LOAD, redis.sha1hex) and the
// DEBUG DIGEST chain, which must give the same bytes as Redis' own SHA-1.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace util {

using Sha1 = std::array<uint8_t, 20>;

Sha1 sha1(const void* data, size_t len);
// 40 lower-case hex digits.
std::string sha1_hex(std::string_view data);

}  // namespace util
