#include "datanode/geo/geohash.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace geo {
namespace {

constexpr double kDegToRad = M_PI / 180.0;

double to_rad(double deg) { return deg * kDegToRad; }

// Moves the low 32 bits of v to the even bit positions of the result.
uint64_t spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

// The inverse of spread: gathers the even bit positions into 32 bits.
uint32_t gather(uint64_t x) {
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

constexpr uint64_t kLonBits = 0xaaaaaaaaaaaaaaaaULL;  // odd positions
constexpr uint64_t kLatBits = 0x5555555555555555ULL;  // even positions

// Steps one cell along the coordinate whose bits are `mine` (wrapping around at the edges): the other
// coordinate's bits are filled with ones (or cleared) so the carry (or borrow) crosses them.
uint64_t move(uint64_t bits, int step, uint64_t mine, int direction) {
  uint64_t own = bits & mine;
  uint64_t other = bits & ~mine;
  uint64_t fill = ~mine >> (64 - 2 * step);  // the other coordinate's positions within 2*step bits
  if (direction > 0) {
    own += fill + 1;
  } else {
    own = (own | fill) - (fill + 1);
  }
  own &= mine >> (64 - 2 * step);
  return own | other;
}

}  // namespace

std::optional<Hash> encode(Range lon_range, Range lat_range, double lon, double lat, int step) {
  if (step <= 0 || step > 32) return std::nullopt;
  if (lon > kLonMax || lon < kLonMin || lat > kLatMax || lat < kLatMin) return std::nullopt;
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max)
    return std::nullopt;
  double lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  lat_offset *= static_cast<double>(1ULL << step);
  lon_offset *= static_cast<double>(1ULL << step);
  // A coordinate at the top of its range gives 2^step, one bit more than the step holds: kept, as
  // Redis keeps it, so such scores match.
  Hash h;
  h.step = static_cast<uint8_t>(step);
  h.bits = spread(static_cast<uint32_t>(lat_offset)) | (spread(static_cast<uint32_t>(lon_offset)) << 1);
  return h;
}

std::optional<Hash> encode(double lon, double lat, int step) {
  return encode(kLonRange, kLatRange, lon, lat, step);
}

Area decode(Range lon_range, Range lat_range, Hash hash) {
  Area a;
  a.hash = hash;
  uint32_t lat_cell = gather(hash.bits);
  uint32_t lon_cell = gather(hash.bits >> 1);
  double cells = static_cast<double>(1ULL << hash.step);
  double lat_scale = lat_range.max - lat_range.min;
  double lon_scale = lon_range.max - lon_range.min;
  a.lat.min = lat_range.min + (lat_cell * 1.0 / cells) * lat_scale;
  a.lat.max = lat_range.min + ((lat_cell + 1) * 1.0 / cells) * lat_scale;
  a.lon.min = lon_range.min + (lon_cell * 1.0 / cells) * lon_scale;
  a.lon.max = lon_range.min + ((lon_cell + 1) * 1.0 / cells) * lon_scale;
  return a;
}

Area decode(Hash hash) { return decode(kLonRange, kLatRange, hash); }

Point center(const Area& area) {
  Point p;
  p.lon = std::clamp((area.lon.min + area.lon.max) / 2, kLonMin, kLonMax);
  p.lat = std::clamp((area.lat.min + area.lat.max) / 2, kLatMin, kLatMax);
  return p;
}

uint64_t align52(Hash hash) { return hash.bits << (52 - hash.step * 2); }

uint64_t score_bits(double score) {
  // What cvttsd2si-based conversion yields: out-of-range values give the "integer indefinite"
  // 0x8000000000000000, and values from 2^63 up are converted after subtracting 2^63.
  constexpr double k2p63 = 9223372036854775808.0;
  constexpr uint64_t kIndefinite = 0x8000000000000000ULL;
  if (std::isnan(score)) return kIndefinite;
  if (score < k2p63) {
    if (score < -k2p63) return kIndefinite;
    return static_cast<uint64_t>(static_cast<int64_t>(score));
  }
  double rest = score - k2p63;
  uint64_t low = rest < k2p63 ? static_cast<uint64_t>(static_cast<int64_t>(rest)) : kIndefinite;
  return low ^ kIndefinite;
}

Point decode_score(double score) {
  Hash h{score_bits(score), kStepMax};
  return center(decode(h));
}

std::string standard_geohash(double score) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  Point p = decode_score(score);
  auto h = encode(Range{-180, 180}, Range{-90, 90}, p.lon, p.lat, kStepMax);
  uint64_t bits = h ? h->bits : 0;
  std::string out(11, '0');
  // 52 bits make ten characters; the eleventh is always '0', as Redis prints it.
  for (int i = 0; i < 10; ++i) out[i] = kAlphabet[(bits >> (52 - (i + 1) * 5)) & 0x1f];
  return out;
}

std::array<Hash, 8> neighbors(Hash hash) {
  auto at = [&](int dx, int dy) {
    Hash h = hash;
    if (dx != 0) h.bits = move(h.bits, h.step, kLonBits, dx);
    if (dy != 0) h.bits = move(h.bits, h.step, kLatBits, dy);
    return h;
  };
  return {at(0, 1), at(0, -1), at(1, 0), at(-1, 0), at(1, 1), at(-1, 1), at(1, -1), at(-1, -1)};
}

double lat_distance(double lat1, double lat2) {
  return kEarthRadiusMeters * std::fabs(to_rad(lat2) - to_rad(lat1));
}

double distance(double lon1, double lat1, double lon2, double lat2) {
  double lon1r = to_rad(lon1), lon2r = to_rad(lon2);
  double v = std::sin((lon2r - lon1r) / 2);
  // Same meridian: the haversine reduces to the latitude difference (and Redis takes this shortcut).
  if (v == 0.0) return lat_distance(lat1, lat2);
  double lat1r = to_rad(lat1), lat2r = to_rad(lat2);
  double u = std::sin((lat2r - lat1r) / 2);
  double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

int estimate_steps(double radius_meters, double lat) {
  constexpr double kMercatorMax = 20037726.37;
  // Negative radii never get here (the commands refuse them) but would double forever.
  if (radius_meters == 0 || radius_meters < 0) return kStepMax;
  int step = 1;
  while (radius_meters < kMercatorMax) {
    radius_meters *= 2;
    ++step;
  }
  step -= 2;
  // Meridians converge towards the poles: bigger cells there.
  if (lat > 66 || lat < -66) {
    --step;
    if (lat > 80 || lat < -80) --step;
  }
  return std::clamp(step, 1, kStepMax);
}

std::string format_distance(double d) {
  if (d == 0) return "0.0000";
  long long scaled = std::llrint(d * 10000.0);
  bool negative = scaled < 0;
  unsigned long long v =
      negative ? 0ULL - static_cast<unsigned long long>(scaled) : static_cast<unsigned long long>(scaled);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%s%llu.%04llu", negative ? "-" : "", v / 10000, v % 10000);
  return std::string(buf, static_cast<size_t>(n));
}

std::string format_coordinate(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[512];
  int n = std::snprintf(buf, sizeof buf, "%.17Lf", static_cast<long double>(d));
  std::string s(buf, static_cast<size_t>(n));
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

}  // namespace geo
