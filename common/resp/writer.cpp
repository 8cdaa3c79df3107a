#include "common/resp/writer.h"

#include <charconv>

#include "common/util/strings.h"

namespace resp {

void Writer::header(char type, int64_t n) {
  char buf[32];
  buf[0] = type;
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof buf - 2, n);
  (void)ec;
  *end++ = '\r';
  *end++ = '\n';
  out_->append(buf, static_cast<size_t>(end - buf));
}

void Writer::simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n");
}

void Writer::error(std::string_view s) {
  out_->push_back('-');
  // Error lines cannot carry CR/LF: replace them like Redis does.
  for (char c : s) out_->push_back(c == '\r' || c == '\n' ? ' ' : c);
  out_->append("\r\n");
}

void Writer::integer(int64_t v) { header(':', v); }

void Writer::bulk(std::string_view s) {
  header('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n");
}

void Writer::null() { out_->append("$-1\r\n"); }
void Writer::null_array() { out_->append("*-1\r\n"); }
void Writer::array_header(size_t n) { header('*', static_cast<int64_t>(n)); }
void Writer::map_header(size_t pairs) { header('*', static_cast<int64_t>(pairs * 2)); }
void Writer::double_value(double v) { bulk(util::format_double(v)); }

}  // namespace resp
