#include "datanode/commands/command_docs.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iterator>

namespace datanode::docs {
namespace {

struct Entry {
  const char* name;
  const char* resp3;
};

constexpr Entry kDocs[] = {
#include "datanode/commands/command_docs.inc"
};

// Replays one RESP3 value of the generated data (maps, sets, arrays, bulks, simple strings, integers)
// from `at`. The data is ours, written by the generator; a malformed byte just ends the replay.
bool replay(resp::Writer& out, std::string_view data, size_t& at) {
  size_t eol = data.find("\r\n", at);
  if (at >= data.size() || eol == std::string_view::npos) return false;
  char type = data[at];
  std::string_view rest = data.substr(at + 1, eol - at - 1);
  at = eol + 2;
  int64_t n = 0;
  if (type != '+') {
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (ec != std::errc() || n < 0) return false;
  }
  size_t count = static_cast<size_t>(n);
  switch (type) {
    case '+': out.simple(rest); return true;
    case ':': out.integer(n); return true;
    case '$':
      if (at + count > data.size()) return false;
      out.bulk(data.substr(at, count));
      at += count + 2;
      return true;
    case '%':
      out.map_header(count);
      count *= 2;
      break;
    case '~': out.set_header(count); break;
    case '*': out.array_header(count); break;
    default: return false;
  }
  for (size_t i = 0; i < count; ++i)
    if (!replay(out, data, at)) return false;
  return true;
}

}  // namespace

bool reply(resp::Writer& out, std::string_view name) {
  auto it = std::lower_bound(std::begin(kDocs), std::end(kDocs), name,
                             [](const Entry& e, std::string_view n) { return std::string_view(e.name) < n; });
  if (it == std::end(kDocs) || std::string_view(it->name) != name) return false;
  size_t at = 0;
  return replay(out, it->resp3, at);
}

}  // namespace datanode::docs
