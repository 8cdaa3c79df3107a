// libFuzzer target for the stream ID parser (datanode/types/stream.h) as XADD, XRANGE, XREAD, XCLAIM and
// friends meet it in client arguments. Invariants: no crash; a parsed "<ms>-<seq>" prints back to the
// same digits; the exclusive-range step (incr/decr) round-trips except at the ends of the ID space.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "datanode/types/stream.h"

namespace {

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (bool strict : {false, true}) {
    bool seq_given = true;
    auto id = stream::parse_id(in, UINT64_MAX, strict, &seq_given);
    auto plain = stream::parse_id(in, 0, strict);
    if (!id) continue;
    FUZZ_CHECK(in.size() <= 127);
    if (strict) FUZZ_CHECK(in != "-" && in != "+");
    if (plain && seq_given && in.find('-') != std::string_view::npos && in != "-") {
      // Leading zeros aside, the text is the ID.
      auto back = stream::parse_id(id->str(), 0, strict);
      FUZZ_CHECK(back && *back == *id);
    }
    stream::ID up = *id;
    if (up.incr()) {
      FUZZ_CHECK(up > *id);
      stream::ID down = up;
      FUZZ_CHECK(down.decr() && down == *id);
    } else {
      FUZZ_CHECK(id->is_max());
    }
  }
  // The same bytes as the fields of an entry: append, read back, delete.
  stream::Stream s;
  std::string_view half = in.substr(0, size / 2), rest = in.substr(size / 2);
  s.append({1, 0}, {half, rest}, 64, 2);
  s.append({1, 1}, {half, half}, 64, 2);
  s.append({2, 0}, {rest, half}, 64, 2);
  stream::EntryView e;
  FUZZ_CHECK(s.find({1, 1}, &e) && e.fields.size() == 2 && e.fields[1] == half);
  FUZZ_CHECK(s.find({2, 0}, &e) && e.fields[0] == rest);
  FUZZ_CHECK(s.remove({1, 1}) && !s.find({1, 1}) && s.length == 2);
  return 0;
}
