// The test harness fails a test whose child process (our datanode or sentinel in a -DSANITIZE=ON build)
// wrote a sanitizer report to its log: the report is found in the log, only in that child's own part of
// it, and turned into a test failure when the child is reaped.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "harness.h"

namespace {

using namespace std::chrono_literals;

TEST(HarnessSanitizerReports, CleanLogHasNone) {
  EXPECT_EQ(harness::sanitizer_reports(""), "");
  EXPECT_EQ(harness::sanitizer_reports("1:M 02 Dec 2026 16:00:00.000 * Ready to accept connections\n"), "");
}

TEST(HarnessSanitizerReports, FindsEachKindFromItsFirstLine) {
  const std::string before = "1:M 02 Dec 2026 16:00:00.000 * Ready to accept connections\n";
  const std::string asan = "==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010\n";
  const std::string lsan = "==4242==ERROR: LeakSanitizer: detected memory leaks\n";
  const std::string ubsan = "datanode/store/x.cpp:10:5: runtime error: signed integer overflow\n";
  EXPECT_EQ(harness::sanitizer_reports(before + asan), asan);
  EXPECT_EQ(harness::sanitizer_reports(before + lsan), lsan);
  EXPECT_EQ(harness::sanitizer_reports(before + ubsan), ubsan);
  EXPECT_EQ(harness::sanitizer_reports(ubsan + asan), ubsan + asan);
}

TEST(HarnessSanitizerReports, ReportOfAChildFailsTheTest) {
  harness::TempDir dir;
  const std::string log = dir.file("child.log");
  EXPECT_NONFATAL_FAILURE(
      {
        harness::Process child("/bin/sh", {"-c", "echo '==7==ERROR: AddressSanitizer: SEGV' >&2"}, log);
        child.wait(10s);
      },
      "AddressSanitizer: SEGV");
  // A restarted child appends to the same log: its predecessor's report is not counted against it.
  harness::Process next("/bin/sh", {"-c", "echo clean"}, log);
  EXPECT_EQ(next.wait(10s), 0);
}

}  // namespace
