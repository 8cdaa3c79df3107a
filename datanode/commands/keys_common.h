// Helpers shared by the keyspace and string command files: read lookups that count keyspace hits and
// misses the way Redis' lookupKeyRead does, and the expiry-time argument checks.
#pragma once

#include <cstdint>
#include <string_view>

#include "datanode/commands/families.h"
#include "datanode/server/notify.h"

namespace datanode {

// The EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT/TTL/PTTL/EXPIRETIME/PEXPIRETIME/PERSIST family (keys_expire.cpp).
void register_expire_commands(CommandTable& t);
// LCS (strings_lcs.cpp), registered with the string family.
void register_lcs_command(CommandTable& t);

namespace keys {

// A read lookup: counts a keyspace hit or miss; `touch` records the access (OBJECT IDLETIME).
inline store::Value* lookup_read(Context& ctx, std::string_view key, bool touch = true) {
  store::Database& db = ctx.db();
  store::Value* v = touch ? db.find(key, ctx.now_ms) : db.peek(key, ctx.now_ms);
  ctx.note_read_lookup(key, v != nullptr);
  return v;
}

// "ERR invalid expire time in '<cmd>' command", with the command's lower-case name.
inline void invalid_expire_error(Context& ctx) {
  ctx.out.error("ERR invalid expire time in '" + util::to_lower(ctx.arg(0)) + "' command");
}

// Whether an absolute expiry in the past deletes the key now. A replica or an AOF being loaded applies
// what the master decided instead (the DEL follows in the stream), as Redis' checkAlreadyExpired.
inline bool already_expired(Context& ctx, int64_t at_ms) {
  return at_ms <= ctx.now_ms && !ctx.server.loading() && !ctx.server.is_replica();
}

}  // namespace keys
}  // namespace datanode
