// Geohash as Redis stores positions in sorted sets: longitude and latitude each quantized to 26 bits
// over [-180, 180] x [-85.05112878, 85.05112878] (the Web Mercator limits), interleaved into a 52-bit
// integer used as the member's score. Every formula keeps Redis' order of floating-point operations so
// the same coordinates give bit-identical scores, positions and distances.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace geo {

inline constexpr double kLonMin = -180, kLonMax = 180;
inline constexpr double kLatMin = -85.05112878, kLatMax = 85.05112878;
inline constexpr int kStepMax = 26;  // bits per coordinate in a stored score
inline constexpr double kEarthRadiusMeters = 6372797.560856;

// `step` bits of each coordinate, interleaved: latitude in the even bit positions, longitude in the odd.
struct Hash {
  uint64_t bits = 0;
  uint8_t step = 0;
  // The "no box" marker used for neighbours excluded from a search.
  bool zero() const { return bits == 0 && step == 0; }
  bool operator==(const Hash&) const = default;
};

struct Range {
  double min = 0, max = 0;
};

// The cell a hash stands for.
struct Area {
  Hash hash;
  Range lon, lat;
};

struct Point {
  double lon = 0, lat = 0;
};

inline constexpr Range kLonRange{kLonMin, kLonMax};
inline constexpr Range kLatRange{kLatMin, kLatMax};

// Encodes a position over the given ranges; nullopt outside them (or outside the Mercator limits).
std::optional<Hash> encode(Range lon_range, Range lat_range, double lon, double lat, int step);
std::optional<Hash> encode(double lon, double lat, int step = kStepMax);
Area decode(Range lon_range, Range lat_range, Hash hash);
Area decode(Hash hash);
// The center of a cell, clamped to the valid coordinates.
Point center(const Area& area);

// The sorted-set score of a position: the hash shifted to 52 bits.
uint64_t align52(Hash hash);
// The position stored in a score, converted as Redis' (uint64_t) cast does on x86-64.
Point decode_score(double score);
uint64_t score_bits(double score);

// The 11-character standard geohash (latitude over [-90, 90]) of a stored score.
std::string standard_geohash(double score);

// The 8 cells around a hash, in the order north, south, east, west, north-east, north-west,
// south-east, south-west.
std::array<Hash, 8> neighbors(Hash hash);

// Haversine distance in meters.
double distance(double lon1, double lat1, double lon2, double lat2);
// Distance along a meridian.
double lat_distance(double lat1, double lat2);

// How many bits per coordinate give cells about as large as a search radius at `lat`.
int estimate_steps(double radius_meters, double lat);

// Distances as GEODIST and WITHDIST print them: rounded to 4 decimals through a scaled integer.
std::string format_distance(double d);
// Coordinates as GEOPOS and WITHCOORD print them: "%.17Lf" without trailing zeros.
std::string format_coordinate(double d);

}  // namespace geo
