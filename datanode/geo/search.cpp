#include "datanode/geo/search.h"

#include <cmath>

namespace geo {
namespace {

double rad_to_deg(double r) { return r / (M_PI / 180.0); }

// [min_lon, min_lat, max_lon, max_lat] of the shape. Away from the equator a box is wider (in degrees)
// on its side nearer the pole; the wider side is taken so the bounds cover the whole shape.
std::array<double, 4> bounding_box(const Shape& s) {
  bool circle = s.kind == Shape::Kind::kRadius;
  double height = s.unit * (circle ? s.radius : s.height / 2);
  double width = s.unit * (circle ? s.radius : s.width / 2);
  double lat_delta = rad_to_deg(height / kEarthRadiusMeters);
  double lon_delta_top =
      rad_to_deg(width / kEarthRadiusMeters / std::cos((s.center.lat + lat_delta) * (M_PI / 180.0)));
  double lon_delta_bottom =
      rad_to_deg(width / kEarthRadiusMeters / std::cos((s.center.lat - lat_delta) * (M_PI / 180.0)));
  bool south = s.center.lat < 0;
  double lon_delta = south ? lon_delta_bottom : lon_delta_top;
  return {s.center.lon - lon_delta, s.center.lat - lat_delta, s.center.lon + lon_delta,
          s.center.lat + lat_delta};
}

Hash encode_or_zero(double lon, double lat, int step) {
  auto h = encode(lon, lat, step);
  if (h) return *h;
  return Hash{0, static_cast<uint8_t>(step)};
}

}  // namespace

SearchCells cells_for(const Shape& shape) {
  auto [min_lon, min_lat, max_lon, max_lat] = bounding_box(shape);
  double radius_meters =
      shape.kind == Shape::Kind::kRadius
          ? shape.radius
          : std::sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2));
  radius_meters *= shape.unit;
  int steps = estimate_steps(radius_meters, shape.center.lat);

  SearchCells c;
  auto compute = [&] {
    c.center = encode_or_zero(shape.center.lon, shape.center.lat, steps);
    c.around = neighbors(c.center);
    c.area = decode(c.center);
  };
  compute();
  // Near a cell's edge the estimated step may leave part of the shape outside the 3x3 cells: one step
  // coarser then.
  Area north = decode(c.around[0]), south = decode(c.around[1]), east = decode(c.around[2]),
       west = decode(c.around[3]);
  bool coarser =
      north.lat.max < max_lat || south.lat.min > min_lat || east.lon.max < max_lon || west.lon.min > min_lon;
  if (steps > 1 && coarser) {
    --steps;
    compute();
  }
  // Cells entirely outside the bounds are dropped (zeroed), except at the coarsest steps.
  if (steps >= 2) {
    enum { N, S, E, W, NE, NW, SE, SW };
    auto drop = [&](std::initializer_list<int> which) {
      for (int i : which) c.around[i] = Hash{};
    };
    if (c.area.lat.min < min_lat) drop({S, SW, SE});
    if (c.area.lat.max > max_lat) drop({N, NE, NW});
    if (c.area.lon.min < min_lon) drop({W, SW, NW});
    if (c.area.lon.max > max_lon) drop({E, SE, NE});
  }
  return c;
}

bool within(const Shape& shape, double score, Point& pos, double& dist) {
  pos = decode_score(score);
  const Point& c = shape.center;
  if (shape.kind == Shape::Kind::kRadius) {
    dist = distance(c.lon, c.lat, pos.lon, pos.lat);
    return dist <= shape.radius * shape.unit;
  }
  double width_m = shape.width * shape.unit, height_m = shape.height * shape.unit;
  if (lat_distance(pos.lat, c.lat) > height_m / 2) return false;
  if (distance(pos.lon, pos.lat, c.lon, pos.lat) > width_m / 2) return false;
  dist = distance(c.lon, c.lat, pos.lon, pos.lat);
  return true;
}

std::vector<Found> search(const store::ZSet& z, const Shape& shape, uint64_t limit) {
  SearchCells cells = cells_for(shape);
  std::array<Hash, 9> order{cells.center};
  for (size_t i = 0; i < 8; ++i) order[i + 1] = cells.around[i];
  std::vector<Found> out;
  auto full = [&] { return limit != 0 && !out.empty() && out.size() >= limit; };
  int last = 0;  // index of the last scanned cell; 0 (the center) never counts as a previous one
  for (int i = 0; i < 9; ++i) {
    const Hash& h = order[static_cast<size_t>(i)];
    if (h.zero()) continue;
    // With huge radii neighbours coincide: a cell equal to the one scanned just before is skipped.
    if (last != 0 && h == order[static_cast<size_t>(last)]) continue;
    if (full()) break;
    Hash next = h;
    ++next.bits;
    store::ScoreRange range;
    range.min = static_cast<double>(align52(h));
    range.max = static_cast<double>(align52(next));
    range.max_exclusive = true;
    for (const store::ZSet::Node* n = z.first_in(range); n && store::ZSet::below_max(n->score(), range);
         n = store::ZSet::next(n)) {
      Found f;
      if (within(shape, n->score(), f.pos, f.dist)) {
        f.member = n->member();
        f.score = n->score();
        out.push_back(std::move(f));
      }
      if (full()) break;
    }
    last = i;
  }
  return out;
}

}  // namespace geo
