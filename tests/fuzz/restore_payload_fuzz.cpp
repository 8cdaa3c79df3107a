// libFuzzer target for RESTORE payloads (datanode/rdb/value_payload.h). The input is taken as a payload
// body; the fuzzer's bytes get a valid footer (version 10 and the right CRC64) half of the time so the
// decoder itself is reached, not only the checksum. Invariants: no crash, no allocation beyond the
// RSS limit, and whatever loads dumps to a payload that verifies and loads back to the same length.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "datanode/rdb/crc64.h"
#include "datanode/rdb/value_payload.h"

namespace {

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

void check(std::string_view payload) {
  if (!rdb::verify_payload(payload)) return;
  auto value = rdb::load_payload(payload);
  if (!value) return;
  std::string again = rdb::dump_payload(*value);
  FUZZ_CHECK(rdb::verify_payload(again));
  auto reloaded = rdb::load_payload(again);
  FUZZ_CHECK(reloaded.has_value());
  FUZZ_CHECK(reloaded->type() == value->type());
  FUZZ_CHECK(reloaded->length() == value->length());
  FUZZ_CHECK(rdb::dump_payload(*reloaded).size() == again.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  check(in);
  if (size == 0) return 0;
  // The first byte chooses: sign the rest (so the decoder runs) or take it as it is.
  std::string body(in.substr(1));
  if (static_cast<uint8_t>(in[0]) & 1) {
    body.push_back(static_cast<char>(static_cast<uint8_t>(in[0]) >> 1 & 0x0f));  // versions 0..15
    body.push_back('\0');
    uint64_t crc = rdb::crc64(0, body);
    for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  }
  check(body);
  return 0;
}
