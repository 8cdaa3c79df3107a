// The command table: name, arity (Redis convention: negative means "at least"), flags and handler, with
// the lookup and arity check every request goes through. Templated on the binary's call context so the
// datanode and the sentinel each have their own table over the same machinery.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/string_map.h"
#include "common/util/strings.h"

namespace command {

enum Flag : uint32_t {
  kWrite = 1u << 0,       // changes data: propagated, refused on read-only replicas and on MISCONF
  kReadOnly = 1u << 1,
  kAdmin = 1u << 2,
  kNoAuth = 1u << 3,      // allowed before AUTH (AUTH, HELLO, QUIT)
  kPubSubOk = 1u << 4,    // allowed in RESP2 subscribed state
  kNoMulti = 1u << 5,     // refused inside MULTI
  kFast = 1u << 6,
  kDenyOom = 1u << 7,
  kLoading = 1u << 8,     // allowed while loading
  kStale = 1u << 9,       // allowed on a replica with a broken link when replica-serve-stale-data is no
  kBlocking = 1u << 10,
  kSkipMonitor = 1u << 11,
  kMayReplicate = 1u << 12,  // may propagate (e.g. PUBLISH) without being a write
  kSubcommands = 1u << 13,   // a container (CLIENT, CONFIG ...): CLIENT LIST shows cmd=client|list
};

template <typename Context>
struct Command {
  using Handler = void (*)(Context&);
  std::string name;  // lower case, e.g. "lindex"
  int arity = 0;
  uint32_t flags = 0;
  Handler handler = nullptr;
  int first_key = 0, last_key = 0, key_step = 0;
  // Statistics for INFO commandstats.
  mutable uint64_t calls = 0, usec = 0, rejected_calls = 0, failed_calls = 0;

  bool has(uint32_t f) const { return (flags & f) != 0; }
  bool arity_ok(size_t argc) const {
    return arity > 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
  }
};

template <typename Context>
class Table {
 public:
  using Cmd = Command<Context>;

  void add(Cmd cmd) {
    std::string key = cmd.name;
    commands_[key] = std::move(cmd);
  }
  void add(std::string name, int arity, uint32_t flags, typename Cmd::Handler handler, int first_key = 0,
           int last_key = 0, int key_step = 0) {
    Cmd c;
    c.name = std::move(name);
    c.arity = arity;
    c.flags = flags;
    c.handler = handler;
    c.first_key = first_key;
    c.last_key = last_key;
    c.key_step = key_step;
    add(std::move(c));
  }

  // Case-insensitive lookup without allocating for the usual short names.
  const Cmd* find(std::string_view name) const {
    char buf[64];
    if (name.size() > sizeof buf) return nullptr;
    for (size_t i = 0; i < name.size(); ++i) {
      char c = name[i];
      buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    auto it = commands_.find(std::string_view(buf, name.size()));
    return it == commands_.end() ? nullptr : &it->second;
  }

  const util::StringMap<Cmd>& all() const { return commands_; }
  size_t size() const { return commands_.size(); }

 private:
  util::StringMap<Cmd> commands_;
};

// Redis' exact error texts for the checks every command goes through.
template <typename Args>
std::string unknown_command_error(const Args& args) {
  std::string list;
  for (size_t i = 1; i < args.size() && list.size() < 128; ++i) {
    size_t room = 128 - list.size();
    std::string_view a(args[i]);
    list += "'";
    list.append(a.substr(0, room));
    list += "' ";
  }
  std::string_view name(args[0]);
  return "ERR unknown command '" + std::string(name.substr(0, 128)) + "', with args beginning with: " + list;
}

inline std::string wrong_arity_error(std::string_view name) {
  return "ERR wrong number of arguments for '" + std::string(name) + "' command";
}

inline std::string unknown_subcommand_error(std::string_view sub, std::string_view cmd) {
  return "ERR unknown subcommand '" + std::string(sub.substr(0, 128)) + "'. Try " + util::to_upper(cmd) +
         " HELP.";
}

}  // namespace command
