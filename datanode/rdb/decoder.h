// Reads RDB bytes: what we write, and what a real Redis 7.0 master sends (listpack, ziplist, intset and
// quicklist encodings, integer-encoded and LZF-compressed strings, second or millisecond expiry, idle
// and frequency hints that are skipped), streams included (stream_codec.h). Module types are refused.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "datanode/store/value.h"

namespace rdb {

struct LoadInfo {
  int version = 0;
  std::vector<std::pair<std::string, std::string>> aux;  // in file order
  uint64_t keys = 0;
  // The "repl-id" / "repl-offset" AUX fields, if present (a snapshot that can resume replication).
  std::string repl_id;
  int64_t repl_offset = -1;
  // Bytes the RDB took, checksum included: what follows is not RDB (an AOF's commands after its preamble).
  size_t consumed = 0;
  // FUNCTION libraries (opcode 245): each library's whole source, in file order.
  std::vector<std::string> function_libraries = {};
};

// Called for each key; expire_ms is -1 when the key has no expiry.
using KeyFn = std::function<void(int db, std::string key, store::Value value, int64_t expire_ms)>;

// Returns "" on success, otherwise what is wrong (and where) with the payload.
std::string decode(std::string_view data, const KeyFn& on_key, LoadInfo* info);

}  // namespace rdb
