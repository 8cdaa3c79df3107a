// The geohash codec and the cell search (datanode/geo): known values from Redis' documentation, the
// algebra of neighbours, output formats, and searches checked against a brute-force scan.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "datanode/geo/geohash.h"
#include "datanode/geo/search.h"

namespace {

constexpr uint64_t kPalermo = 3479099956230698ULL;  // GEOADD Sicily 13.361389 38.115556 "Palermo"
constexpr uint64_t kCatania = 3479447370796909ULL;  // GEOADD Sicily 15.087269 37.502669 "Catania"

}  // namespace

TEST(GeoHash, EncodesAsRedisDoes) {
  auto p = geo::encode(13.361389, 38.115556);
  ASSERT_TRUE(p);
  EXPECT_EQ(geo::align52(*p), kPalermo);
  auto c = geo::encode(15.087269, 37.502669);
  ASSERT_TRUE(c);
  EXPECT_EQ(geo::align52(*c), kCatania);
  EXPECT_FALSE(geo::encode(180.1, 0));
  EXPECT_FALSE(geo::encode(0, 85.06));
  EXPECT_FALSE(geo::encode(0, 0, 0));
  EXPECT_FALSE(geo::encode(0, 0, 33));
  // The top of a range overflows the step by one bit, as in Redis.
  EXPECT_EQ(geo::encode(180, 0)->bits >> 53, 1u);
}

TEST(GeoHash, DecodesPositionsAndGeohashStrings) {
  geo::Point p = geo::decode_score(static_cast<double>(kPalermo));
  EXPECT_EQ(geo::format_coordinate(p.lon), "13.36138933897018433");
  EXPECT_EQ(geo::format_coordinate(p.lat), "38.11555639549629859");
  EXPECT_EQ(geo::standard_geohash(static_cast<double>(kPalermo)), "sqc8b49rny0");
  EXPECT_EQ(geo::standard_geohash(static_cast<double>(kCatania)), "sqdtr74hyu0");
  geo::Point c = geo::decode_score(static_cast<double>(kCatania));
  EXPECT_EQ(geo::format_distance(geo::distance(p.lon, p.lat, c.lon, c.lat)), "166274.1516");
  EXPECT_EQ(geo::format_distance(geo::distance(p.lon, p.lat, c.lon, c.lat) / 1000), "166.2742");
  // Encoding the decoded center gives the same cell back.
  EXPECT_EQ(geo::align52(*geo::encode(p.lon, p.lat)), kPalermo);
}

TEST(GeoHash, ScoresOutsideTheGeohashRangeStillDecode) {
  EXPECT_EQ(geo::score_bits(-1.0), ~0ULL);
  EXPECT_EQ(geo::score_bits(1e300), 0u);
  EXPECT_EQ(geo::score_bits(-1e300), 0x8000000000000000ULL);
  EXPECT_EQ(geo::score_bits(9223372036854775808.0), 0x8000000000000000ULL);
  geo::Point p = geo::decode_score(-1.0);
  EXPECT_LE(p.lat, geo::kLatMax);
  EXPECT_LE(p.lon, geo::kLonMax);
}

TEST(GeoHash, NeighboursAreInverseMoves) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lon(-179, 179), lat(-85, 85);
  for (int i = 0; i < 200; ++i) {
    int step = 1 + static_cast<int>(rng() % 26);
    geo::Hash h = *geo::encode(lon(rng), lat(rng), step);
    auto around = geo::neighbors(h);
    // north (0) then south (1) of it, east (2) then west (3) of it, come back.
    EXPECT_EQ(geo::neighbors(around[0])[1], h);
    EXPECT_EQ(geo::neighbors(around[2])[3], h);
    EXPECT_EQ(geo::neighbors(around[4])[7], h);  // north-east, then south-west
    geo::Area a = geo::decode(h), n = geo::decode(around[0]), e = geo::decode(around[2]);
    if (a.lat.max < geo::kLatMax - 1e-9) {
      EXPECT_DOUBLE_EQ(n.lat.min, a.lat.max);
    }
    if (a.lon.max < geo::kLonMax - 1e-9) {
      EXPECT_DOUBLE_EQ(e.lon.min, a.lon.max);
    }
  }
}

TEST(GeoHash, Formats) {
  EXPECT_EQ(geo::format_distance(0), "0.0000");
  EXPECT_EQ(geo::format_distance(1.23456), "1.2346");
  EXPECT_EQ(geo::format_distance(0.00004), "0.0000");
  EXPECT_EQ(geo::format_distance(12345678.9), "12345678.9000");
  EXPECT_EQ(geo::format_coordinate(-0.0), "0");
  EXPECT_EQ(geo::format_coordinate(1.5), "1.5");
  EXPECT_EQ(geo::format_coordinate(-180), "-180");
  EXPECT_EQ(geo::estimate_steps(0, 0), 26);
  EXPECT_EQ(geo::estimate_steps(1e9, 0), 1);
  EXPECT_GT(geo::estimate_steps(100, 0), geo::estimate_steps(100, 81));
}

TEST(GeoSearch, FindsExactlyWhatABruteForceScanFinds) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> lon(-180, 180), lat(-85, 85), unit01(0, 1);
  store::ZSet z;
  std::vector<std::pair<std::string, uint64_t>> points;
  for (int i = 0; i < 3000; ++i) {
    // Half spread over the globe, half packed around one place.
    double x = i % 2 ? lon(rng) : 2 + unit01(rng), y = i % 2 ? lat(rng) : 48 + unit01(rng);
    uint64_t s = geo::align52(*geo::encode(x, y));
    points.emplace_back("p" + std::to_string(i), s);
    z.insert(points.back().first, static_cast<double>(s));
  }
  for (int q = 0; q < 200; ++q) {
    geo::Shape shape;
    shape.center = q % 2 ? geo::Point{lon(rng), lat(rng)} : geo::Point{2 + unit01(rng), 48 + unit01(rng)};
    shape.unit = q % 3 == 0 ? 1000 : 1;
    double size = std::pow(10.0, 2 + unit01(rng) * 4) / shape.unit;
    if (q % 4 < 2) {
      shape.kind = geo::Shape::Kind::kRadius;
      shape.radius = size;
    } else {
      shape.kind = geo::Shape::Kind::kBox;
      shape.width = size;
      shape.height = size * (0.2 + unit01(rng) * 2);
    }
    std::set<std::string> expected, got;
    for (const auto& [m, s] : points) {
      geo::Point p;
      double d;
      if (geo::within(shape, static_cast<double>(s), p, d)) expected.insert(m);
    }
    auto found = geo::search(z, shape, 0);
    for (const auto& f : found) {
      EXPECT_TRUE(got.insert(f.member).second) << "duplicate " << f.member;
    }
    EXPECT_EQ(got, expected) << "query " << q;
    auto limited = geo::search(z, shape, 3);
    EXPECT_EQ(limited.size(), std::min<size_t>(3, expected.size()));
  }
}
