// Geo commands on positions: GEOADD (a ZADD of geohash scores, propagated as that ZADD), GEODIST,
// GEOHASH and GEOPOS. The searches live in geo_search.cpp; the codec in datanode/geo/.
#include "datanode/commands/geo.h"

#include <cstdio>

#include "common/util/strings.h"
#include "datanode/commands/families.h"
#include "datanode/commands/zsets.h"
#include "datanode/geo/geohash.h"
#include "datanode/server/notify.h"

namespace datanode {

bool parse_lon_lat(Context& ctx, size_t index, geo::Point& out) {
  auto lon = util::parse_double(ctx.arg(index));
  if (!lon) return ctx.not_float(), false;
  auto lat = util::parse_double(ctx.arg(index + 1));
  if (!lat) return ctx.not_float(), false;
  if (*lon < geo::kLonMin || *lon > geo::kLonMax || *lat < geo::kLatMin || *lat > geo::kLatMax) {
    char buf[700];
    std::snprintf(buf, sizeof buf, "ERR invalid longitude,latitude pair %f,%f", *lon, *lat);
    ctx.out.error(buf);
    return false;
  }
  out = {*lon, *lat};
  return true;
}

double parse_unit(Context& ctx, std::string_view unit) {
  if (util::iequals(unit, "m")) return 1;
  if (util::iequals(unit, "km")) return 1000;
  if (util::iequals(unit, "ft")) return 0.3048;
  if (util::iequals(unit, "mi")) return 1609.34;
  ctx.out.error("ERR unsupported unit provided. please use M, KM, FT, MI");
  return -1;
}

void reply_coordinate(Context& ctx, double v) {
  std::string s = geo::format_coordinate(v);
  if (ctx.out.protocol() >= 3) {
    ctx.out.raw(",");
    ctx.out.raw(s);
    ctx.out.raw("\r\n");
  } else {
    ctx.out.bulk(s);
  }
}

namespace {

using namespace command;

// GEOADD key [NX|XX] [CH] longitude latitude member [...]: every position is checked before anything
// changes, then it is the ZADD of the scores, and replicas see that ZADD.
void cmd_geoadd(Context& ctx) {
  bool nx = false, xx = false, ch = false;
  size_t first = 2;
  for (; first < ctx.argc(); ++first) {
    std::string_view o = ctx.arg(first);
    if (util::iequals(o, "nx"))
      nx = true;
    else if (util::iequals(o, "xx"))
      xx = true;
    else if (util::iequals(o, "ch"))
      ch = true;
    else
      break;
  }
  size_t rest = ctx.argc() - first;
  if (rest % 3 != 0 || (nx && xx) || rest == 0) return ctx.syntax_error();
  size_t elements = rest / 3;
  std::vector<std::string> zadd{"ZADD"};
  for (size_t i = 1; i < first; ++i) zadd.emplace_back(ctx.arg(i));
  std::vector<double> scores(elements);
  for (size_t j = 0; j < elements; ++j) {
    geo::Point p;
    if (!parse_lon_lat(ctx, first + 3 * j, p)) return;
    auto h = geo::encode(p.lon, p.lat);
    uint64_t bits = h ? geo::align52(*h) : 0;
    scores[j] = static_cast<double>(bits);
    zadd.push_back(std::to_string(bits));
    zadd.emplace_back(ctx.arg(first + 3 * j + 2));
  }
  std::string_view key = ctx.arg(1);
  store::ZSet* z;
  if (!get_zset(ctx, key, z)) return;
  if (!z && !xx) {
    z = &ctx.db().create(key, store::Type::kZSet).zset();
    notify(ctx, kNotifyNew, "new", key);
  }
  int64_t added = 0, updated = 0;
  for (size_t j = 0; z && j < elements; ++j) {
    std::string_view member = ctx.arg(first + 3 * j + 2);
    auto cur = z->score(member);
    if (cur) {
      if (nx || *cur == scores[j]) continue;
      z->insert(member, scores[j]);
      ++updated;
    } else {
      if (xx) continue;
      z->insert(member, scores[j]);
      ++added;
    }
  }
  if (added + updated > 0) {
    ctx.server.touch(ctx.client.db, key);
    ctx.changed(added + updated);
    notify(ctx, kNotifyZset, "zadd", key);
    ctx.propagate_as(std::move(zadd));
  }
  ctx.out.integer(ch ? added + updated : added);
}

// GEODIST key member1 member2 [unit]
void cmd_geodist(Context& ctx) {
  double unit = 1;
  if (ctx.argc() == 5) {
    unit = parse_unit(ctx, ctx.arg(4));
    if (unit < 0) return;
  } else if (ctx.argc() > 5) {
    return ctx.syntax_error();
  }
  store::ZSet* z;
  if (!read_zset(ctx, ctx.arg(1), z)) return;
  if (!z) return ctx.out.null();
  auto s1 = z->score(ctx.arg(2));
  auto s2 = s1 ? z->score(ctx.arg(3)) : std::nullopt;
  if (!s1 || !s2) return ctx.out.null();
  geo::Point a = geo::decode_score(*s1), b = geo::decode_score(*s2);
  ctx.out.bulk(geo::format_distance(geo::distance(a.lon, a.lat, b.lon, b.lat) / unit));
}

void cmd_geohash(Context& ctx) {
  store::ZSet* z;
  if (!read_zset(ctx, ctx.arg(1), z)) return;
  ctx.out.array_header(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    auto s = z ? z->score(ctx.arg(i)) : std::nullopt;
    if (!s) {
      ctx.out.null();
      continue;
    }
    ctx.out.bulk(geo::standard_geohash(*s));
  }
}

void cmd_geopos(Context& ctx) {
  store::ZSet* z;
  if (!read_zset(ctx, ctx.arg(1), z)) return;
  ctx.out.array_header(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    auto s = z ? z->score(ctx.arg(i)) : std::nullopt;
    if (!s) {
      ctx.out.null_array();
      continue;
    }
    geo::Point p = geo::decode_score(*s);
    ctx.out.array_header(2);
    reply_coordinate(ctx, p.lon);
    reply_coordinate(ctx, p.lat);
  }
}

}  // namespace

void register_geo_commands(CommandTable& t) {
  t.add("geoadd", -5, kWrite | kDenyOom, cmd_geoadd, 1, 1, 1);
  t.add("geodist", -4, kReadOnly, cmd_geodist, 1, 1, 1);
  t.add("geohash", -2, kReadOnly, cmd_geohash, 1, 1, 1);
  t.add("geopos", -2, kReadOnly, cmd_geopos, 1, 1, 1);
  register_geo_search_commands(t);
}

}  // namespace datanode
