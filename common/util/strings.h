// Text helpers with Redis' exact rules: what counts as an integer or a float, how numbers are printed,
// case-insensitive names and glob-style patterns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace util {

// Strict integer parse as Redis' string2ll: no spaces, no '+', no leading zeros, fits in int64.
std::optional<int64_t> parse_int(std::string_view s);
// Float parse as Redis' string2d/strtold checks: whole string, no spaces, not NaN. Accepts inf/-inf.
std::optional<double> parse_double(std::string_view s);
std::optional<long double> parse_long_double(std::string_view s);

// "%.17g" like Redis for scores and float replies; "inf"/"-inf" for infinities.
std::string format_double(double value);
// Human-friendly long double as INCRBYFLOAT prints it (no exponent, trailing zeros trimmed).
std::string format_long_double(long double value);

bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);

// Redis glob: * ? [abc] [^a] [a-z] and \ escapes.
bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

// Offset of the first byte that is not part of well-formed UTF-8 (no overlongs, no surrogates, at most
// U+10FFFF), or npos when the whole text is valid. toml11 must only ever see valid UTF-8.
size_t invalid_utf8_offset(std::string_view s);

// Memory sizes as in redis.conf: "64mb", "1gb", "512k", plain bytes.
std::optional<int64_t> parse_memory(std::string_view s);

}  // namespace util
