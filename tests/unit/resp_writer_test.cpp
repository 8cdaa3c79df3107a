// resp::Writer: each semantic reply in RESP2 and RESP3, as Redis 7's addReply* functions encode them;
// and util::parse_double on the edges Redis' string2d draws (denormals in, overflow and underflow out).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "common/resp/writer.h"
#include "common/util/strings.h"

namespace {

template <typename F>
std::string encode(int protocol, F f) {
  std::string out;
  resp::Writer w(&out);
  w.set_protocol(protocol);
  f(w);
  return out;
}

TEST(RespWriter, TypedRepliesInBothProtocols) {
  struct Case {
    std::function<void(resp::Writer&)> write;
    std::string resp2, resp3;
  };
  std::vector<Case> cases = {
      {[](resp::Writer& w) { w.null(); }, "$-1\r\n", "_\r\n"},
      {[](resp::Writer& w) { w.null_array(); }, "*-1\r\n", "_\r\n"},
      {[](resp::Writer& w) { w.map_header(2); }, "*4\r\n", "%2\r\n"},
      {[](resp::Writer& w) { w.map_header(0); }, "*0\r\n", "%0\r\n"},
      {[](resp::Writer& w) { w.set_header(3); }, "*3\r\n", "~3\r\n"},
      {[](resp::Writer& w) { w.push_header(3); }, "*3\r\n", ">3\r\n"},
      {[](resp::Writer& w) { w.double_value(2.5); }, "$3\r\n2.5\r\n", ",2.5\r\n"},
      {[](resp::Writer& w) { w.double_value(1); }, "$1\r\n1\r\n", ",1\r\n"},
      {[](resp::Writer& w) { w.double_value(std::numeric_limits<double>::infinity()); }, "$3\r\ninf\r\n",
       ",inf\r\n"},
      {[](resp::Writer& w) { w.double_value(-std::numeric_limits<double>::infinity()); }, "$4\r\n-inf\r\n",
       ",-inf\r\n"},
      {[](resp::Writer& w) { w.double_value(0.1); }, "$19\r\n0.10000000000000001\r\n",
       ",0.10000000000000001\r\n"},
      {[](resp::Writer& w) { w.boolean(true); }, ":1\r\n", "#t\r\n"},
      {[](resp::Writer& w) { w.boolean(false); }, ":0\r\n", "#f\r\n"},
      {[](resp::Writer& w) { w.big_number("12345678901234567890"); }, "$20\r\n12345678901234567890\r\n",
       "(12345678901234567890\r\n"},
      {[](resp::Writer& w) { w.verbatim("a\nb"); }, "$3\r\na\nb\r\n", "=7\r\ntxt:a\nb\r\n"},
      {[](resp::Writer& w) { w.array_header(2); }, "*2\r\n", "*2\r\n"},
      {[](resp::Writer& w) { w.bulk("x"); }, "$1\r\nx\r\n", "$1\r\nx\r\n"},
      {[](resp::Writer& w) { w.integer(-7); }, ":-7\r\n", ":-7\r\n"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(encode(2, c.write), c.resp2);
    EXPECT_EQ(encode(3, c.write), c.resp3);
  }
  // Attributes do not exist in RESP2: nothing is written.
  EXPECT_EQ(encode(2, [](resp::Writer& w) { w.attribute_header(1); }), "");
  EXPECT_EQ(encode(3, [](resp::Writer& w) { w.attribute_header(1); }), "|1\r\n");
}

TEST(RespWriter, ProtocolCanChangeBetweenReplies) {
  std::string out;
  resp::Writer w(&out);
  w.null();
  w.set_protocol(3);
  w.null();
  w.set_protocol(2);
  w.null();
  EXPECT_EQ(out, "$-1\r\n_\r\n$-1\r\n");
}

TEST(ParseDouble, DenormalsAcceptedOverflowAndUnderflowRefused) {
  auto denormal = util::parse_double("9.8813129168249309e-323");
  ASSERT_TRUE(denormal.has_value());
  EXPECT_GT(*denormal, 0);
  EXPECT_EQ(std::fpclassify(*denormal), FP_SUBNORMAL);
  EXPECT_TRUE(util::parse_double("-4.9406564584124654e-324").has_value());
  EXPECT_FALSE(util::parse_double("1e999").has_value());
  EXPECT_FALSE(util::parse_double("-1e999").has_value());
  EXPECT_FALSE(util::parse_double("1e-999").has_value());
  EXPECT_TRUE(util::parse_double("inf").has_value());
  EXPECT_TRUE(util::parse_double("-inf").has_value());
  EXPECT_TRUE(util::parse_double("0").has_value());
  EXPECT_TRUE(util::parse_double("0e-999").has_value());  // exactly zero: no ERANGE
  EXPECT_FALSE(util::parse_double("nan").has_value());
  EXPECT_FALSE(util::parse_double(" 1").has_value());
  EXPECT_FALSE(util::parse_double("1x").has_value());
  EXPECT_FALSE(util::parse_double("").has_value());
  EXPECT_TRUE(util::parse_long_double("1e-4940").has_value());  // long double denormal
  EXPECT_FALSE(util::parse_long_double("1e99999").has_value());
}

}  // namespace
