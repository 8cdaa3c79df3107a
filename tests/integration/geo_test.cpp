// Geo commands against redis-server 7.0.15, byte for byte: the same GEOADDs (famous cities and seeded
// random points) on both servers, then positions, geohashes, distances and many GEOSEARCH / GEORADIUS
// variants, their STORE forms, and every error text.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "harness.h"
#include "raw_resp.h"
#include "reference_redis.h"

using harness::Datanode;

namespace {

using Commands = std::vector<std::vector<std::string>>;

struct City {
  const char* name;
  double lon, lat;
};

const City kCities[] = {
    {"Palermo", 13.361389, 38.115556},
    {"Catania", 15.087269, 37.502669},
    {"Rome", 12.496366, 41.902782},
    {"Paris", 2.352222, 48.856613},
    {"London", -0.127758, 51.507351},
    {"Berlin", 13.404954, 52.520008},
    {"Madrid", -3.703790, 40.416775},
    {"NewYork", -74.005941, 40.712784},
    {"Tokyo", 139.691706, 35.689487},
    {"Sydney", 151.209296, -33.868820},
    {"Reykjavik", -21.9426, 64.1466},
    {"Ushuaia", -68.3030, -54.8019},
    {"Suva", 178.4419, -18.1416},
    {"Apia", -171.7514, -13.8333},
    {"Longyearbyen", 15.6356, 78.2232},
    {"Quito", -78.4678, -0.1807},
    {"Greenwich", 0, 51.4779},
    {"Origin", 0, 0},
    {"EdgeEast", 180, 10},
    {"EdgeWest", -180, -10},
    {"NearTop", 1, 85.05},
};

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

// GEOADDs for the cities and `n` seeded random points, some spread, most around Europe.
Commands seed_commands(int n) {
  Commands out;
  std::vector<std::string> add{"GEOADD", "g"};
  for (const City& c : kCities) {
    add.push_back(fmt(c.lon));
    add.push_back(fmt(c.lat));
    add.push_back(c.name);
  }
  out.push_back(add);
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> lon(-180, 180), lat(-85, 85), near(-10, 10);
  for (int i = 0; i < n; i += 50) {
    std::vector<std::string> batch{"GEOADD", "g"};
    for (int j = i; j < i + 50 && j < n; ++j) {
      bool spread = j % 4 == 0;
      batch.push_back(fmt(spread ? lon(rng) : 8 + near(rng)));
      batch.push_back(fmt(spread ? lat(rng) : 45 + near(rng) / 2));
      batch.push_back("p" + std::to_string(j));
    }
    out.push_back(batch);
  }
  return out;
}

void expect_same(int redis_port, int our_port, const Commands& commands) {
  auto diffs = reference::differences_resp2_and_3(redis_port, our_port, commands);
  for (const auto& d : diffs) ADD_FAILURE() << d;
}

struct Pair {
  reference::RealRedis redis;
  Datanode node;
};

}  // namespace

