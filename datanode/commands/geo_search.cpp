// Geo searches: GEOSEARCH, GEOSEARCHSTORE and the deprecated GEORADIUS, GEORADIUSBYMEMBER and their
// _RO forms. One parser with Redis' order of checks (so the same bad request gets the same error), the
// search in datanode/geo/search, then either the reply or a sorted set stored at the destination.
#include <algorithm>

#include "common/util/strings.h"
#include "datanode/commands/families.h"
#include "datanode/commands/geo.h"
#include "datanode/commands/zsets.h"
#include "datanode/geo/search.h"
#include "datanode/server/notify.h"

namespace datanode {
namespace {

using namespace command;

enum SearchFlags : unsigned {
  kAroundCoords = 1,  // GEORADIUS: longitude latitude radius unit
  kAroundMember = 2,  // GEORADIUSBYMEMBER: member radius unit
  kNoStore = 4,       // the _RO forms
  kSearch = 8,        // GEOSEARCH syntax: FROMMEMBER/FROMLONLAT, BYRADIUS/BYBOX
  kSearchStore = 16,  // GEOSEARCHSTORE: destination first, STOREDIST without a key
};

bool parse_radius(Context& ctx, size_t i, geo::Shape& shape) {
  auto r = util::parse_double(ctx.arg(i));
  if (!r) return ctx.out.error("ERR need numeric radius"), false;
  if (*r < 0) return ctx.out.error("ERR radius cannot be negative"), false;
  double unit = parse_unit(ctx, ctx.arg(i + 1));
  if (unit < 0) return false;
  shape.kind = geo::Shape::Kind::kRadius;
  shape.radius = *r;
  shape.unit = unit;
  return true;
}

bool parse_box(Context& ctx, size_t i, geo::Shape& shape) {
  auto w = util::parse_double(ctx.arg(i));
  if (!w) return ctx.out.error("ERR need numeric width"), false;
  auto h = util::parse_double(ctx.arg(i + 1));
  if (!h) return ctx.out.error("ERR need numeric height"), false;
  if (*h < 0 || *w < 0) return ctx.out.error("ERR height or width cannot be negative"), false;
  double unit = parse_unit(ctx, ctx.arg(i + 2));
  if (unit < 0) return false;
  shape.kind = geo::Shape::Kind::kBox;
  shape.width = *w;
  shape.height = *h;
  shape.unit = unit;
  return true;
}

bool member_position(const store::ZSet& z, std::string_view member, geo::Point& out) {
  auto s = z.score(member);
  if (!s) return false;
  out = geo::decode_score(*s);
  return true;
}

struct Options {
  bool withdist = false, withhash = false, withcoord = false, any = false;
  enum class Sort { kNone, kAsc, kDesc } sort = Sort::kNone;
  int64_t count = 0;  // 0: all
  bool store = false, storedist = false;
  std::string_view store_key;
};

void store_results(Context& ctx, const Options& o, std::vector<geo::Found>& found, size_t n, double unit) {
  std::string_view dst = o.store_key;
  if (n == 0) {
    if (ctx.db().find(dst, ctx.now_ms) && ctx.db().erase(dst)) {
      ctx.server.touch(ctx.client.db, dst);
      ctx.changed();
      notify(ctx, kNotifyGeneric, "del", dst);
    }
    return ctx.out.integer(0);
  }
  store::Value v = store::Value::make(store::Type::kZSet);
  for (size_t i = 0; i < n; ++i)
    v.zset().insert(found[i].member, o.storedist ? found[i].dist / unit : found[i].score);
  bool existed = ctx.db().exists(dst, ctx.now_ms);
  ctx.db().put(dst, std::move(v));
  if (!existed) notify(ctx, kNotifyNew, "new", dst);
  ctx.server.touch(ctx.client.db, dst);
  ctx.changed(static_cast<int64_t>(n));
  notify(ctx, kNotifyZset, util::iequals(ctx.arg(0), "geosearchstore") ? "geosearchstore" : "georadiusstore", dst);
  ctx.out.integer(static_cast<int64_t>(n));
}

void reply_results(Context& ctx, const Options& o, std::vector<geo::Found>& found, size_t n, double unit) {
  size_t extras = (o.withdist ? 1 : 0) + (o.withhash ? 1 : 0) + (o.withcoord ? 1 : 0);
  ctx.out.array_header(n);
  for (size_t i = 0; i < n; ++i) {
    const geo::Found& f = found[i];
    if (extras) ctx.out.array_header(extras + 1);
    ctx.out.bulk(f.member);
    if (o.withdist) ctx.out.bulk(geo::format_distance(f.dist / unit));
    if (o.withhash) ctx.out.integer(static_cast<int64_t>(f.score));
    if (o.withcoord) {
      ctx.out.array_header(2);
      reply_coordinate(ctx, f.pos.lon);
      reply_coordinate(ctx, f.pos.lat);
    }
  }
}

void geo_search(Context& ctx, size_t src_index, unsigned flags) {
  store::ZSet* z;
  if (!read_zset(ctx, ctx.arg(src_index), z)) return;
  geo::Shape shape;
  Options o;
  size_t base;
  if (flags & kAroundCoords) {
    base = 6;
    if (!parse_lon_lat(ctx, 2, shape.center) || !parse_radius(ctx, 4, shape)) return;
  } else if (flags & kAroundMember) {
    base = 5;
    // Without the key nothing more is checked here: the reply is empty (or 0 with STORE) anyway.
    if (z) {
      if (!member_position(*z, ctx.arg(2), shape.center))
        return ctx.out.error("ERR could not decode requested zset member");
      if (!parse_radius(ctx, 3, shape)) return;
    }
  } else {
    base = 2;
    if (flags & kSearchStore) {
      base = 3;
      o.store = true;
      o.store_key = ctx.arg(1);
    }
  }
  bool frommember = false, fromlonlat = false, byradius = false, bybox = false;
  bool search = flags & kSearch;
  bool may_store = !(flags & kNoStore) && !search;
  for (size_t i = base; i < ctx.argc(); ++i) {
    std::string_view a = ctx.arg(i);
    size_t more = ctx.argc() - 1 - i;
    if (util::iequals(a, "withdist"))
      o.withdist = true;
    else if (util::iequals(a, "withhash"))
      o.withhash = true;
    else if (util::iequals(a, "withcoord"))
      o.withcoord = true;
    else if (util::iequals(a, "any"))
      o.any = true;
    else if (util::iequals(a, "asc"))
      o.sort = Options::Sort::kAsc;
    else if (util::iequals(a, "desc"))
      o.sort = Options::Sort::kDesc;
    else if (util::iequals(a, "count") && more >= 1) {
      auto c = util::parse_int(ctx.arg(++i));
      if (!c) return ctx.not_integer();
      if (*c <= 0) return ctx.out.error("ERR COUNT must be > 0");
      o.count = *c;
    } else if ((util::iequals(a, "store") || util::iequals(a, "storedist")) && more >= 1 && may_store) {
      o.store = true;
      o.storedist = util::iequals(a, "storedist");
      o.store_key = ctx.arg(++i);
    } else if (util::iequals(a, "storedist") && (flags & kSearchStore)) {
      o.storedist = true;
    } else if (util::iequals(a, "frommember") && more >= 1 && search && !fromlonlat) {
      ++i;
      if (z && !member_position(*z, ctx.arg(i), shape.center))
        return ctx.out.error("ERR could not decode requested zset member");
      frommember = true;
    } else if (util::iequals(a, "fromlonlat") && more >= 2 && search && !frommember) {
      if (!parse_lon_lat(ctx, i + 1, shape.center)) return;
      fromlonlat = true;
      i += 2;
    } else if (util::iequals(a, "byradius") && more >= 2 && search && !bybox) {
      if (!parse_radius(ctx, i + 1, shape)) return;
      byradius = true;
      i += 2;
    } else if (util::iequals(a, "bybox") && more >= 3 && search && !byradius) {
      if (!parse_box(ctx, i + 1, shape)) return;
      bybox = true;
      i += 3;
    } else {
      return ctx.syntax_error();
    }
  }
  if (o.store && (o.withdist || o.withhash || o.withcoord)) {
    return ctx.out.error(std::string("ERR ") +
                         ((flags & kSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
                         " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
  }
  if (search && !(frommember || fromlonlat)) {
    return ctx.out.error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                         std::string(ctx.arg(0)));
  }
  if (search && !(byradius || bybox)) {
    return ctx.out.error("ERR exactly one of BYRADIUS and BYBOX can be specified for " +
                         std::string(ctx.arg(0)));
  }
  if (o.any && o.count == 0) return ctx.out.error("ERR the ANY argument requires COUNT argument");

  std::vector<geo::Found> found;
  if (z) {
    if (o.count != 0 && o.sort == Options::Sort::kNone && !o.any) o.sort = Options::Sort::kAsc;
    found = geo::search(*z, shape, o.any ? static_cast<uint64_t>(o.count) : 0);
  }
  if (found.empty() && !o.store) return ctx.out.array_header(0);
  size_t n = found.size();
  if (o.count != 0 && static_cast<uint64_t>(o.count) < n) n = static_cast<size_t>(o.count);
  // Stable, as glibc's merge-sorting qsort is: equal distances keep their scan order.
  if (o.sort == Options::Sort::kAsc) {
    std::stable_sort(found.begin(), found.end(),
                     [](const auto& a, const auto& b) { return a.dist < b.dist; });
  } else if (o.sort == Options::Sort::kDesc) {
    std::stable_sort(found.begin(), found.end(),
                     [](const auto& a, const auto& b) { return a.dist > b.dist; });
  }
  if (o.store) return store_results(ctx, o, found, n, shape.unit);
  reply_results(ctx, o, found, n, shape.unit);
}

void cmd_georadius(Context& ctx) { geo_search(ctx, 1, kAroundCoords); }
void cmd_georadius_ro(Context& ctx) { geo_search(ctx, 1, kAroundCoords | kNoStore); }
void cmd_georadiusbymember(Context& ctx) { geo_search(ctx, 1, kAroundMember); }
void cmd_georadiusbymember_ro(Context& ctx) { geo_search(ctx, 1, kAroundMember | kNoStore); }
void cmd_geosearch(Context& ctx) { geo_search(ctx, 1, kSearch); }
void cmd_geosearchstore(Context& ctx) { geo_search(ctx, 2, kSearch | kSearchStore); }

}  // namespace

void register_geo_search_commands(CommandTable& t) {
  t.add("georadius", -6, kWrite | kDenyOom, cmd_georadius, 1, 1, 1);
  t.add("georadius_ro", -6, kReadOnly, cmd_georadius_ro, 1, 1, 1);
  t.add("georadiusbymember", -5, kWrite | kDenyOom, cmd_georadiusbymember, 1, 1, 1);
  t.add("georadiusbymember_ro", -5, kReadOnly, cmd_georadiusbymember_ro, 1, 1, 1);
  t.add("geosearch", -7, kReadOnly, cmd_geosearch, 1, 1, 1);
  t.add("geosearchstore", -8, kWrite | kDenyOom, cmd_geosearchstore, 1, 2, 1);
}

}  // namespace datanode
