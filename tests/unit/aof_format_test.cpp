// The AOF record scanner and checker: clean files, tails cut short at every byte, corruption, MULTI.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "datanode/aof/format.h"

namespace {

std::string encode(const std::vector<std::string>& argv) {
  std::string s = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& a : argv) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return s;
}

std::string temp_file(const std::string& content) {
  char path[] = "/tmp/aof_format_testXXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  close(fd);
  return path;
}

TEST(AofFormat, ReadsRecords) {
  std::string data = encode({"SELECT", "0"}) + encode({"SET", "k", std::string("a\r\nb\0c", 6)});
  aof::RecordScanner s(data);
  std::vector<std::string_view> argv;
  ASSERT_EQ(s.next(&argv), aof::RecordStatus::kRecord);
  EXPECT_EQ(argv.size(), 2u);
  ASSERT_EQ(s.next(&argv), aof::RecordStatus::kRecord);
  ASSERT_EQ(argv.size(), 3u);
  EXPECT_EQ(argv[2], std::string_view("a\r\nb\0c", 6));
  EXPECT_EQ(s.next(&argv), aof::RecordStatus::kEnd);
  EXPECT_EQ(s.offset(), data.size());
}

TEST(AofFormat, EveryPrefixIsTruncatedNotCorrupt) {
  std::string first = encode({"SET", "key", "value"});
  std::string data = first + encode({"RPUSH", "list", "a", "bb", "ccc"});
  for (size_t cut = first.size() + 1; cut < data.size(); ++cut) {
    aof::RecordScanner s(std::string_view(data).substr(0, cut));
    std::vector<std::string_view> argv;
    ASSERT_EQ(s.next(&argv), aof::RecordStatus::kRecord);
    EXPECT_EQ(s.next(&argv), aof::RecordStatus::kTruncated) << "cut at " << cut;
    EXPECT_EQ(s.record_start(), first.size());
  }
}

TEST(AofFormat, CorruptionIsReportedWithItsOffset) {
  std::string good = encode({"SET", "a", "1"});
  for (std::string bad : {std::string("*2\r\n$3\r\nDEL\r\n#1\r\na\r\n"), std::string("*x\r\n"),
                          std::string("*1\r\n$3\r\nDELXX\r\n"), std::string("*0\r\n"), std::string("hello\r\n"),
                          std::string("*1\n$3\r\nDEL\r\n")}) {
    std::string data = good + bad + good;
    aof::RecordScanner s(data);
    std::vector<std::string_view> argv;
    ASSERT_EQ(s.next(&argv), aof::RecordStatus::kRecord);
    EXPECT_EQ(s.next(&argv), aof::RecordStatus::kCorrupt) << bad;
    EXPECT_EQ(s.record_start(), good.size());
    EXPECT_FALSE(s.error().empty());
  }
}

TEST(AofFormat, CheckFileAndFix) {
  std::string good = encode({"SET", "a", "1"}) + encode({"INCR", "n"});
  std::string path = temp_file(good + "*3\r\n$3\r\nSET\r\n$1\r\nb");
  aof::CheckResult r = aof::check_file(path);
  ASSERT_TRUE(r.readable);
  EXPECT_EQ(r.status, aof::RecordStatus::kTruncated);
  EXPECT_EQ(r.ok_up_to, good.size());
  EXPECT_EQ(r.commands, 2u);
  EXPECT_EQ(aof::check_aof_main(path, false), 1);
  EXPECT_EQ(aof::check_aof_main(path, true, /*yes=*/true), 0);
  r = aof::check_file(path);
  EXPECT_EQ(r.status, aof::RecordStatus::kEnd);
  EXPECT_EQ(r.size, good.size());
  EXPECT_EQ(aof::check_aof_main(path, false), 0);
  unlink(path.c_str());
  EXPECT_EQ(aof::check_aof_main(path, false), 2);
}

TEST(AofFormat, UnfinishedMultiIsCutBeforeMulti) {
  std::string good = encode({"SET", "a", "1"});
  std::string path = temp_file(good + encode({"MULTI"}) + encode({"INCR", "a"}));
  aof::CheckResult r = aof::check_file(path);
  EXPECT_EQ(r.status, aof::RecordStatus::kTruncated);
  EXPECT_EQ(r.ok_up_to, good.size());
  unlink(path.c_str());
}

}  // namespace
