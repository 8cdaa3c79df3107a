// What the geo command files (geo.cpp, geo_search.cpp) share: argument parsing with Redis' errors and
// the coordinate reply.
#pragma once

#include <string_view>

#include "datanode/geo/geohash.h"
#include "datanode/server/server.h"

namespace datanode {

// Longitude and latitude from arguments `index` and `index + 1`. False after the error reply ("not a
// valid float" or "invalid longitude,latitude pair").
bool parse_lon_lat(Context& ctx, size_t index, geo::Point& out);
// Meters per unit (m, km, ft, mi); -1 after the error reply.
double parse_unit(Context& ctx, std::string_view unit);
// A coordinate as Redis prints it: a bulk string in RESP2, a double in RESP3.
void reply_coordinate(Context& ctx, double v);

void register_geo_search_commands(CommandTable& t);

}  // namespace datanode
