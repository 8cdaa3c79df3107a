// Incremental RESP request parser: multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline (`GET k\n`)
// requests, resumable at any byte boundary. Arguments of multibulk requests are views into the caller's
// buffer; inline arguments that needed unquoting live in the parser.
//
// Contract: call parse() with the unconsumed bytes (same start, possibly more data appended, possibly a
// different address after the caller's buffer grew) until it returns kCommand or kError. After
// kCommand, args() stays valid until the next parse() or until the caller moves/frees its buffer; the
// caller drops consumed() bytes from the front and calls parse() again for the next pipelined request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace resp {

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  int64_t max_multibulk_len = 1024LL * 1024 * 1024;
  size_t max_inline_len = 64 * 1024;
  // Before AUTH (when a password is required) Redis takes at most 10 arguments of at most 16 KB each, so
  // a stranger cannot make the server buffer a request of any size.
  bool unauthenticated = false;
};

inline constexpr int64_t kUnauthenticatedMaxMultibulk = 10;
inline constexpr int64_t kUnauthenticatedMaxBulk = 16384;

class RequestParser {
 public:
  enum class Status { kNeedMore, kCommand, kError };

  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

  Status parse(std::string_view buf);

  const std::vector<std::string_view>& args() const { return args_; }
  size_t consumed() const { return consumed_; }
  // Redis' text, e.g. "Protocol error: invalid multibulk length" (without the leading "ERR ").
  const std::string& error() const { return error_; }
  // While a large bulk is being read: how many more bytes the current request needs at least.
  size_t bytes_wanted() const { return wanted_; }
  void set_limits(ParserLimits limits) { limits_ = limits; }
  void set_unauthenticated(bool on) { limits_.unauthenticated = on; }
  void reset();

 private:
  Status parse_inline(std::string_view buf);
  Status parse_multibulk(std::string_view buf);
  Status fail(std::string message);

  ParserLimits limits_;
  // Resumable multibulk state, kept as offsets so the caller may reallocate its buffer between calls.
  bool in_multibulk_ = false;
  size_t pos_ = 0;         // next byte to look at in the current request
  int64_t remaining_ = 0;  // bulks still to read
  int64_t bulk_len_ = -1;  // length of the bulk being read, -1 before its header
  std::vector<std::pair<size_t, size_t>> offsets_;
  std::vector<std::string_view> args_;
  std::vector<std::string> inline_storage_;
  size_t consumed_ = 0;
  size_t wanted_ = 0;
  std::string error_;
};

// Splits an inline command line like Redis' sdssplitargs: spaces separate, "double quotes" take \n \r \t
// \b \a \\ \" \xHH escapes, 'single quotes' take \'. Returns false on unbalanced quotes.
bool split_inline_args(std::string_view line, std::vector<std::string>* out);

}  // namespace resp
