// BITFIELD and BITFIELD_RO: signed (i1..i64) and unsigned (u1..u63) integers at any bit offset of a
// string, with GET, SET, INCRBY and the OVERFLOW policy (WRAP, SAT, FAIL) that applies to the operations
// after it. All arguments are checked before anything is read or written, as in Redis.
#include <vector>

#include "datanode/commands/bits_common.h"
#include "datanode/commands/keys_common.h"
#include "datanode/server/notify.h"

namespace datanode {
namespace {

using namespace command;

enum class Overflow { kWrap, kSat, kFail };
enum class Op { kGet, kSet, kIncrBy };

struct FieldOp {
  Op op;
  Overflow overflow;
  bool is_signed;
  int width;
  uint64_t offset;
  int64_t value;  // SET value or INCRBY increment
};

// Reads `width` bits starting at bit `offset` (most significant first); bits past the end read as 0.
uint64_t get_bits(std::string_view s, uint64_t offset, int width) {
  uint64_t v = 0;
  for (int i = 0; i < width; ++i, ++offset) {
    uint64_t byte = offset >> 3;
    unsigned bit = byte < s.size() ? (static_cast<uint8_t>(s[byte]) >> (7 - (offset & 7))) & 1u : 0u;
    v = (v << 1) | bit;
  }
  return v;
}

// The string must already be long enough.
void set_bits(std::string& s, uint64_t offset, int width, uint64_t v) {
  for (int i = width - 1; i >= 0; --i, ++offset) {
    auto& b = reinterpret_cast<uint8_t&>(s[offset >> 3]);
    uint8_t mask = static_cast<uint8_t>(1u << (7 - (offset & 7)));
    b = static_cast<uint8_t>(((v >> i) & 1) ? (b | mask) : (b & ~mask));
  }
}

int64_t sign_extend(uint64_t v, int width) {
  if (width < 64 && (v >> (width - 1)) & 1) v |= ~uint64_t{0} << width;
  return static_cast<int64_t>(v);
}

// value + incr stored in `width` bits. Returns the stored bits, or nullopt when the policy is FAIL and the
// exact result does not fit. Exact arithmetic in 128 bits decides overflow.
std::optional<uint64_t> fit(const FieldOp& f, __int128 value, __int128 incr) {
  __int128 sum = value + incr;
  __int128 max, min;
  if (f.is_signed) {
    max = (static_cast<__int128>(1) << (f.width - 1)) - 1;
    min = -max - 1;
  } else {
    max = (static_cast<__int128>(1) << f.width) - 1;
    min = 0;
  }
  uint64_t mask = f.width == 64 ? ~uint64_t{0} : (uint64_t{1} << f.width) - 1;
  if (sum >= min && sum <= max) return static_cast<uint64_t>(sum) & mask;
  switch (f.overflow) {
    case Overflow::kFail: return std::nullopt;
    case Overflow::kSat: return static_cast<uint64_t>(sum > max ? max : min) & mask;
    case Overflow::kWrap: break;
  }
  return static_cast<uint64_t>(sum) & mask;
}

// "i8", "u16" ...: u64 is refused because replies are signed 64-bit integers.
bool parse_type(Context& ctx, std::string_view arg, FieldOp& f) {
  auto n = arg.empty() ? std::nullopt : util::parse_int(arg.substr(1));
  bool ok =
      !arg.empty() && (arg[0] == 'i' || arg[0] == 'u') && n && *n >= 1 && *n <= (arg[0] == 'i' ? 64 : 63);
  if (!ok) {
    ctx.out.error(
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");
    return false;
  }
  f.is_signed = arg[0] == 'i';
  f.width = static_cast<int>(*n);
  return true;
}

void bitfield_generic(Context& ctx, bool read_only_command) {
  std::vector<FieldOp> ops;
  Overflow overflow = Overflow::kWrap;
  bool writes = false;
  uint64_t highest_bit = 0;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    size_t rest = ctx.argc() - j - 1;
    std::string_view sub = ctx.arg(j);
    FieldOp f{};
    if (util::iequals(sub, "get") && rest >= 2)
      f.op = Op::kGet;
    else if (util::iequals(sub, "set") && rest >= 3)
      f.op = Op::kSet;
    else if (util::iequals(sub, "incrby") && rest >= 3)
      f.op = Op::kIncrBy;
    else if (util::iequals(sub, "overflow") && rest >= 1) {
      std::string_view kind = ctx.arg(++j);
      if (util::iequals(kind, "wrap"))
        overflow = Overflow::kWrap;
      else if (util::iequals(kind, "sat"))
        overflow = Overflow::kSat;
      else if (util::iequals(kind, "fail"))
        overflow = Overflow::kFail;
      else
        return ctx.out.error("ERR Invalid OVERFLOW type specified");
      continue;
    } else {
      return ctx.syntax_error();
    }
    if (!parse_type(ctx, ctx.arg(j + 1), f)) return;
    auto offset = bits::parse_offset(ctx, ctx.arg(j + 2), f.width);
    if (!offset) return;
    f.offset = *offset;
    f.overflow = overflow;
    if (f.op != Op::kGet) {
      writes = true;
      highest_bit = std::max(highest_bit, f.offset + static_cast<uint64_t>(f.width) - 1);
      auto v = util::parse_int(ctx.arg(j + 3));
      if (!v) return ctx.not_integer();
      f.value = *v;
    }
    ops.push_back(f);
    j += f.op == Op::kGet ? 2 : 3;
  }

  std::string* target = nullptr;
  const std::string* source = nullptr;
  bool grown = false;
  if (!writes) {
    store::Value* v = keys::lookup_read(ctx, ctx.arg(1));
    if (v != nullptr && v->type() != store::Type::kString) return ctx.wrong_type();
    if (v != nullptr) source = &v->str();
  } else {
    if (read_only_command) return ctx.out.error("ERR BITFIELD_RO only supports the GET subcommand");
    target = bits::string_for_write(ctx, highest_bit, grown);
    if (target == nullptr) return;
    source = target;
  }

  int64_t changes = 0;
  ctx.out.array_header(ops.size());
  for (const FieldOp& f : ops) {
    std::string_view s = source == nullptr ? std::string_view() : std::string_view(*source);
    uint64_t raw = get_bits(s, f.offset, f.width);
    __int128 old =
        f.is_signed ? static_cast<__int128>(sign_extend(raw, f.width)) : static_cast<__int128>(raw);
    if (f.op == Op::kGet) {
      ctx.out.integer(static_cast<int64_t>(old));
      continue;
    }
    // SET of an unsigned field takes the value's bits as an unsigned number, as Redis does.
    __int128 base = f.op == Op::kIncrBy ? old
                    : f.is_signed       ? static_cast<__int128>(f.value)
                                        : static_cast<__int128>(static_cast<uint64_t>(f.value));
    auto stored = fit(f, base, f.op == Op::kIncrBy ? f.value : 0);
    if (!stored) {
      ctx.out.null();
      continue;
    }
    int64_t stored_value = f.is_signed ? sign_extend(*stored, f.width) : static_cast<int64_t>(*stored);
    ctx.out.integer(f.op == Op::kIncrBy ? stored_value : static_cast<int64_t>(old));
    set_bits(*target, f.offset, f.width, *stored);
    if (grown || *stored != raw) ++changes;
  }
  if (changes > 0) {
    ctx.server.touch(ctx.client.db, ctx.arg(1));
    ctx.changed(changes);
    notify(ctx, kNotifyString, "setbit", ctx.arg(1));
  }
}

void cmd_bitfield(Context& ctx) { bitfield_generic(ctx, false); }
void cmd_bitfield_ro(Context& ctx) { bitfield_generic(ctx, true); }

}  // namespace

void register_bitfield_commands(CommandTable& t) {
  t.add("bitfield", -2, kWrite | kDenyOom, cmd_bitfield, 1, 1, 1);
  t.add("bitfield_ro", -2, kReadOnly | kFast, cmd_bitfield_ro, 1, 1, 1);
}

}  // namespace datanode
