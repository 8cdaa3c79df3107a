#include "common/resp/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using Status = resp::RequestParser::Status;

std::vector<std::string> to_strings(const std::vector<std::string_view>& v) {
  return {v.begin(), v.end()};
}

// Feeds `input` all at once and returns every parsed request.
std::vector<std::vector<std::string>> parse_all(const std::string& input, std::string* error = nullptr) {
  resp::RequestParser p;
  std::vector<std::vector<std::string>> out;
  std::string_view rest = input;
  while (!rest.empty()) {
    Status s = p.parse(rest);
    if (s == Status::kNeedMore) break;
    if (s == Status::kError) {
      if (error) *error = p.error();
      break;
    }
    if (!p.args().empty()) out.push_back(to_strings(p.args()));
    rest.remove_prefix(p.consumed());
  }
  return out;
}

TEST(RespParser, Multibulk) {
  auto reqs = parse_all("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0], (std::vector<std::string>{"SET", "k", "hello"}));
}

TEST(RespParser, Inline) {
  auto reqs = parse_all("SET k \"a b\\x41\\n\" 'it\\'s'\r\nPING\n");
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0], (std::vector<std::string>{"SET", "k", "a bA\n", "it's"}));
  EXPECT_EQ(reqs[1], (std::vector<std::string>{"PING"}));
}

TEST(RespParser, EmptyLinesAndEmptyMultibulkAreSkipped) {
  auto reqs = parse_all("\r\n\n*0\r\n*-1\r\nPING\r\n");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0][0], "PING");
}

TEST(RespParser, BinarySafeWithNul) {
  std::string payload("a\0b\r\nc", 6);
  std::string req = "*2\r\n$4\r\nECHO\r\n$6\r\n" + payload + "\r\n";
  auto reqs = parse_all(req);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0][1], payload);
}

TEST(RespParser, PipelineSplitAtEveryByte) {
  std::string pipeline;
  for (int i = 0; i < 5; ++i)
    pipeline += "*3\r\n$3\r\nSET\r\n$" + std::to_string(std::to_string(i).size()) + "\r\n" + std::to_string(i) +
                "\r\n$10\r\n0123456789\r\n";
  pipeline += "GET 4\r\n";
  for (size_t split = 0; split <= pipeline.size(); ++split) {
    resp::RequestParser p;
    std::string buf;
    std::vector<std::vector<std::string>> got;
    auto drain = [&] {
      while (!buf.empty()) {
        Status s = p.parse(buf);
        ASSERT_NE(s, Status::kError) << "split " << split << ": " << p.error();
        if (s == Status::kNeedMore) return;
        if (!p.args().empty()) got.push_back(to_strings(p.args()));
        buf.erase(0, p.consumed());
      }
    };
    buf += pipeline.substr(0, split);
    drain();
    // The buffer is a fresh std::string each time it grows: offsets, not pointers, must carry over.
    buf += pipeline.substr(split);
    drain();
    ASSERT_EQ(got.size(), 6u) << "split at " << split;
    EXPECT_EQ(got[4], (std::vector<std::string>{"SET", "4", "0123456789"}));
    EXPECT_EQ(got[5], (std::vector<std::string>{"GET", "4"}));
  }
}

TEST(RespParser, ByteByByte) {
  std::string req = "*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n";
  resp::RequestParser p;
  std::string buf;
  for (size_t i = 0; i < req.size(); ++i) {
    buf.push_back(req[i]);
    Status s = p.parse(buf);
    if (i + 1 < req.size()) ASSERT_EQ(s, Status::kNeedMore) << i;
    else ASSERT_EQ(s, Status::kCommand);
  }
  EXPECT_EQ(to_strings(p.args()), (std::vector<std::string>{"ECHO", "abc"}));
}

struct BadInput {
  std::string input;
  std::string error;
};

class RespParserErrors : public ::testing::TestWithParam<BadInput> {};

TEST_P(RespParserErrors, GivesRedisErrorText) {
  std::string err;
  parse_all(GetParam().input, &err);
  EXPECT_EQ(err, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    All, RespParserErrors,
    ::testing::Values(
        BadInput{"*abc\r\n", "Protocol error: invalid multibulk length"},
        BadInput{"*1\r\n$abc\r\n", "Protocol error: invalid bulk length"},
        BadInput{"*1\r\n$-5\r\n", "Protocol error: invalid bulk length"},
        BadInput{"*1\r\n$600000000\r\n", "Protocol error: invalid bulk length"},
        BadInput{"*2000000000\r\n", "Protocol error: invalid multibulk length"},
        BadInput{"*1\r\n:1\r\n", "Protocol error: expected '$', got ':'"},
        BadInput{"*1\r\n$3\r\nabcXY", "Protocol error: expected CRLF after bulk"},
        BadInput{"SET \"unterminated\r\n", "Protocol error: unbalanced quotes in request"},
        BadInput{std::string(70000, 'a'), "Protocol error: too big inline request"},
        BadInput{"*" + std::string(70000, '1'), "Protocol error: too big mbulk count string"}));

TEST(RespParser, OffsetsSurviveLargeBulkArrivingInPieces) {
  std::string value(1 << 20, 'x');
  std::string req = "*2\r\n$4\r\nECHO\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  resp::RequestParser p;
  std::string buf;
  size_t chunk = 16384;
  Status s = Status::kNeedMore;
  for (size_t off = 0; off < req.size(); off += chunk) {
    buf += req.substr(off, chunk);
    s = p.parse(buf);
    if (s != Status::kNeedMore) break;
    EXPECT_GT(p.bytes_wanted() + buf.size(), 0u);
  }
  ASSERT_EQ(s, Status::kCommand);
  EXPECT_EQ(p.args()[1].size(), value.size());
  EXPECT_EQ(p.consumed(), req.size());
}

}  // namespace
