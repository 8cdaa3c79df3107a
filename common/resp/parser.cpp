#include "common/resp/parser.h"

#include <cstring>

#include "common/util/strings.h"

namespace resp {
namespace {
// Longest header line ("*123\r\n", "$456\r\n") we wait for before calling it garbage, as Redis.
constexpr size_t kMaxHeaderLine = 64 * 1024;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

void RequestParser::reset() {
  in_multibulk_ = false;
  pos_ = 0;
  remaining_ = 0;
  bulk_len_ = -1;
  offsets_.clear();
  consumed_ = 0;
  wanted_ = 0;
}

RequestParser::Status RequestParser::fail(std::string message) {
  error_ = std::move(message);
  return Status::kError;
}

RequestParser::Status RequestParser::parse(std::string_view buf) {
  args_.clear();
  consumed_ = 0;
  if (!in_multibulk_) {
    // Skip empty lines between requests, as a telnet user might send.
    if (buf.empty()) return Status::kNeedMore;
    if (buf[0] != '*') return parse_inline(buf);
    in_multibulk_ = true;
    pos_ = 0;
  }
  return parse_multibulk(buf);
}

RequestParser::Status RequestParser::parse_inline(std::string_view buf) {
  size_t nl = buf.find('\n');
  if (nl == std::string_view::npos) {
    if (buf.size() > limits_.max_inline_len) return fail("Protocol error: too big inline request");
    return Status::kNeedMore;
  }
  std::string_view line = buf.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  inline_storage_.clear();
  if (!split_inline_args(line, &inline_storage_)) return fail("Protocol error: unbalanced quotes in request");
  for (const std::string& a : inline_storage_) args_.emplace_back(a);
  consumed_ = nl + 1;
  // An empty line is a no-op request: report it as a command with no arguments.
  return Status::kCommand;
}

RequestParser::Status RequestParser::parse_multibulk(std::string_view buf) {
  if (pos_ == 0) {
    size_t cr = buf.find('\r');
    if (cr == std::string_view::npos) {
      if (buf.size() > kMaxHeaderLine) return fail("Protocol error: too big mbulk count string");
      return Status::kNeedMore;
    }
    if (cr + 1 >= buf.size()) return Status::kNeedMore;  // wait for the '\n'
    if (buf[cr + 1] != '\n') return fail("Protocol error: invalid multibulk length");
    auto count = util::parse_int(buf.substr(1, cr - 1));
    if (!count || *count > limits_.max_multibulk_len) return fail("Protocol error: invalid multibulk length");
    if (limits_.unauthenticated && *count > kUnauthenticatedMaxMultibulk)
      return fail("Protocol error: unauthenticated multibulk length");
    pos_ = cr + 2;
    if (*count <= 0) {  // "*0\r\n" and "*-1\r\n": nothing to run
      consumed_ = pos_;
      in_multibulk_ = false;
      pos_ = 0;
      return Status::kCommand;
    }
    remaining_ = *count;
    bulk_len_ = -1;
    offsets_.clear();
    offsets_.reserve(static_cast<size_t>(std::min<int64_t>(*count, 1024)));
  }

  while (remaining_ > 0) {
    if (bulk_len_ < 0) {
      if (pos_ >= buf.size()) return Status::kNeedMore;
      if (buf[pos_] != '$') return fail(std::string("Protocol error: expected '$', got '") + buf[pos_] + "'");
      size_t cr = buf.find('\r', pos_);
      if (cr == std::string_view::npos) {
        if (buf.size() - pos_ > kMaxHeaderLine) return fail("Protocol error: too big bulk count string");
        return Status::kNeedMore;
      }
      if (cr + 1 >= buf.size()) return Status::kNeedMore;
      auto len = util::parse_int(buf.substr(pos_ + 1, cr - pos_ - 1));
      if (buf[cr + 1] != '\n' || !len || *len < 0 || *len > limits_.max_bulk_len)
        return fail("Protocol error: invalid bulk length");
      if (limits_.unauthenticated && *len > kUnauthenticatedMaxBulk)
        return fail("Protocol error: unauthenticated bulk length");
      bulk_len_ = *len;
      pos_ = cr + 2;
    }
    size_t need = pos_ + static_cast<size_t>(bulk_len_) + 2;
    if (buf.size() < need) {
      wanted_ = need - buf.size();
      return Status::kNeedMore;
    }
    if (buf[need - 2] != '\r' || buf[need - 1] != '\n')
      return fail("Protocol error: expected CRLF after bulk");
    offsets_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ = need;
    bulk_len_ = -1;
    --remaining_;
  }

  args_.reserve(offsets_.size());
  for (auto [off, len] : offsets_) args_.emplace_back(buf.data() + off, len);
  consumed_ = pos_;
  in_multibulk_ = false;
  pos_ = 0;
  wanted_ = 0;
  return Status::kCommand;
}

bool split_inline_args(std::string_view line, std::vector<std::string>* out) {
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= n) return true;
    std::string cur;
    bool in_dq = false, in_sq = false, done = false;
    while (!done) {
      if (in_dq) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' && hex_value(line[i + 2]) >= 0 &&
            hex_value(line[i + 3]) >= 0) {
          cur.push_back(static_cast<char>(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3])));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          ++i;
          char c = line[i];
          switch (c) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'b': c = '\b'; break;
            case 'a': c = '\a'; break;
            default: break;
          }
          cur.push_back(c);
        } else if (line[i] == '"') {
          // A closing quote must be followed by a space or the end.
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur.push_back(line[i]);
        }
      } else if (in_sq) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          cur.push_back('\'');
        } else if (line[i] == '\'') {
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur.push_back(line[i]);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        char c = line[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0') {
          done = true;
        } else if (c == '"') {
          in_dq = true;
        } else if (c == '\'') {
          in_sq = true;
        } else {
          cur.push_back(c);
        }
      }
      if (i < n) ++i;
    }
    out->push_back(std::move(cur));
  }
}

}  // namespace resp
