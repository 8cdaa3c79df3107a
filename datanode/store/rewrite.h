// The commands that rebuild a key from scratch: one SET / RPUSH / HSET / SADD / ZADD per key (aggregates
// chunked so no command grows unbounded), then PEXPIREAT if the key has a TTL. Used by the AOF rewrite
// (a compact file replaces the log) and available to anything else that needs a snapshot as commands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "datanode/store/database.h"
#include "datanode/store/value.h"

namespace store {

// Receives one command; the views are valid only during the call.
using EmitFn = std::function<void(const std::vector<std::string_view>& argv)>;

// Elements per command for aggregates, as Redis' AOF_REWRITE_ITEMS_PER_CMD.
inline constexpr size_t kRewriteItemsPerCommand = 64;

// Emits the commands that recreate `key` holding `value`, with its expiry (unix ms, -1 for none).
void rewrite_key(std::string_view key, const Value& value, int64_t expire_at_ms, const EmitFn& emit,
                 size_t items_per_command = kRewriteItemsPerCommand);

// A stream as Redis' rewriteStreamObject: XADD per entry (or XADD MAXLEN 0 for an empty stream), XSETID
// with ENTRIESADDED/MAXDELETEDID, then per group XGROUP CREATE ... ENTRIESREAD, an XCLAIM ... FORCE per
// pending entry and XGROUP CREATECONSUMER for consumers without any. (rewrite_stream.cpp)
void rewrite_stream(std::string_view key, const stream::Stream& s, const EmitFn& emit);

// Emits the commands that recreate every key of `db` that is still alive at `now_ms` (no SELECT).
// Returns how many keys were emitted.
size_t rewrite_database(const Database& db, int64_t now_ms, const EmitFn& emit);

}  // namespace store
