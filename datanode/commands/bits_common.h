// What the bitmap commands (bitmaps.cpp) and BITFIELD (bitfield.cpp) share: the bit offset argument with
// its proto-max-bulk-len limit, and the string a write grows to reach its highest bit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "datanode/commands/families.h"
#include "datanode/server/notify.h"

namespace datanode {

void register_bitfield_commands(CommandTable& t);

namespace bits {

inline constexpr const char* kOffsetError = "ERR bit offset is not an integer or out of range";

// Replicated and AOF-loaded commands are applied even past the size limit, as Redis' mustObeyClient.
inline bool must_obey(const Context& ctx) {
  return ctx.client.has(kClientMaster) || ctx.client.conn == nullptr;
}

// A bit offset; with `width` > 0 a "#N" offset means N * width (BITFIELD). Offsets whose byte lies past
// proto-max-bulk-len are refused, so no command can grow a string beyond it.
inline std::optional<uint64_t> parse_offset(Context& ctx, std::string_view arg, int width = 0) {
  bool hash = width > 0 && !arg.empty() && arg[0] == '#';
  auto n = util::parse_int(hash ? arg.substr(1) : arg);
  int64_t off = n.value_or(-1);
  if (n && hash && __builtin_mul_overflow(*n, static_cast<int64_t>(width), &off)) off = -1;
  if (off < 0 || (!must_obey(ctx) && (off >> 3) >= ctx.server.settings().proto_max_bulk_len)) {
    ctx.out.error(kOffsetError);
    return std::nullopt;
  }
  return static_cast<uint64_t>(off);
}

// The string at argv[1] grown with zero bytes so bit `max_bit` exists (created when missing). Sets
// `grown` when the key was created or lengthened. nullptr (WRONGTYPE sent) for another type.
inline std::string* string_for_write(Context& ctx, uint64_t max_bit, bool& grown) {
  store::Database& db = ctx.db();
  std::string_view key = ctx.arg(1);
  size_t need = static_cast<size_t>(max_bit >> 3) + 1;
  grown = false;
  store::Value* v = db.find(key, ctx.now_ms);
  if (v == nullptr) {
    grown = true;
    std::string* s = &db.put(key, store::Value(std::string(need, '\0'))).str();
    notify(ctx, kNotifyNew, "new", key);
    return s;
  }
  if (v->type() != store::Type::kString) {
    ctx.wrong_type();
    return nullptr;
  }
  std::string& s = v->str();
  if (s.size() < need) {
    s.resize(need, '\0');
    grown = true;
  }
  return &s;
}

}  // namespace bits
}  // namespace datanode
