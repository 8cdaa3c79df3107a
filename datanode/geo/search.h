// Radius and box searches over a sorted set of geohash scores, as GEOSEARCH and GEORADIUS run them:
// the center cell and its 8 neighbours at a step sized to the search, each scanned as a score range,
// every candidate checked against the exact shape. The visiting order (cells, then scores) is Redis',
// so unsorted results come back in the same order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datanode/geo/geohash.h"
#include "datanode/store/zset.h"

namespace geo {

struct Shape {
  enum class Kind { kRadius, kBox };
  Kind kind = Kind::kRadius;
  Point center;
  double radius = 0;             // kRadius, in `unit`s
  double width = 0, height = 0;  // kBox, in `unit`s
  double unit = 1;               // meters per unit
};

struct Found {
  std::string member;
  double score = 0;
  Point pos;
  double dist = 0;  // meters from the center
};

// The cells to scan: the center cell, then north, south, east, west, north-east, north-west,
// south-east, south-west; zero hashes are cells the shape cannot reach.
struct SearchCells {
  Hash center;
  std::array<Hash, 8> around;
  Area area;
};
SearchCells cells_for(const Shape& shape);

// Whether a stored score lies inside the shape; fills its position and distance from the center.
bool within(const Shape& shape, double score, Point& pos, double& dist);

// Every member inside the shape, in visiting order. `limit` (0: none) stops the scan once that many
// were found (COUNT ... ANY).
std::vector<Found> search(const store::ZSet& z, const Shape& shape, uint64_t limit);

}  // namespace geo
