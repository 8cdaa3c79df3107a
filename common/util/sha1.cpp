#include "common/util/sha1.h"

#include <openssl/evp.h>

namespace util {

Sha1 sha1(const void* data, size_t len) {
  Sha1 out{};
  unsigned int n = 0;
  EVP_Digest(data, len, out.data(), &n, EVP_sha1(), nullptr);
  return out;
}

std::string sha1_hex(std::string_view data) {
  static const char kHex[] = "0123456789abcdef";
  Sha1 d = sha1(data.data(), data.size());
  std::string out;
  out.reserve(40);
  for (uint8_t b : d) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace util
