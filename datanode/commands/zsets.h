// What the sorted set command files share: lookups with type checks, range parsing with Redis' rules
// and error texts, and the registration of the range (zsets_range.cpp) and set-operation
// (zsets_setops.cpp) commands.
#pragma once

#include <vector>

#include <optional>
#include <string_view>

#include "datanode/server/server.h"
#include "datanode/store/zset.h"

namespace datanode {

// Looks a sorted set up. Returns false (WRONGTYPE sent) when the key holds another type; `out` is null
// when the key is missing. The read form also counts keyspace hits and misses.
bool get_zset(Context& ctx, std::string_view key, store::ZSet*& out);
bool read_zset(Context& ctx, std::string_view key, store::ZSet*& out);

// "1.5", "(1.5", "-inf", "+inf" ... as ZRANGEBYSCORE takes them; nullopt if either is not a float.
std::optional<store::ScoreRange> parse_score_range(std::string_view min, std::string_view max);
// "-", "+", "[a", "(a"; nullopt if either is not a valid string range item.
std::optional<store::LexRange> parse_lex_range(std::string_view min, std::string_view max);

inline constexpr const char* kNotFloatRange = "ERR min or max is not a float";
inline constexpr const char* kNotLexRange = "ERR min or max not valid string range item";

// Deletes the key when its sorted set became empty.
void drop_if_empty(Context& ctx, std::string_view key, const store::ZSet& z);

// The tail ZMPOP and BZMPOP share: `numkeys key [key ...] MIN|MAX [COUNT count]` starting at argument
// `first` (numkeys). On a bad argument, replies with Redis' error and returns nullopt.
struct ZmpopArgs {
  std::vector<std::string_view> keys;
  bool max = false;
  int64_t count = 1;
};
std::optional<ZmpopArgs> parse_zmpop_args(Context& ctx, size_t first);

void register_zset_range_commands(CommandTable& t);
void register_zset_setop_commands(CommandTable& t);

}  // namespace datanode
