// SORT and SORT_RO: sort the elements of a list, set or sorted set numerically or by bytes, optionally by
// the values of other keys (BY pattern, hash fields with ->), fetch other keys per element (GET), and
// STORE the result as a list. Follows Redis' sort.c for the order of checks, range clamping and errors.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "datanode/commands/families.h"
#include "datanode/commands/keys_common.h"
#include "datanode/server/notify.h"

namespace datanode {
namespace {

using namespace command;

struct SortItem {
  std::string element;
  double score = 0;
  std::optional<std::string> by;  // the BY value for ALPHA sorts (nullopt: the key was missing)
};

// The value a BY/GET pattern names for one element: "#" is the element itself; the first '*' is replaced
// by the element; "key->field" reads a hash field. A pattern without '*' names nothing.
std::optional<std::string> lookup_pattern(Context& ctx, std::string_view pattern, std::string_view element) {
  if (pattern == "#") return std::string(element);
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  std::string_view field;
  size_t arrow = pattern.find("->", star + 1);
  std::string_view key_pattern = pattern;
  if (arrow != std::string_view::npos && arrow + 2 < pattern.size()) {
    field = pattern.substr(arrow + 2);
    key_pattern = pattern.substr(0, arrow);
  }
  std::string key;
  key.reserve(key_pattern.size() + element.size());
  key.append(key_pattern.substr(0, star));
  key.append(element);
  key.append(key_pattern.substr(star + 1));
  store::Value* v = keys::lookup_read(ctx, key);
  if (v == nullptr) return std::nullopt;
  if (!field.empty()) {
    if (v->type() != store::Type::kHash) return std::nullopt;
    auto value = v->hash().get(field);
    if (!value) return std::nullopt;
    return std::string(*value);
  }
  if (v->type() != store::Type::kString) return std::nullopt;
  return v->str();
}

// Redis' strtod check: the whole text must parse (an empty text is 0), no overflow or underflow, no NaN.
bool parse_sort_score(const std::string& text, double* out) {
  errno = 0;
  char* end = nullptr;
  *out = strtod(text.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*out);
}

int compare_bytes(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// strcoll in the C locale: bytes up to the first NUL.
int compare_cstrings(const std::string& a, const std::string& b) {
  int c = strcmp(a.c_str(), b.c_str());
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

struct Options {
  bool desc = false, alpha = false, dontsort = false;
  int64_t limit_start = 0, limit_count = -1;
  std::optional<std::string_view> by, store;
  std::vector<std::string_view> gets;
};

// Parses the options from argv[2]; false when an error was sent.
bool parse_options(Context& ctx, bool readonly, Options& o) {
  for (size_t j = 2; j < ctx.argc(); ++j) {
    size_t left = ctx.argc() - j - 1;
    std::string_view a = ctx.arg(j);
    if (util::iequals(a, "asc")) {
      o.desc = false;
    } else if (util::iequals(a, "desc")) {
      o.desc = true;
    } else if (util::iequals(a, "alpha")) {
      o.alpha = true;
    } else if (util::iequals(a, "limit") && left >= 2) {
      auto start = util::parse_int(ctx.arg(j + 1));
      auto count = start ? util::parse_int(ctx.arg(j + 2)) : std::nullopt;
      if (!start || !count) {
        ctx.not_integer();
        return false;
      }
      o.limit_start = *start;
      o.limit_count = *count;
      j += 2;
    } else if (!readonly && util::iequals(a, "store") && left >= 1) {
      o.store = ctx.arg(++j);
    } else if (util::iequals(a, "by") && left >= 1) {
      o.by = ctx.arg(++j);
      o.dontsort = o.by->find('*') == std::string_view::npos;
    } else if (util::iequals(a, "get") && left >= 1) {
      o.gets.push_back(ctx.arg(++j));
    } else {
      ctx.syntax_error();
      return false;
    }
  }
  return true;
}

void sort_generic(Context& ctx, bool readonly) {
  Options o;
  if (!parse_options(ctx, readonly, o)) return;
  store::Value* v = keys::lookup_read(ctx, ctx.arg(1));
  if (v != nullptr && v->type() != store::Type::kList && v->type() != store::Type::kSet &&
      v->type() != store::Type::kZSet)
    return ctx.wrong_type();
  store::Type type = v ? v->type() : store::Type::kList;
  // Set order is the hash table's, which differs between a master and its replicas: a stored result must
  // not depend on it, so an unsorted set is sorted by its elements (as Redis does).
  if (o.dontsort && type == store::Type::kSet && o.store) {
    o.dontsort = false;
    o.alpha = true;
    o.by.reset();
  }
  int64_t total = v ? static_cast<int64_t>(v->length()) : 0;
  int64_t start = std::min(std::max<int64_t>(o.limit_start, 0), total);
  int64_t count = std::min(std::max<int64_t>(o.limit_count, -1), total);
  int64_t end = count < 0 ? total - 1 : start + count - 1;
  if (start >= total) {
    start = total - 1;
    end = total - 2;
  }
  if (end >= total) end = total - 1;

  std::vector<SortItem> items;
  bool ranged = o.dontsort && (type == store::Type::kList || type == store::Type::kZSet);
  if (v != nullptr && ranged) {
    // Unsorted lists and sorted sets keep their order: only the requested range is read.
    if (end >= start) {
      if (type == store::Type::kList) {
        const store::List& l = v->list();
        auto wanted = static_cast<size_t>(end - start + 1);
        if (o.desc) {
          l.visit_backward(static_cast<size_t>(total - 1 - start), [&](size_t, std::string_view e) {
            items.push_back({std::string(e), 0, {}});
            return items.size() < wanted;
          });
        } else {
          for (auto it = l.iterator_at(static_cast<size_t>(start)); it != l.end() && items.size() < wanted; ++it)
            items.push_back({std::string(*it), 0, {}});
        }
      } else {
        const store::ZSet& z = v->zset();
        const auto* n = z.at(static_cast<size_t>(o.desc ? total - 1 - start : start));
        for (int64_t i = start; i <= end && n != nullptr; ++i) {
          items.push_back({n->member(), 0, {}});
          n = o.desc ? store::ZSet::prev(n) : store::ZSet::next(n);
        }
      }
      end -= start;
      start = 0;
    }
  } else if (v != nullptr) {
    items.reserve(static_cast<size_t>(total));
    if (type == store::Type::kList) {
      for (std::string_view e : v->list()) items.push_back({std::string(e), 0, {}});
    } else if (type == store::Type::kSet) {
      for (const auto& e : v->set()) items.push_back({std::string(e), 0, {}});
    } else {
      v->zset().for_each([&](const std::string& m, double) { items.push_back({m, 0, {}}); });
    }
  }

  if (!o.dontsort) {
    bool conversion_error = false;
    for (SortItem& it : items) {
      std::optional<std::string> by_value;
      if (o.by) {
        by_value = lookup_pattern(ctx, *o.by, it.element);
        if (!by_value) continue;
      }
      const std::string& text = by_value ? *by_value : it.element;
      if (o.alpha) {
        if (o.by) it.by = std::move(by_value);
      } else if (!parse_sort_score(text, &it.score)) {
        conversion_error = true;
      }
    }
    if (conversion_error) return ctx.out.error("ERR One or more scores can't be converted into double");
    bool by = o.by.has_value(), binary = o.store.has_value();
    auto cmp = [&](const SortItem& a, const SortItem& b) {
      int c;
      if (!o.alpha) {
        c = a.score > b.score ? 1 : a.score < b.score ? -1 : compare_bytes(a.element, b.element);
      } else if (by) {
        if (!a.by || !b.by)
          c = a.by.has_value() == b.by.has_value() ? 0 : !a.by ? -1 : 1;
        else
          c = binary ? compare_bytes(*a.by, *b.by) : compare_cstrings(*a.by, *b.by);
      } else {
        c = binary ? compare_bytes(a.element, b.element) : compare_cstrings(a.element, b.element);
      }
      return (o.desc ? -c : c) < 0;
    };
    std::stable_sort(items.begin(), items.end(), cmp);
  }

  int64_t n = end - start + 1;
  size_t out_len = o.gets.empty() ? static_cast<size_t>(n) : o.gets.size() * static_cast<size_t>(n);
  if (!o.store) {
    ctx.out.array_header(out_len);
    for (int64_t i = start; i <= end; ++i) {
      const std::string& e = items[static_cast<size_t>(i)].element;
      if (o.gets.empty()) ctx.out.bulk(e);
      for (std::string_view g : o.gets) {
        auto val = lookup_pattern(ctx, g, e);
        if (val)
          ctx.out.bulk(*val);
        else
          ctx.out.null();
      }
    }
    return;
  }
  store::Value result = store::Value::make(store::Type::kList);
  for (int64_t i = start; i <= end; ++i) {
    const std::string& e = items[static_cast<size_t>(i)].element;
    if (o.gets.empty()) result.list().push_back(e);
    for (std::string_view g : o.gets)
      result.list().push_back(lookup_pattern(ctx, g, e).value_or(std::string()));
  }
  std::string_view dst = *o.store;
  if (out_len > 0) {
    bool existed = ctx.db().exists(dst, ctx.now_ms);
    ctx.db().put(dst, std::move(result));
    if (!existed) notify(ctx, kNotifyNew, "new", dst);
    ctx.server.touch(ctx.client.db, dst);
    ctx.changed(static_cast<int64_t>(out_len));
    notify(ctx, kNotifyList, "sortstore", dst);
  } else if (ctx.db().erase(dst)) {
    ctx.server.touch(ctx.client.db, dst);
    ctx.changed();
    notify(ctx, kNotifyGeneric, "del", dst);
  }
  ctx.out.integer(static_cast<int64_t>(out_len));
}

void cmd_sort(Context& ctx) { sort_generic(ctx, false); }
void cmd_sort_ro(Context& ctx) { sort_generic(ctx, true); }

}  // namespace

void register_sort_commands(CommandTable& t) {
  t.add("sort", -2, kWrite | kDenyOom, cmd_sort, 1, 1, 1);
  t.add("sort_ro", -2, kReadOnly, cmd_sort_ro, 1, 1, 1);
}

}  // namespace datanode
