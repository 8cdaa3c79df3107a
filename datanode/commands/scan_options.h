// The arguments SSCAN and ZSCAN share: a cursor, then MATCH pattern and COUNT n in any order, with
// Redis' error texts. The cursor is parsed before the key is looked up, the options after, as in Redis.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/util/strings.h"
#include "datanode/server/context.h"

namespace datanode {

struct ScanOptions {
  std::optional<std::string_view> pattern;
  size_t count = 10;

  bool matches(std::string_view s) const { return !pattern || util::glob_match(*pattern, s); }
};

// "ERR invalid cursor" unless the whole argument is an unsigned 64-bit number.
inline std::optional<uint64_t> parse_scan_cursor(Context& ctx, std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    ctx.out.error("ERR invalid cursor");
    return std::nullopt;
  }
  return v;
}

// Parses the options from args[first] on; replies with the error and returns nullopt when invalid.
inline std::optional<ScanOptions> parse_scan_options(Context& ctx, size_t first) {
  ScanOptions o;
  for (size_t i = first; i < ctx.argc(); i += 2) {
    bool has_value = i + 1 < ctx.argc();
    if (has_value && util::iequals(ctx.arg(i), "count")) {
      auto n = util::parse_int(ctx.arg(i + 1));
      if (!n) {
        ctx.not_integer();
        return std::nullopt;
      }
      if (*n < 1) {
        ctx.syntax_error();
        return std::nullopt;
      }
      o.count = static_cast<size_t>(*n);
    } else if (has_value && util::iequals(ctx.arg(i), "match")) {
      o.pattern = ctx.arg(i + 1);
    } else {
      ctx.syntax_error();
      return std::nullopt;
    }
  }
  // "*" matches everything: skip the per-element glob.
  if (o.pattern && *o.pattern == "*") o.pattern.reset();
  return o;
}

}  // namespace datanode
