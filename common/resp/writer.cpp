#include "common/resp/writer.h"

#include <charconv>
#include <cmath>

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

void Writer::null() { out_->append(protocol_ >= 3 ? "_\r\n" : "$-1\r\n"); }
void Writer::null_array() { out_->append(protocol_ >= 3 ? "_\r\n" : "*-1\r\n"); }
void Writer::array_header(size_t n) { header('*', static_cast<int64_t>(n)); }

void Writer::map_header(size_t pairs) {
  if (protocol_ >= 3) {
    header('%', static_cast<int64_t>(pairs));
  } else {
    header('*', static_cast<int64_t>(pairs * 2));
  }
}

void Writer::set_header(size_t n) { header(protocol_ >= 3 ? '~' : '*', static_cast<int64_t>(n)); }
void Writer::push_header(size_t n) { header(protocol_ >= 3 ? '>' : '*', static_cast<int64_t>(n)); }

void Writer::attribute_header(size_t pairs) {
  if (protocol_ >= 3) header('|', static_cast<int64_t>(pairs));
}

void Writer::double_value(double v) {
  if (protocol_ < 3) {
    bulk(util::format_double(v));
    return;
  }
  out_->push_back(',');
  if (std::isnan(v)) {
    out_->append("nan");
  } else {
    out_->append(util::format_double(v));  // "inf" / "-inf" spelled as RESP3 wants them
  }
  out_->append("\r\n");
}

void Writer::boolean(bool v) {
  if (protocol_ >= 3) {
    out_->append(v ? "#t\r\n" : "#f\r\n");
  } else {
    out_->append(v ? ":1\r\n" : ":0\r\n");
  }
}

void Writer::big_number(std::string_view digits) {
  if (protocol_ < 3) {
    bulk(digits);
    return;
  }
  out_->push_back('(');
  out_->append(digits);
  out_->append("\r\n");
}

void Writer::verbatim(std::string_view s, std::string_view format) {
  if (protocol_ < 3) {
    bulk(s);
    return;
  }
  header('=', static_cast<int64_t>(s.size() + format.size() + 1));
  out_->append(format);
  out_->push_back(':');
  out_->append(s);
  out_->append("\r\n");
}

}  // namespace resp
