// libFuzzer target for aof::RecordScanner: scans the input as an append-only file until kEnd,
// kTruncated or kCorrupt, checking the offsets the loader and --check-aof rely on (records are
// contiguous, arguments are views inside their record, a bad record starts where the last good one
// ended) and that cutting the file at the reported point leaves a file that scans cleanly.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "datanode/aof/format.h"

namespace {

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

// Returns the final status; *good_end is where the last complete record ends, *records how many.
aof::RecordStatus scan(std::string_view data, size_t* good_end, size_t* records) {
  aof::RecordScanner scanner(data);
  std::vector<std::string_view> argv;
  *good_end = 0;
  *records = 0;
  for (;;) {
    aof::RecordStatus s = scanner.next(&argv);
    FUZZ_CHECK(scanner.record_start() == *good_end);
    FUZZ_CHECK(scanner.offset() <= data.size());
    if (s != aof::RecordStatus::kRecord) {
      if (s == aof::RecordStatus::kEnd) {
        FUZZ_CHECK(scanner.record_start() == data.size());
        FUZZ_CHECK(scanner.offset() == data.size());
      } else {
        FUZZ_CHECK(scanner.record_start() < data.size());
        FUZZ_CHECK(!scanner.error().empty());
      }
      return s;
    }
    FUZZ_CHECK(!argv.empty());
    FUZZ_CHECK(scanner.offset() > scanner.record_start());
    for (std::string_view a : argv) {
      FUZZ_CHECK(a.data() >= data.data() + scanner.record_start());
      FUZZ_CHECK(a.data() + a.size() + 2 <= data.data() + scanner.offset());
      FUZZ_CHECK(a.data()[a.size()] == '\r' && a.data()[a.size() + 1] == '\n');
    }
    *good_end = scanner.offset();
    ++*records;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exactly sized copy so any read past the end of the "file" is caught.
  std::unique_ptr<char[]> copy(new char[size == 0 ? 1 : size]);
  if (size > 0) std::memcpy(copy.get(), data, size);
  std::string_view file(copy.get(), size);

  size_t good_end = 0, records = 0;
  aof::RecordStatus s = scan(file, &good_end, &records);
  if (s == aof::RecordStatus::kEnd) return 0;

  // What --check-aof --fix does: truncate at the bad record. The rest must scan cleanly, same records.
  size_t fixed_end = 0, fixed_records = 0;
  FUZZ_CHECK(scan(file.substr(0, good_end), &fixed_end, &fixed_records) == aof::RecordStatus::kEnd);
  FUZZ_CHECK(fixed_end == good_end && fixed_records == records);

  // A tail cut short stays cut short (not corrupt) whatever prefix of it is kept.
  if (s == aof::RecordStatus::kTruncated && size - good_end > 1) {
    size_t cut = good_end + 1 + (size - good_end - 1) / 2;
    size_t e = 0, n = 0;
    FUZZ_CHECK(scan(file.substr(0, cut), &e, &n) == aof::RecordStatus::kTruncated);
  }
  return 0;
}
