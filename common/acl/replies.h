// The replies of the ACL subcommands that are the same on the datanode and the sentinel port: GETUSER,
// LIST, USERS, CAT, GENPASS, LOG and HELP, in Redis 7.0's shapes (RESP2 and RESP3).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/acl/acl.h"
#include "common/resp/writer.h"

namespace acl {

void write_getuser(resp::Writer& out, const User& u, const Catalog& catalog);
void write_list(resp::Writer& out, const Registry& registry, bool names_only);
// ACL CAT [category]: false when the category is unknown (the caller answers Redis' error).
bool write_cat(resp::Writer& out, const Catalog& catalog, std::string_view category, bool all);
void write_log(resp::Writer& out, const Registry& registry, int64_t count, int64_t now_ms);
void write_help(resp::Writer& out);
// ACL GENPASS: `bits` random bits as lower-case hex (rounded up to a nibble).
std::string generate_password(int64_t bits);

inline constexpr const char* kGenpassRangeError =
    "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to "
    "4096";
inline constexpr const char* kNoAclFileError =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the "
    "ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file "
    "set) in order to store users in the Redis configuration.";
inline constexpr const char* kSaveError =
    "ERR There was an error trying to save the ACLs. Please check the server logs for more information";

}  // namespace acl
