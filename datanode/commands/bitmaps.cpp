// Bitmap commands on string values: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP. Bit 0 is the most
// significant bit of the first byte. Writes propagate as given (Redis propagates them verbatim).
#include <bit>
#include <cstring>

#include "datanode/commands/bits_common.h"
#include "datanode/commands/keys_common.h"
#include "datanode/server/notify.h"

namespace datanode {
namespace {

using namespace command;
using store::Value;

bool bit_at(std::string_view s, uint64_t bit) {
  uint64_t byte = bit >> 3;
  if (byte >= s.size()) return false;
  return (static_cast<uint8_t>(s[byte]) >> (7 - (bit & 7))) & 1;
}

void cmd_setbit(Context& ctx) {
  auto offset = bits::parse_offset(ctx, ctx.arg(2));
  if (!offset) return;
  auto on = util::parse_int(ctx.arg(3));
  if (!on || (*on & ~int64_t{1}) != 0) return ctx.out.error("ERR bit is not an integer or out of range");
  bool grown = false;
  std::string* s = bits::string_for_write(ctx, *offset, grown);
  if (s == nullptr) return;
  auto& byte = reinterpret_cast<uint8_t&>((*s)[*offset >> 3]);
  uint8_t mask = static_cast<uint8_t>(1u << (7 - (*offset & 7)));
  bool old = (byte & mask) != 0;
  if (grown || old != (*on == 1)) {
    byte = static_cast<uint8_t>(*on ? (byte | mask) : (byte & ~mask));
    ctx.server.touch(ctx.client.db, ctx.arg(1));
    ctx.changed();
    notify(ctx, kNotifyString, "setbit", ctx.arg(1));
  }
  ctx.out.integer(old ? 1 : 0);
}

void cmd_getbit(Context& ctx) {
  auto offset = bits::parse_offset(ctx, ctx.arg(2));
  if (!offset) return;
  Value* v = keys::lookup_read(ctx, ctx.arg(1));
  if (v == nullptr) return ctx.out.integer(0);
  if (v->type() != store::Type::kString) return ctx.wrong_type();
  ctx.out.integer(bit_at(v->str(), *offset) ? 1 : 0);
}

// A [start, end] range of BITCOUNT/BITPOS resolved to bits: negative indexes count from the end, then
// both are clamped to the string. Empty when first > last.
struct BitRange {
  int64_t first = 0, last = -1;
};

BitRange resolve(int64_t start, int64_t end, int64_t len_bytes, bool in_bits) {
  int64_t total = in_bits ? len_bytes * 8 : len_bytes;
  if (start < 0) start += total;
  if (end < 0) end += total;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  if (start > end) return {};
  if (in_bits) return {start, end};
  return {start * 8, end * 8 + 7};
}

// Whether a unit argument says BIT (true) or BYTE (false); syntax error otherwise.
std::optional<bool> parse_unit(Context& ctx, std::string_view arg) {
  if (util::iequals(arg, "bit")) return true;
  if (util::iequals(arg, "byte")) return false;
  ctx.syntax_error();
  return std::nullopt;
}

// Set bits in `words` 8-byte words. The build targets plain x86-64, where std::popcount is a library
// call per word; the POPCNT instruction (every x86-64 CPU since 2008) is used when the CPU has it.
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("popcnt"))) int64_t popcount_words_hw(const char* p, size_t words) {
  int64_t n = 0;
  for (size_t i = 0; i < words; ++i) {
    uint64_t w;
    std::memcpy(&w, p + 8 * i, 8);
    n += __builtin_popcountll(w);
  }
  return n;
}
#endif

