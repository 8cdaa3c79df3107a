#include "datanode/commands/command_meta.h"

#include <algorithm>
#include <unordered_map>

#include "common/util/string_map.h"
#include "common/util/strings.h"

namespace datanode::meta {
namespace {

const std::vector<CommandMeta>& all() {
  static const std::vector<CommandMeta> kAll = {
#include "datanode/commands/command_meta.inc"
  };
  return kAll;
}

const std::unordered_map<std::string_view, const CommandMeta*>& by_name() {
  static const std::unordered_map<std::string_view, const CommandMeta*> kIndex = [] {
    std::unordered_map<std::string_view, const CommandMeta*> m;
    for (const CommandMeta& c : all()) m[c.name] = &c;
    return m;
  }();
  return kIndex;
}

bool has_word(const char* list, std::string_view w) {
  for (std::string_view x : words(list))
    if (x == w) return true;
  return false;
}

// Commands whose keys Redis finds with its own function rather than (only) the key specs.
bool has_special_keys(std::string_view name) {
  return name == "sort" || name == "sort_ro" || name == "set" || name == "bitfield" || name == "migrate";
}

std::optional<std::vector<KeyRef>> special_keys(std::string_view name,
                                                const std::vector<std::string_view>& argv) {
  if (argv.size() < 2) return std::nullopt;  // the key is argv[1] for each of them
  if (name == "sort" || name == "sort_ro") {
    std::vector<KeyRef> keys = {{1, "RO access"}};
    if (name == "sort_ro") return keys;
    std::optional<size_t> store;
    for (size_t i = 2; i < argv.size(); ++i) {
      if (util::iequals(argv[i], "limit"))
        i += 2;
      else if (util::iequals(argv[i], "get") || util::iequals(argv[i], "by"))
        i += 1;
      else if (util::iequals(argv[i], "store") && i + 1 < argv.size())
        store = i + 1;
    }
    if (store) keys.push_back({*store, "OW update"});
    return keys;
  }
  if (name == "set") {
    for (size_t i = 3; i < argv.size(); ++i)
      if (util::iequals(argv[i], "get")) return std::vector<KeyRef>{{1, "RW access update"}};
    return std::vector<KeyRef>{{1, "OW update"}};
  }
  if (name == "migrate") {
    // MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS k...]: with an
    // empty key argument the keys follow KEYS (a password is no keyword, whatever it spells).
    if (argv.size() < 6) return std::nullopt;
    std::vector<KeyRef> out;
    for (size_t i = 6; i < argv.size(); ++i) {
      if (util::iequals(argv[i], "auth")) {
        i += 1;
      } else if (util::iequals(argv[i], "auth2")) {
        i += 2;
      } else if (util::iequals(argv[i], "keys")) {
        if (!argv[3].empty()) return out;
        for (size_t k = i + 1; k < argv.size(); ++k) out.push_back({k, "RW access delete"});
        return out;
      }
    }
    out.push_back({3, "RW access delete"});
    return out;
  }
  if (name == "bitfield") {
    bool readonly = true;
    for (size_t i = 2; i < argv.size(); ++i) {
      size_t rest = argv.size() - i - 1;
      if (util::iequals(argv[i], "get") && rest >= 2) {
        i += 2;
      } else if ((util::iequals(argv[i], "set") || util::iequals(argv[i], "incrby")) && rest >= 3) {
        readonly = false;
        break;
      } else if (util::iequals(argv[i], "overflow") && rest >= 1) {
        i += 1;
      } else {
        readonly = false;
        break;
      }
    }
    return std::vector<KeyRef>{{1, readonly ? "RO access" : "RW access update"}};
  }
  return std::nullopt;
}

// One key spec over argv: false when the arguments contradict it.
bool apply_spec(const KeySpec& spec, const std::vector<std::string_view>& argv, std::vector<KeyRef>& out) {
  auto argc = static_cast<int64_t>(argv.size());
  int64_t first = 0;
  if (spec.begin == BeginSearch::kIndex) {
    first = spec.begin_arg;
  } else if (spec.begin == BeginSearch::kKeyword) {
    int64_t from = spec.begin_arg > 0 ? spec.begin_arg : argc + spec.begin_arg;
    int64_t to = spec.begin_arg > 0 ? argc - 1 : 1;
    for (int64_t i = from; i != to; i = from <= to ? i + 1 : i - 1) {
      if (i >= argc || i < 1) break;
      if (util::iequals(argv[static_cast<size_t>(i)], spec.keyword)) {
        first = i + 1;
        break;
      }
    }
    if (first == 0) return true;  // keyword absent: this spec names no key
  } else {
    return false;
  }
  int64_t last = 0, step = 1;
  if (spec.find == FindKeys::kRange) {
    step = spec.b;
    if (spec.a >= 0)
      last = first + spec.a;
    else if (spec.c == 0)
      last = argc + spec.a;
    else
      last = first + ((argc - first) / spec.c + spec.a);
  } else if (spec.find == FindKeys::kKeynum) {
    step = spec.c;
    int64_t idx = first + spec.a;
    if (spec.a >= argc || idx >= argc) return false;
    auto n = util::parse_int(argv[static_cast<size_t>(idx)]);
    if (!n || *n < 0 || *n > argc) return false;
    first += spec.b;
    last = first + *n - 1;
  } else {
    return false;
  }
  if (last >= argc || last < first || first >= argc) return false;
  for (int64_t i = first; i <= last; i += std::max<int64_t>(step, 1))
    out.push_back({static_cast<size_t>(i), spec.flags});
  return !has_word(spec.flags, "incomplete");
}

}  // namespace

std::vector<std::string_view> words(const char* list) {
  std::vector<std::string_view> out;
  std::string_view s(list ? list : "");
  while (!s.empty()) {
    size_t sp = s.find(' ');
    out.push_back(s.substr(0, sp));
    if (sp == std::string_view::npos) break;
    s.remove_prefix(sp + 1);
  }
  return out;
}

const std::vector<CommandMeta>& all_commands() { return all(); }

const CommandMeta* find(std::string_view full_name) {
  std::string lower = util::to_lower(full_name);
  auto it = by_name().find(std::string_view(lower));
  return it == by_name().end() ? nullptr : it->second;
}

std::vector<const CommandMeta*> subcommands(std::string_view container) {
  std::string prefix = util::to_lower(container) + "|";
  std::vector<const CommandMeta*> out;
  for (const CommandMeta& c : all())
    if (std::string_view(c.name).starts_with(prefix)) out.push_back(&c);
  return out;
}

bool movable_keys(std::string_view lower_name) {
  static const util::StringSet movable = [] {
    util::StringSet out;
    for (const CommandMeta& c : all())
      if (has_word(c.flags, "movablekeys")) out.emplace(c.name);
    return out;
  }();
  return movable.find(lower_name) != movable.end();
}

bool has_keys(const CommandMeta& cmd) {
  if (has_special_keys(cmd.name)) return true;
  return std::any_of(cmd.key_specs.begin(), cmd.key_specs.end(),
                     [](const KeySpec& s) { return !has_word(s.flags, "not_key"); });
}

std::optional<std::vector<KeyRef>> keys_of(const CommandMeta& cmd,
                                           const std::vector<std::string_view>& argv) {
  bool varflags = std::any_of(cmd.key_specs.begin(), cmd.key_specs.end(),
                              [](const KeySpec& s) { return has_word(s.flags, "variable_flags"); });
  if (!varflags) {
    std::vector<KeyRef> keys;
    bool ok = true;
    for (const KeySpec& spec : cmd.key_specs) {
      if (has_word(spec.flags, "not_key")) continue;
      if (!apply_spec(spec, argv, keys)) {
        ok = false;
        break;
      }
    }
    if (ok) return keys;
  }
  return special_keys(cmd.name, argv);
}

}  // namespace datanode::meta