TEST(Geo, AddPositionsHashesAndDistances) {
  Pair p;
  if (!p.redis.available) GTEST_SKIP() << "redis-server not installed";
  Commands c = seed_commands(200);
  c.push_back({"ZRANGE", "g", "0", "-1", "WITHSCORES"});
  std::vector<std::string> pos{"GEOPOS", "g"}, hash{"GEOHASH", "g"};
  for (const City& city : kCities) {
    pos.push_back(city.name);
    hash.push_back(city.name);
  }
  pos.push_back("missing");
  hash.push_back("missing");
  for (int i = 0; i < 200; i += 7) {
    pos.push_back("p" + std::to_string(i));
    hash.push_back("p" + std::to_string(i));
  }
  c.push_back(pos);
  c.push_back(hash);
  for (const char* unit : {"m", "km", "ft", "mi", "KM"}) {
    for (size_t i = 0; i + 1 < std::size(kCities); i += 2)
      c.push_back({"GEODIST", "g", kCities[i].name, kCities[i + 1].name, unit});
    c.push_back({"GEODIST", "g", "p1", "p2", unit});
  }
  Commands more = {
      {"GEODIST", "g", "Palermo", "Palermo"},
      {"GEODIST", "g", "Palermo", "missing"},
      {"GEODIST", "g", "missing", "Palermo"},
      {"GEODIST", "nokey", "a", "b"},
      {"GEODIST", "g", "Palermo", "Catania", "yards"},
      {"GEODIST", "nokey", "a", "b", "yards"},
      {"GEODIST", "g", "Palermo", "Catania", "km", "extra"},
      {"GEOPOS", "nokey", "a", "b"},
      {"GEOHASH", "nokey", "a", "b"},
      {"GEOPOS", "g"},
      {"GEOHASH", "g"},
      // GEOADD flags and replies.
      {"GEOADD", "g", "NX", "13.361389", "38.115556", "Palermo", "1", "1", "newone"},
      {"GEOADD", "g", "XX", "CH", "13.5", "38.1", "Palermo", "2", "2", "newtwo"},
      {"GEOADD", "g", "CH", "13.5", "38.1", "Palermo"},
      {"GEOADD", "g", "ch", "xx", "13.6", "38.1", "Palermo"},
      {"GEOADD", "g", "XX", "NX", "1", "1", "a"},
      {"GEOADD", "g", "GT", "1", "1", "a"},
      {"GEOADD", "g", "1", "1"},
      {"GEOADD", "g", "1", "1", "a", "2"},
      {"GEOADD", "g", "ch", "ch", "ch"},
      {"GEOADD", "g", "181", "1", "a"},
      {"GEOADD", "g", "1", "85.06", "a"},
      {"GEOADD", "g", "-180.5", "-86", "a"},
      {"GEOADD", "g", "1", "1", "ok", "1", "91", "bad"},
      {"GEOADD", "g", "abc", "1", "a"},
      {"GEOADD", "g", "1", "nan", "a"},
      {"GEOADD", "g", "inf", "1", "a"},
      {"GEOADD", "g", "1", "1", "a", "x", "1", "b"},
      {"EXISTS", "ok"},
      {"GEOPOS", "g", "newone", "newtwo", "ok"},
      {"GEOADD"},
      {"GEOADD", "g", "1", "1"},
      {"SET", "str", "x"},
      {"GEOADD", "str", "1", "1", "a"},
      {"GEOPOS", "str", "a"},
      {"GEOHASH", "str", "a"},
      {"GEODIST", "str", "a", "b"},
      {"GEOADD", "fresh", "XX", "1", "1", "a"},
      {"EXISTS", "fresh"},
      // Scores that were not written by GEOADD still decode.
      {"ZADD", "odd", "-1", "neg", "0", "zero", "9007199254740992", "big", "1e300", "huge", "-inf", "ninf",
       "4503599627370495", "top"},
      {"GEOPOS", "odd", "neg", "zero", "big", "huge", "ninf", "top"},
      {"GEOHASH", "odd", "neg", "zero", "big", "huge", "ninf", "top"},
      {"GEODIST", "odd", "neg", "zero"},
      {"GEODIST", "odd", "big", "top", "km"},
      {"GEOSEARCH", "odd", "FROMLONLAT", "0", "0", "BYRADIUS", "20000", "km", "ASC", "WITHCOORD", "WITHHASH"},
  };
  c.insert(c.end(), more.begin(), more.end());
  expect_same(p.redis.port, p.node.port, c);
}

