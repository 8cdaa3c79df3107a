// The textbook glob matcher with Redis' rules (* ? [abc] [^a] [a-z] \x, nocase), exponential on
// purpose: the oracle util::glob_match is checked against on small inputs (unit test, glob fuzz target).
#pragma once

#include <cctype>
#include <string_view>
#include <utility>

namespace glob_reference {

inline bool match(std::string_view p, std::string_view s, bool nocase) {
  auto eq = [&](char a, char b) {
    return nocase ? tolower(static_cast<unsigned char>(a)) == tolower(static_cast<unsigned char>(b)) : a == b;
  };
  if (p.empty()) return s.empty();
  if (p[0] == '*') {
    for (size_t k = 0; k <= s.size(); ++k)
      if (match(p.substr(1), s.substr(k), nocase)) return true;
    return false;
  }
  if (s.empty()) return false;
  if (p[0] == '?') return match(p.substr(1), s.substr(1), nocase);
  if (p[0] == '[') {
    size_t i = 1;
    bool negate = i < p.size() && p[i] == '^';
    if (negate) ++i;
    bool in_class = false;
    while (i < p.size() && p[i] != ']') {
      if (p[i] == '\\' && p.size() - i >= 2) {
        ++i;
        in_class |= p[i] == s[0];
      } else if (p.size() - i >= 3 && p[i + 1] == '-') {
        int lo = static_cast<unsigned char>(p[i]), hi = static_cast<unsigned char>(p[i + 2]);
        int c = static_cast<unsigned char>(s[0]);
        if (nocase) lo = tolower(lo), hi = tolower(hi), c = tolower(c);
        if (lo > hi) std::swap(lo, hi);
        in_class |= c >= lo && c <= hi;
        i += 2;
      } else {
        in_class |= eq(p[i], s[0]);
      }
      ++i;
    }
    if (i < p.size()) ++i;
    return in_class != negate && match(p.substr(i), s.substr(1), nocase);
  }
  if (p[0] == '\\' && p.size() >= 2) return eq(p[1], s[0]) && match(p.substr(2), s.substr(1), nocase);
  return eq(p[0], s[0]) && match(p.substr(1), s.substr(1), nocase);
}

}  // namespace glob_reference
