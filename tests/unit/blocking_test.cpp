// Blocking timeouts parsed as Redis 7.0 does: seconds as a float, truncated to milliseconds, 0 meaning
// forever, and values a long long cannot hold reported as negative (what the x86 conversion yields).
#include <gtest/gtest.h>

#include "datanode/server/blocking.h"

namespace {

struct Parsed {
  bool ok;
  int64_t ms;
  std::string reply;
};

Parsed parse(std::string_view arg) {
  std::string out;
  resp::Writer w(&out);
  int64_t ms = -42;
  bool ok = datanode::parse_block_timeout(arg, w, ms);
  return {ok, ms, out};
}

}  // namespace

TEST(BlockTimeout, SecondsToMilliseconds) {
  EXPECT_EQ(parse("0").ms, 0);
  EXPECT_EQ(parse("1").ms, 1000);
  EXPECT_EQ(parse("0.25").ms, 250);
  EXPECT_EQ(parse("1e3").ms, 1000000);
  EXPECT_TRUE(parse("0.0001").ok);  // rounds up to 1 ms, as Redis 7.0.15's ceill
  EXPECT_EQ(parse("0.0001").ms, 1);
  EXPECT_EQ(parse("0.001").ms, 1);
  EXPECT_EQ(parse("-0.0001").ms, 0);  // ceil(-0.1) is 0: waits forever, as in Redis
}

TEST(BlockTimeout, Errors) {
  EXPECT_EQ(parse("abc").reply, "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(parse(" 1").reply, "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(parse("").reply, "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(parse("-1").reply, "-ERR timeout is negative\r\n");
  EXPECT_EQ(parse("inf").reply, "-ERR timeout is negative\r\n");
  EXPECT_EQ(parse("1e100").reply, "-ERR timeout is negative\r\n");
  EXPECT_FALSE(parse("-inf").ok);
}
