#include "common/util/strings.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace util {

std::optional<int64_t> parse_int(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (s.size() == 1) return std::nullopt;
  }
  if (s[i] == '0') {
    if (s.size() == 1) return 0;
    return std::nullopt;  // leading zero, or "-0"
  }
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - v);
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(v);
}

namespace {
template <typename T, typename F>
std::optional<T> parse_float_with(std::string_view s, F conv) {
  if (s.empty() || s.size() >= 5000) return std::nullopt;
  if (isspace(static_cast<unsigned char>(s[0]))) return std::nullopt;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  T v = conv(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return std::nullopt;
  if (std::isnan(v)) return std::nullopt;
  // As Redis' string2d: overflow (to +-inf) and underflow to zero are refused; a denormal result
  // (ERANGE too) is a valid value.
  if (errno == ERANGE && (std::isinf(v) || v == 0)) return std::nullopt;
  return v;
}
}  // namespace

std::optional<double> parse_double(std::string_view s) {
  return parse_float_with<double>(s, [](const char* p, char** e) { return strtod(p, e); });
}

std::optional<long double> parse_long_double(std::string_view s) {
  return parse_float_with<long double>(s, [](const char* p, char** e) { return strtold(p, e); });
}

std::string format_double(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  int n = snprintf(buf, sizeof buf, "%.17g", value);
  return std::string(buf, static_cast<size_t>(n));
}

std::string format_long_double(long double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[5600];
  int n = snprintf(buf, sizeof buf, "%.17Lf", value);
  std::string out(buf, static_cast<size_t>(n));
  if (out.find('.') != std::string::npos) {
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.pop_back();
  }
  if (out == "-0") out = "0";
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (tolower(static_cast<unsigned char>(a[i])) != tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return out;
}

namespace {
unsigned char fold(char c, bool nocase) {
  auto u = static_cast<unsigned char>(c);
  return nocase ? static_cast<unsigned char>(tolower(u)) : u;
}

// One character class at pattern[i] == '[': whether c is in it, with i moved past the closing ']' (an
// unterminated class ends at the end of the pattern, as in Redis).
bool match_class(std::string_view p, size_t& i, char c, bool nocase) {
  ++i;
  bool negate = i < p.size() && p[i] == '^';
  if (negate) ++i;
  bool match = false;
  while (i < p.size() && p[i] != ']') {
    if (p[i] == '\\' && p.size() - i >= 2) {
      ++i;
      if (p[i] == c) match = true;  // Redis compares escaped class members exactly, even with nocase
    } else if (p.size() - i >= 3 && p[i + 1] == '-') {
      int start = fold(p[i], nocase), end = fold(p[i + 2], nocase), ch = fold(c, nocase);
      if (start > end) std::swap(start, end);
      if (ch >= start && ch <= end) match = true;
      i += 2;
    } else if (fold(p[i], nocase) == fold(c, nocase)) {
      match = true;
    }
    ++i;
  }
  if (i < p.size()) ++i;  // the ']'
  return match != negate;
}
}  // namespace

// Every token but '*' consumes exactly one character, so on a mismatch only the last '*' needs to be
// retried one character further on: earlier stars can never do better (a longer match for them leaves
// less text for the same rest of the pattern). That bounds the work by pattern length x text length
// (Redis fixed exponential backtracking in its matcher as CVE-2022-36021).
bool glob_match(std::string_view pattern, std::string_view text, bool nocase) {
  const size_t plen = pattern.size();
  size_t pi = 0, si = 0;
  size_t star_pi = std::string_view::npos, star_si = 0;
  while (si < text.size()) {
    if (pi < plen) {
      char pc = pattern[pi];
      if (pc == '*') {
        while (pi + 1 < plen && pattern[pi + 1] == '*') ++pi;
        star_pi = pi++;
        star_si = si;
        continue;
      }
      size_t next = pi + 1;
      bool ok;
      if (pc == '?') {
        ok = true;
      } else if (pc == '[') {
        next = pi;
        ok = match_class(pattern, next, text[si], nocase);
      } else {
        size_t lit = pi;
        if (pc == '\\' && pi + 1 < plen) next = ++lit + 1;
        ok = fold(pattern[lit], nocase) == fold(text[si], nocase);
      }
      if (ok) {
        pi = next;
        ++si;
        continue;
      }
    }
    if (star_pi == std::string_view::npos) return false;
    pi = star_pi + 1;
    si = ++star_si;
  }
  while (pi < plen && pattern[pi] == '*') ++pi;
  return pi == plen;
}

size_t invalid_utf8_offset(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if ((b & 0xE0) == 0xC0) {
      len = 2;
      cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3;
      cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4;
      cp = b & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (c & 0x3F);
    }
    static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::optional<int64_t> parse_memory(std::string_view s) {
  std::string lower = to_lower(s);
  struct Unit {
    const char* suffix;
    int64_t mul;
  };
  static const Unit kUnits[] = {{"gb", 1LL << 30}, {"mb", 1LL << 20}, {"kb", 1LL << 10},
                                {"g", 1000000000LL}, {"m", 1000000LL}, {"k", 1000LL}, {"b", 1}};
  int64_t mul = 1;
  std::string_view digits = lower;
  for (const Unit& u : kUnits) {
    size_t n = strlen(u.suffix);
    if (digits.size() > n && digits.substr(digits.size() - n) == u.suffix) {
      mul = u.mul;
      digits = digits.substr(0, digits.size() - n);
      break;
    }
  }
  auto v = parse_int(digits);
  if (!v || *v < 0 || *v > INT64_MAX / mul) return std::nullopt;
  return *v * mul;
}

}  // namespace util
