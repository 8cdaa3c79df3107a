// The commands ACL rules speak about: every command of the binary's original table (subcommands
// included, as "config|get"), each with its ACL categories. Rules are bitmaps over these ids, so the
// datanode and the sentinel each build a catalog from their own command set and share the rest.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/string_map.h"

namespace acl {

// Redis' category list, in its order (ACL CAT and the rule describer walk it in this order).
inline constexpr std::array<std::string_view, 21> kCategories = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};

// Bit of a category name ("read", case-insensitive); 0 when unknown.
uint64_t category_bit(std::string_view name);
// "@read @string @fast" -> bits.
uint64_t category_bits_of(std::string_view list);

struct CatalogCommand {
  std::string fullname;  // "get", "config|get"
  uint64_t categories = 0;
  int parent = -1;
  std::vector<int> subcommands;
  bool no_auth = false;  // AUTH, HELLO ...: every user may run them
};

class Catalog {
 public:
  // Adds a top-level command or, with parent >= 0, a subcommand of it. Returns its id.
  int add(std::string_view fullname, uint64_t categories, bool no_auth = false, int parent = -1);
  // "get", "CONFIG|get": -1 when unknown (a|b|c is unknown too).
  int find(std::string_view fullname) const;
  // The command or subcommand a request names ("CONFIG GET x" -> config|get): -1 when unknown, or when
  // a container's subcommand is; a command without subcommands ignores its arguments.
  int command_id(const std::vector<std::string_view>& args) const;
  const CatalogCommand& at(int id) const { return commands_[static_cast<size_t>(id)]; }
  size_t size() const { return commands_.size(); }
  // Top-level ids in insertion order: the walk order of category rules and of the describer.
  const std::vector<int>& top_level() const { return top_; }

 private:
  std::vector<CatalogCommand> commands_;
  std::vector<int> top_;
  util::StringMap<int> by_name_;  // lower-case fullname
};

}  // namespace acl
