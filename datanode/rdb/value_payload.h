// DUMP/RESTORE payloads: one value in RDB encoding, then the RDB version (2 bytes, little endian) and a
// CRC64 of everything before it (8 bytes, little endian), as Redis' createDumpPayload writes them.
// We write the plain encodings (LIST, SET, HASH, ZSET_2, strings with integer encoding) that every Redis
// since 4.0 restores, and read every encoding Redis 7.0 writes or accepts (listpack, ziplist, intset,
// quicklist, zipmap-free older RDB versions up to 10).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "datanode/store/value.h"

namespace rdb {

inline constexpr int kDumpVersion = 10;

std::string dump_payload(const store::Value& value);

// Whether the footer is there, its version is one we read (<= 10) and its checksum matches.
bool verify_payload(std::string_view payload);

// The value of a verified payload; nullopt for a malformed one (unknown or unsupported type, bytes
// missing, corrupt packed blob, an empty aggregate, a NaN score), as RESTORE's "Bad data format".
// Lengths inside are checked against the bytes left, so a hostile payload cannot make it allocate more
// than a small multiple of its own size.
std::optional<store::Value> load_payload(std::string_view payload);

}  // namespace rdb
