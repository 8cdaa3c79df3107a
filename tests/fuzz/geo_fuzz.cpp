// libFuzzer target for the geohash codec (datanode/geo/geohash): any sorted-set score reaches it through
// GEOPOS, GEOHASH, GEODIST and the searches (ZADD writes arbitrary doubles), and any radius or box size
// through GEOSEARCH. Input: doubles, 8 bytes each. Checks beyond "no crash, no UB" (UBSan sees every
// float-to-integer conversion): decoded positions stay inside the valid coordinates, a valid position's
// cell encodes back to itself, steps stay in 1..26 and neighbours keep their step.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "datanode/geo/geohash.h"

namespace {

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "invariant failed: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (size_t off = 0; off + 8 <= size; off += 8) {
    double d;
    std::memcpy(&d, data + off, 8);
    geo::Point p = geo::decode_score(d);
    check(p.lon >= geo::kLonMin && p.lon <= geo::kLonMax, "decoded longitude in range");
    check(p.lat >= geo::kLatMin && p.lat <= geo::kLatMax, "decoded latitude in range");
    check(geo::standard_geohash(d).size() == 11, "geohash of 11 characters");
    (void)geo::format_distance(d);
    (void)geo::format_coordinate(d);
    int step = geo::estimate_steps(d, p.lat);
    check(step >= 1 && step <= geo::kStepMax, "estimated step in 1..26");
    if (auto h = geo::encode(p.lon, p.lat)) {
      geo::Point again = geo::decode_score(static_cast<double>(geo::align52(*h)));
      auto h2 = geo::encode(again.lon, again.lat);
      check(h2 && *h2 == *h, "a cell's center encodes to the same cell");
      geo::Hash coarse = *geo::encode(p.lon, p.lat, step);
      for (const geo::Hash& n : geo::neighbors(coarse))
        check(n.step == coarse.step, "neighbours keep the step");
      geo::Point q = geo::decode_score(std::fabs(d));
      double dist = geo::distance(p.lon, p.lat, q.lon, q.lat);
      check(!(dist < 0) && !(dist > 2.1e7), "distance between 0 and half the circumference");
    }
  }
  return 0;
}
