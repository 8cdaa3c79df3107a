// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest common subsequence of two
// strings by the classic dynamic-programming table, walked back from the end as Redis does so the
// matched ranges come out in the same order (last match first).
#include <vector>

#include "datanode/commands/keys_common.h"

namespace datanode {
namespace {

using namespace command;

struct Range {
  uint32_t a_start, a_end, b_start, b_end;
};

void cmd_lcs(Context& ctx) {
  bool idx_opt = false, len_opt = false, with_len = false;
  int64_t min_len = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view o = ctx.arg(j);
    if (util::iequals(o, "idx")) idx_opt = true;
    else if (util::iequals(o, "len")) len_opt = true;
    else if (util::iequals(o, "withmatchlen")) with_len = true;
    else if (util::iequals(o, "minmatchlen") && j + 1 < ctx.argc()) {
      auto n = util::parse_int(ctx.arg(++j));
      if (!n) return ctx.not_integer();
      min_len = *n < 0 ? 0 : *n;
    } else {
      return ctx.syntax_error();
    }
  }
  store::Value* va = keys::lookup_read(ctx, ctx.arg(1));
  store::Value* vb = keys::lookup_read(ctx, ctx.arg(2));
  if ((va && va->type() != store::Type::kString) || (vb && vb->type() != store::Type::kString))
    return ctx.out.error("ERR The specified keys must contain string values");
  if (idx_opt && len_opt) return ctx.out.error("ERR If you want both the length and indexes, please just use IDX.");
  std::string_view a = va ? std::string_view(va->str()) : std::string_view();
  std::string_view b = vb ? std::string_view(vb->str()) : std::string_view();
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) return ctx.out.error("ERR String too long for LCS");
  const size_t alen = a.size(), blen = b.size();
  uint64_t cells = static_cast<uint64_t>(alen + 1) * (blen + 1);
  // The table is transient: refuse rather than exhaust memory (Redis refuses when malloc fails).
  if (cells > (1ULL << 31)) return ctx.out.error("ERR Insufficient memory, failed allocating transient memory for LCS");
  std::vector<uint32_t> dp(cells, 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return dp[j + i * (blen + 1)]; };
  for (size_t i = 1; i <= alen; ++i)
    for (size_t j = 1; j <= blen; ++j)
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
  uint32_t total = at(alen, blen);

  if (len_opt) return ctx.out.integer(total);
  std::string result(total, '\0');
  std::vector<Range> ranges;
  const uint32_t unset = static_cast<uint32_t>(alen);  // a_start == alen: no range open
  Range cur{unset, 0, 0, 0};
  size_t i = alen, j = blen;
  uint32_t k = total;
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result[--k] = a[i - 1];
      if (cur.a_start == unset) {
        cur = {static_cast<uint32_t>(i - 1), static_cast<uint32_t>(i - 1), static_cast<uint32_t>(j - 1),
               static_cast<uint32_t>(j - 1)};
      } else if (cur.a_start == i && cur.b_start == j) {
        --cur.a_start;  // contiguous: extend the range backwards
        --cur.b_start;
      } else {
        emit = true;
      }
      if (cur.a_start == 0 || cur.b_start == 0) emit = true;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) --i;
      else --j;
      if (cur.a_start != unset) emit = true;
    }
    if (emit) {
      uint32_t match_len = cur.a_end - cur.a_start + 1;
      if (min_len == 0 || match_len >= min_len) ranges.push_back(cur);
      cur.a_start = unset;
    }
  }
  if (!idx_opt) return ctx.out.bulk(result);
  ctx.out.map_header(2);
  ctx.out.bulk("matches");
  ctx.out.array_header(ranges.size());
  for (const Range& r : ranges) {
    ctx.out.array_header(with_len ? 3 : 2);
    ctx.out.array_header(2);
    ctx.out.integer(r.a_start);
    ctx.out.integer(r.a_end);
    ctx.out.array_header(2);
    ctx.out.integer(r.b_start);
    ctx.out.integer(r.b_end);
    if (with_len) ctx.out.integer(r.a_end - r.a_start + 1);
  }
  ctx.out.bulk("len");
  ctx.out.integer(total);
}

}  // namespace

void register_lcs_command(CommandTable& t) { t.add("lcs", -3, kReadOnly, cmd_lcs, 1, 2, 1); }

}  // namespace datanode
