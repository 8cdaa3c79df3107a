// Decoders for the compact blobs Redis embeds in RDB values: listpack (7.0 small hashes, zsets, list
// nodes), ziplist (older RDBs) and intset (small integer sets). Each returns the entries in order, with
// integer entries printed in decimal as Redis returns them; nullopt when the blob is malformed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rdb {

std::optional<std::vector<std::string>> decode_listpack(std::string_view blob);
std::optional<std::vector<std::string>> decode_ziplist(std::string_view blob);
std::optional<std::vector<std::string>> decode_intset(std::string_view blob);

}  // namespace rdb
