// What Redis 7.0 says about each command through COMMAND INFO and DOCS (flags, ACL categories, tips,
// key specs, group, since), generated into command_meta.inc, and the key extraction cluster-aware
// clients rely on (COMMAND GETKEYS): key specs first, and the per-command rules Redis keeps for the
// commands whose specs cannot say it all (SORT's STORE, SET's GET, BITFIELD's GET).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace datanode::meta {

enum class BeginSearch { kIndex, kKeyword, kUnknown };
enum class FindKeys { kRange, kKeynum, kUnknown };

struct KeySpec {
  const char* flags;  // space separated, in Redis' order: "RW access update"
  const char* notes;  // or nullptr
  BeginSearch begin;
  int begin_arg;        // index, or keyword's startfrom
  const char* keyword;  // for kKeyword
  FindKeys find;
  int a, b, c;  // range: lastkey, keystep, limit; keynum: keynumidx, firstkey, keystep
};

struct CommandMeta {
  const char* name;  // "get", "config|get"
  int arity;
  const char* flags;  // space separated
  int first_key, last_key, key_step;
  const char* acl;   // "@read @string @fast"
  const char* tips;  // space separated
  const char* group;
  const char* since;
  std::vector<KeySpec> key_specs;
};

// Every command and subcommand of Redis 7.0, sorted by name, each container followed by its subcommands.
const std::vector<CommandMeta>& all_commands();
// By full name, case-insensitive ("GET", "config|get"); nullptr when Redis 7.0 has no such command.
const CommandMeta* find(std::string_view full_name);
// The subcommands of a container ("config" -> config|get, config|set ...).
std::vector<const CommandMeta*> subcommands(std::string_view container);
std::vector<std::string_view> words(const char* list);

struct KeyRef {
  size_t pos;
  std::string flags;
};
// The keys of a command line (argv[0] is the command name); nullopt when the arguments do not say
// (Redis' "Invalid arguments specified for command").
std::optional<std::vector<KeyRef>> keys_of(const CommandMeta& cmd, const std::vector<std::string_view>& argv);
// Whether Redis would find keys in some form of this command.
bool has_keys(const CommandMeta& cmd);
// Whether Redis 7.0 flags the (top-level, lower-case) command "movablekeys": its key positions depend on
// its arguments, so they come from its key specs rather than from first/last/step.
bool movable_keys(std::string_view lower_name);

}  // namespace datanode::meta