TEST(Geo, SearchVariantsMatchRedis) {
  Pair p;
  if (!p.redis.available) GTEST_SKIP() << "redis-server not installed";
  Commands c = seed_commands(1000);
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> lon(-180, 180), lat(-85, 85), near(-10, 10), unit01(0, 1);
  const char* units[] = {"m", "km", "mi", "ft"};
  const std::vector<std::vector<std::string>> option_sets = {
      {},
      {"ASC"},
      {"DESC"},
      {"WITHDIST", "ASC"},
      {"WITHCOORD", "WITHDIST", "WITHHASH", "DESC"},
      {"WITHHASH"},
      {"WITHCOORD"},
      {"COUNT", "5"},
      {"COUNT", "3", "DESC", "WITHDIST"},
      {"COUNT", "1000", "ASC"},
      {"COUNT", "4", "ANY"},
      {"COUNT", "2", "ANY", "ASC", "WITHCOORD"},
      {"COUNT", "7", "ANY", "DESC"},
  };
  for (int q = 0; q < 160; ++q) {
    bool around_europe = q % 3 != 0;
    std::string x = fmt(around_europe ? 8 + near(rng) : lon(rng));
    std::string y = fmt(around_europe ? 45 + near(rng) / 2 : lat(rng));
    const char* unit = units[q % 4];
    double meters_per_unit = q % 4 == 0 ? 1 : q % 4 == 1 ? 1000 : q % 4 == 2 ? 1609.34 : 0.3048;
    std::string size = fmt(std::pow(10.0, 3 + unit01(rng) * 3.5) / meters_per_unit);
    std::string size2 = fmt(std::pow(10.0, 3 + unit01(rng) * 3.5) / meters_per_unit);
    const auto& opts = option_sets[static_cast<size_t>(q) % option_sets.size()];
    std::string member =
        q % 2 ? kCities[static_cast<size_t>(q) % std::size(kCities)].name : "p" + std::to_string(q * 4);
    std::vector<std::string> cmd;
    switch (q % 6) {
      case 0: cmd = {"GEOSEARCH", "g", "FROMLONLAT", x, y, "BYRADIUS", size, unit}; break;
      case 1: cmd = {"GEOSEARCH", "g", "FROMMEMBER", member, "BYBOX", size, size2, unit}; break;
      case 2: cmd = {"GEOSEARCH", "g", "BYBOX", size, size2, unit, "FROMLONLAT", x, y}; break;
      case 3: cmd = {"GEORADIUS", "g", x, y, size, unit}; break;
      case 4: cmd = {"GEORADIUSBYMEMBER", "g", member, size, unit}; break;
      case 5: cmd = {"GEORADIUS_RO", "g", x, y, size, unit}; break;
    }
    cmd.insert(cmd.end(), opts.begin(), opts.end());
    c.push_back(cmd);
  }
  // Searches around the cities, at the edges of the map, with zero and huge sizes.
  for (const City& city : kCities) {
    c.push_back({"GEOSEARCH", "g", "FROMMEMBER", city.name, "BYRADIUS", "500", "km", "WITHDIST", "ASC"});
    c.push_back(
        {"GEOSEARCH", "g", "FROMMEMBER", city.name, "BYBOX", "2000", "800", "km", "WITHCOORD", "DESC"});
    c.push_back({"GEORADIUSBYMEMBER_RO", "g", city.name, "0", "m", "WITHDIST"});
    c.push_back({"GEORADIUSBYMEMBER", "g", city.name, "3000", "mi", "COUNT", "3"});
  }
  c.push_back({"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "6000", "km", "ASC", "COUNT", "20"});
  c.push_back({"GEOSEARCH", "g", "FROMLONLAT", "179.9", "0", "BYBOX", "5000", "5000", "km", "ASC"});
  c.push_back({"GEOSEARCH", "g", "FROMLONLAT", "0", "85", "BYRADIUS", "1000", "km", "WITHDIST", "ASC"});
  c.push_back({"GEOSEARCH", "g", "FROMLONLAT", "10", "-85", "BYBOX", "0", "0", "m"});
  expect_same(p.redis.port, p.node.port, c);
}

TEST(Geo, StoreForms) {
  Pair p;
  if (!p.redis.available) GTEST_SKIP() << "redis-server not installed";
  Commands c = seed_commands(300);
  Commands more = {
      {"GEOSEARCHSTORE", "dst", "g", "FROMMEMBER", "Paris", "BYRADIUS", "800", "km"},
      {"ZRANGE", "dst", "0", "-1", "WITHSCORES"},
      {"GEOSEARCHSTORE", "dst", "g", "FROMMEMBER", "Paris", "BYRADIUS", "800", "km", "STOREDIST", "DESC",
       "COUNT", "5"},
      {"ZRANGE", "dst", "0", "-1", "WITHSCORES"},
      {"GEOSEARCHSTORE", "dst", "g", "FROMLONLAT", "8", "45", "BYBOX", "300", "200", "mi", "STOREDIST"},
      {"ZRANGE", "dst", "0", "-1", "WITHSCORES"},
      {"GEORADIUS", "g", "8", "45", "200", "km", "STORE", "dst2"},
      {"ZRANGE", "dst2", "0", "-1", "WITHSCORES"},
      {"GEORADIUS", "g", "8", "45", "200", "km", "STOREDIST", "dst2", "COUNT", "4"},
      {"ZRANGE", "dst2", "0", "-1", "WITHSCORES"},
      {"GEORADIUSBYMEMBER", "g", "Rome", "500", "km", "STORE", "dst3", "ASC"},
      {"ZRANGE", "dst3", "0", "-1", "WITHSCORES"},
      {"SET", "str", "x"},
      {"GEORADIUS", "g", "8", "45", "200", "km", "STORE", "str"},
      {"TYPE", "str"},
      // Empty results delete the destination.
      {"GEOSEARCHSTORE", "dst", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"},
      {"EXISTS", "dst"},
      {"GEORADIUS", "nokey", "0", "0", "1", "m", "STORE", "dst2"},
      {"EXISTS", "dst2"},
      {"GEORADIUSBYMEMBER", "nokey", "x", "bad", "unit", "STORE", "dst3"},
      {"EXISTS", "dst3"},
      {"GEOSEARCHSTORE", "dst4", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "m"},
      {"GEOSEARCHSTORE", "dst", "g", "FROMMEMBER", "Paris", "BYRADIUS", "800", "km", "WITHDIST"},
      {"GEORADIUS", "g", "8", "45", "200", "km", "STORE", "dst2", "WITHCOORD"},
      {"GEORADIUS_RO", "g", "8", "45", "200", "km", "STORE", "dst2"},
      {"GEORADIUSBYMEMBER_RO", "g", "Rome", "200", "km", "STOREDIST", "dst2"},
      {"GEOSEARCH", "g", "FROMMEMBER", "Rome", "BYRADIUS", "200", "km", "STORE", "dst2"},
      {"GEOSEARCH", "g", "FROMMEMBER", "Rome", "BYRADIUS", "200", "km", "STOREDIST"},
      {"GEOSEARCHSTORE", "g2", "g", "FROMMEMBER", "Rome", "BYRADIUS", "200", "km", "STOREDIST", "STOREDIST"},
      {"ZRANGE", "g2", "0", "-1", "WITHSCORES"},
  };
  c.insert(c.end(), more.begin(), more.end());
  expect_same(p.redis.port, p.node.port, c);
}

TEST(Geo, SearchErrors) {
  Pair p;
  if (!p.redis.available) GTEST_SKIP() << "redis-server not installed";
  Commands c = seed_commands(50);
  Commands more = {
      {"GEOSEARCH", "g", "FROMMEMBER", "nobody", "BYRADIUS", "1", "km"},
      {"GEOSEARCH", "g", "FROMLONLAT", "200", "0", "BYRADIUS", "1", "km"},
      {"GEOSEARCH", "g", "FROMLONLAT", "x", "0", "BYRADIUS", "1", "km"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "x", "km"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "-1", "km"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "yd"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "x", "1", "km"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "x", "km"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "-1", "1", "km"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "1", "yd"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "1"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "BYBOX", "1", "1", "km"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "FROMMEMBER", "Rome", "BYRADIUS", "1", "km"},
      {"GEOSEARCH", "g", "FROMMEMBER", "Rome", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"},
      {"GEOSEARCH", "g", "BYRADIUS", "1", "km", "ASC"},
      {"geosearch", "g", "BYRADIUS", "1", "km", "ASC"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "WITHDIST"},
      {"GeoSearch", "g", "FROMLONLAT", "0", "0", "ASC"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "COUNT", "0"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "COUNT", "-3"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "COUNT", "x"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "COUNT"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "ANY"},
      {"GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "BOGUS"},
      {"GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "km"},
      {"GEOSEARCH", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "ANY"},
      {"GEOSEARCH", "nokey", "FROMLONLAT", "0", "0"},
      {"GEOSEARCH", "g"},
      {"GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0"},
      {"GEOSEARCHSTORE", "d", "g", "BYRADIUS", "1", "km", "STOREDIST"},
      {"GEORADIUS", "g", "200", "0", "1", "km"},
      {"GEORADIUS", "g", "0", "x", "1", "km"},
      {"GEORADIUS", "g", "0", "0", "x", "km"},
      {"GEORADIUS", "g", "0", "0", "1", "yd"},
      {"GEORADIUS", "g", "0", "0", "1", "km", "FROMLONLAT", "0", "0"},
      {"GEORADIUS", "g", "0", "0", "1", "km", "STORE"},
      {"GEORADIUS", "g", "0", "0", "1", "km", "COUNT", "1", "ANY", "BYRADIUS", "1", "m"},
      {"GEORADIUS", "g", "0", "0", "1", "km", "ANY"},
      {"GEORADIUS", "nokey", "0", "0", "1", "km"},
      {"GEORADIUS", "nokey", "200", "0", "1", "km"},
      {"GEORADIUSBYMEMBER", "g", "nobody", "1", "km"},
      {"GEORADIUSBYMEMBER", "g", "Rome", "x", "km"},
      {"GEORADIUSBYMEMBER", "g", "Rome", "1", "lightyear"},
      {"GEORADIUSBYMEMBER", "nokey", "x", "bad", "unit"},
      {"GEORADIUSBYMEMBER", "nokey", "x", "1", "km", "BOGUS"},
      {"GEORADIUS", "g", "0", "0", "1"},
      {"GEORADIUSBYMEMBER", "g", "Rome", "1"},
      {"GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS"},
      {"SET", "str", "x"},
      {"GEOSEARCH", "str", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"},
      {"GEORADIUS", "str", "200", "0", "1", "km"},
      {"GEORADIUSBYMEMBER", "str", "x", "1", "km"},
      {"GEOSEARCHSTORE", "d", "str", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"},
  };
  c.insert(c.end(), more.begin(), more.end());
  expect_same(p.redis.port, p.node.port, c);
}

TEST(Geo, Resp3Replies) {
  Pair p;
  if (!p.redis.available) GTEST_SKIP() << "redis-server not installed";
  rawresp::Conn theirs(p.redis.port), ours(p.node.port);
  theirs.command({"HELLO", "3"});
  if (ours.command({"HELLO", "3"}).rfind("-NOPROTO", 0) == 0)
    GTEST_SKIP() << "this build does not speak RESP3 yet";
  Commands c = seed_commands(100);
  Commands more = {
      {"GEOPOS", "g", "Palermo", "missing", "Origin"},
      {"GEOHASH", "g", "Palermo", "missing"},
      {"GEODIST", "g", "Palermo", "Catania", "km"},
      {"GEODIST", "g", "Palermo", "missing"},
      {"GEOSEARCH", "g", "FROMMEMBER", "Rome", "BYRADIUS", "700", "km", "ASC", "WITHCOORD", "WITHDIST",
       "WITHHASH"},
      {"GEORADIUS", "g", "8", "45", "100", "km", "DESC", "WITHCOORD"},
  };
  c.insert(c.end(), more.begin(), more.end());
  for (const auto& cmd : c) {
    std::string a = theirs.command(cmd), b = ours.command(cmd);
    EXPECT_EQ(a, b) << cmd[0];
  }
}

TEST(Geo, GeoaddPropagatesAsZadd) {
  Datanode node("appendonly = true\nappendfsync = \"always\"");
  rawresp::Conn c(node.port);
  EXPECT_EQ(c.command({"GEOADD", "Sicily", "CH", "13.361389", "38.115556", "Palermo"}), ":1\r\n");
  EXPECT_EQ(c.command({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo"}), ":0\r\n");
  std::string aof;
  bool found = harness::eventually(
      [&] {
        aof = harness::run("cat $(find " + node.dir.path() +
                           " -name '*.aof*' ! -name '*manifest*') 2>/dev/null");
        return aof.find("ZADD") != std::string::npos;
      },
      std::chrono::milliseconds(5000));
  ASSERT_TRUE(found) << aof;
  EXPECT_NE(
      aof.find(
          "*5\r\n$4\r\nZADD\r\n$6\r\nSicily\r\n$2\r\nCH\r\n$16\r\n3479099956230698\r\n$7\r\nPalermo\r\n"),
      std::string::npos)
      << aof;
  EXPECT_EQ(aof.find("GEOADD"), std::string::npos) << aof;
}
