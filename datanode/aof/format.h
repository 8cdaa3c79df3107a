// Reading the append-only file format: a sequence of RESP multibulk commands, nothing else.
//   *<argc>\r\n  then argc times  $<len>\r\n<len bytes>\r\n
// The scanner works on the whole file in memory (mapped) and tells a clean end, a tail cut short by a
// crash mid-write (every byte so far is a valid prefix of a record) and corruption (a byte that can
// never be part of a valid record), each with the offset where the record started.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aof {

enum class RecordStatus { kRecord, kEnd, kTruncated, kCorrupt };

class RecordScanner {
 public:
  explicit RecordScanner(std::string_view data) : data_(data) {}

  // Reads the next record into argv (views into the data). On kTruncated/kCorrupt, record_start() is
  // where the bad record begins and error() says why.
  RecordStatus next(std::vector<std::string_view>* argv);

  size_t offset() const { return pos_; }         // end of the last good record
  size_t record_start() const { return start_; }
  const std::string& error() const { return error_; }

 private:
  // Reads "<prefix><digits>\r\n" at pos_; 0 ok, 1 truncated, 2 corrupt.
  int read_header(char prefix, int64_t* n);
  RecordStatus fail(RecordStatus s, std::string why);

  std::string_view data_;
  size_t pos_ = 0;
  size_t start_ = 0;
  std::string error_;
};

// A file mapped read-only for one sequential pass (empty files map to an empty view).
class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  // Returns "" or why the file could not be opened or mapped.
  std::string open(const std::string& path);
  std::string_view data() const { return {static_cast<const char*>(addr_), size_}; }

 private:
  void* addr_ = nullptr;
  size_t size_ = 0;
};

// Result of checking a file (redis-check-aof's job).
struct CheckResult {
  bool readable = false;     // false: could not open/read the file (error says why)
  size_t size = 0;
  size_t ok_up_to = 0;       // bytes of complete, well-formed records from the start
  size_t ok_up_to_line = 1;  // line number at that offset, for humans comparing with an editor
  size_t commands = 0;
  RecordStatus status = RecordStatus::kEnd;  // kEnd: the file is valid
  std::string error;
};

CheckResult check_file(const std::string& path);

// `datanode --check-aof FILE [--fix [--yes]]`: prints a report like redis-check-aof. With --fix, shows what
// truncating at the first bad record would drop and asks for confirmation on standard input (as
// redis-check-aof does) unless `yes`. Exit code: 0 valid or fixed, 1 invalid and not fixed, 2 unusable
// (cannot read or truncate).
int check_aof_main(const std::string& path, bool fix, bool yes = false);

}  // namespace aof
