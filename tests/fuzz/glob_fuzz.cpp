// libFuzzer target for util::glob_match (KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET, CLIENT filters and
// the sentinel all use it). Input: one control byte (bit 0: nocase; the rest: where the pattern ends),
// then pattern and subject. Every input must finish fast (run.sh gives each input a 10 s budget; the
// matcher is bounded by pattern x subject steps) and, when both are short enough for the exponential
// reference matcher, agree with it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/util/strings.h"
#include "tests/fuzz/glob_reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool nocase = data[0] & 1;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t split = rest.empty() ? 0 : (data[0] >> 1) % (rest.size() + 1);
  std::string_view pattern = rest.substr(0, split), subject = rest.substr(split);
  bool got = util::glob_match(pattern, subject, nocase);
  if (pattern.size() <= 10 && subject.size() <= 12 &&
      got != glob_reference::match(pattern, subject, nocase)) {
    std::fprintf(stderr, "invariant failed: glob_match disagrees with the reference\n");
    std::abort();
  }
  return 0;
}