int64_t popcount_words(const char* p, size_t words) {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool has_popcnt = __builtin_cpu_supports("popcnt");
  if (has_popcnt) return popcount_words_hw(p, words);
#endif
  int64_t n = 0;
  for (size_t i = 0; i < words; ++i) {
    uint64_t w;
    std::memcpy(&w, p + 8 * i, 8);
    // SWAR: bits per 2, 4, 8 bits, then the byte sums added by one multiplication.
    w = w - ((w >> 1) & 0x5555555555555555ULL);
    w = (w & 0x3333333333333333ULL) + ((w >> 2) & 0x3333333333333333ULL);
    w = (w + (w >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    n += static_cast<int64_t>((w * 0x0101010101010101ULL) >> 56);
  }
  return n;
}

int64_t count_bits(std::string_view s, BitRange r) {
  if (r.first > r.last) return 0;
  auto byte = [&](int64_t i) { return static_cast<uint8_t>(s[static_cast<size_t>(i)]); };
  int64_t fb = r.first >> 3, lb = r.last >> 3;
  // Bits of the first and last bytes outside the range are masked off.
  uint8_t head_mask = static_cast<uint8_t>(0xFFu >> (r.first & 7));
  uint8_t tail_mask = static_cast<uint8_t>(0xFFu << (7 - (r.last & 7)));
  if (fb == lb) return std::popcount(static_cast<uint8_t>(byte(fb) & head_mask & tail_mask));
  int64_t n = std::popcount(static_cast<uint8_t>(byte(fb) & head_mask)) +
              std::popcount(static_cast<uint8_t>(byte(lb) & tail_mask));
  int64_t i = fb + 1;
  size_t words = static_cast<size_t>(lb - i) / 8;
  n += popcount_words(s.data() + i, words);
  i += static_cast<int64_t>(words) * 8;
  for (; i < lb; ++i) n += std::popcount(byte(i));
  return n;
}

void cmd_bitcount(Context& ctx) {
  Value* v = keys::lookup_read(ctx, ctx.arg(1));
  if (v == nullptr) return ctx.out.integer(0);
  if (v->type() != store::Type::kString) return ctx.wrong_type();
  const std::string& s = v->str();
  int64_t len = static_cast<int64_t>(s.size());
  BitRange range{0, len * 8 - 1};
  if (ctx.argc() == 4 || ctx.argc() == 5) {
    auto start = util::parse_int(ctx.arg(2));
    if (!start) return ctx.not_integer();
    auto end = util::parse_int(ctx.arg(3));
    if (!end) return ctx.not_integer();
    if (*start < 0 && *end < 0 && *start > *end) return ctx.out.integer(0);
    bool in_bits = false;
    if (ctx.argc() == 5) {
      auto unit = parse_unit(ctx, ctx.arg(4));
      if (!unit) return;
      in_bits = *unit;
    }
    range = resolve(*start, *end, len, in_bits);
  } else if (ctx.argc() != 2) {
    return ctx.syntax_error();
  }
  ctx.out.integer(count_bits(s, range));
}

// The first bit equal to `bit` in the range, or -1.
int64_t find_bit(std::string_view s, BitRange r, bool bit) {
  int64_t i = r.first;
  uint8_t skip = bit ? 0x00 : 0xFF;
  uint64_t skip_word = bit ? 0 : ~uint64_t{0};
  // Whole words, then whole bytes, that cannot hold the bit are skipped at once.
  while (i <= r.last) {
    if ((i & 7) == 0 && i + 63 <= r.last) {
      uint64_t w;
      std::memcpy(&w, s.data() + (i >> 3), 8);
      if (w == skip_word) {
        i += 64;
        continue;
      }
    }
    if ((i & 7) == 0 && i + 7 <= r.last) {
      size_t b = static_cast<size_t>(i >> 3);
      if (static_cast<uint8_t>(s[b]) == skip) {
        i += 8;
        continue;
      }
    }
    if (bit_at(s, static_cast<uint64_t>(i)) == bit) return i;
    ++i;
  }
  return -1;
}

void cmd_bitpos(Context& ctx) {
  auto bit = util::parse_int(ctx.arg(2));
  if (!bit) return ctx.not_integer();
  if (*bit != 0 && *bit != 1) return ctx.out.error("ERR The bit argument must be 1 or 0.");
  Value* v = keys::lookup_read(ctx, ctx.arg(1));
  if (v == nullptr) return ctx.out.integer(*bit ? -1 : 0);
  if (v->type() != store::Type::kString) return ctx.wrong_type();
  const std::string& s = v->str();
  int64_t len = static_cast<int64_t>(s.size());
  BitRange range{0, len * 8 - 1};
  bool end_given = false;
  if (ctx.argc() >= 4 && ctx.argc() <= 6) {
    auto start = util::parse_int(ctx.arg(3));
    if (!start) return ctx.not_integer();
    bool in_bits = false;
    if (ctx.argc() == 6) {
      auto unit = parse_unit(ctx, ctx.arg(5));
      if (!unit) return;
      in_bits = *unit;
    }
    int64_t end = in_bits ? len * 8 - 1 : len - 1;
    if (ctx.argc() >= 5) {
      auto e = util::parse_int(ctx.arg(4));
      if (!e) return ctx.not_integer();
      end = *e;
      end_given = true;
    }
    range = resolve(*start, end, len, in_bits);
  } else if (ctx.argc() != 3) {
    return ctx.syntax_error();
  }
  if (range.first > range.last) return ctx.out.integer(-1);
  int64_t pos = find_bit(s, range, *bit == 1);
  // Looking for a clear bit without an explicit end: the string is taken as padded with zeros.
  if (pos < 0 && *bit == 0 && !end_given) pos = range.last + 1;
  ctx.out.integer(pos);
}

void cmd_bitop(Context& ctx) {
  std::string_view op = ctx.arg(1);
  enum { kAnd, kOr, kXor, kNot } kind;
  if (util::iequals(op, "and"))
    kind = kAnd;
  else if (util::iequals(op, "or"))
    kind = kOr;
  else if (util::iequals(op, "xor"))
    kind = kXor;
  else if (util::iequals(op, "not"))
    kind = kNot;
  else
    return ctx.syntax_error();
  if (kind == kNot && ctx.argc() != 4)
    return ctx.out.error("ERR BITOP NOT must be called with a single source key.");
  store::Database& db = ctx.db();
  std::vector<std::string_view> sources;
  size_t max_len = 0;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    Value* v = keys::lookup_read(ctx, ctx.arg(i));
    if (v != nullptr && v->type() != store::Type::kString) return ctx.wrong_type();
    std::string_view s = v == nullptr ? std::string_view() : std::string_view(v->str());
    sources.push_back(s);
    max_len = std::max(max_len, s.size());
  }
  std::string_view target = ctx.arg(2);
  if (max_len == 0) {
    if (db.erase(target)) {
      ctx.server.touch(ctx.client.db, target);
      ctx.changed();
      notify(ctx, kNotifyGeneric, "del", target);
    }
    return ctx.out.integer(0);
  }
  // Sources may alias the target: the result is built aside, then stored.
  std::string result(max_len, '\0');
  auto at = [](std::string_view s, size_t j) -> uint8_t {
    return j < s.size() ? static_cast<uint8_t>(s[j]) : 0;
  };
  for (size_t j = 0; j < max_len; ++j) {
    uint8_t acc = at(sources[0], j);
    if (kind == kNot) acc = static_cast<uint8_t>(~acc);
    for (size_t k = 1; k < sources.size(); ++k) {
      uint8_t b = at(sources[k], j);
      if (kind == kAnd)
        acc &= b;
      else if (kind == kOr)
        acc |= b;
      else
        acc ^= b;
    }
    result[j] = static_cast<char>(acc);
  }
  bool existed = db.exists(target, ctx.now_ms);
  db.put(target, Value(std::move(result)));
  if (!existed) notify(ctx, kNotifyNew, "new", target);
  ctx.server.touch(ctx.client.db, target);
  ctx.changed();
  notify(ctx, kNotifyString, "set", target);
  ctx.out.integer(static_cast<int64_t>(max_len));
}

}  // namespace

void register_bitmap_commands(CommandTable& t) {
  t.add("setbit", 4, kWrite | kDenyOom, cmd_setbit, 1, 1, 1);
  t.add("getbit", 3, kReadOnly | kFast, cmd_getbit, 1, 1, 1);
  t.add("bitcount", -2, kReadOnly, cmd_bitcount, 1, 1, 1);
  t.add("bitpos", -3, kReadOnly, cmd_bitpos, 1, 1, 1);
  t.add("bitop", -4, kWrite | kDenyOom, cmd_bitop, 2, -1, 1);
  register_bitfield_commands(t);
}

}  // namespace datanode
