#include "datanode/aof/format.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace aof {

MappedFile::~MappedFile() {
  if (addr_ != nullptr) munmap(addr_, size_);
}

std::string MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::string("Can't open ") + path + ": " + strerror(errno);
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    std::string err = std::string("Can't stat ") + path + ": " + strerror(errno);
    close(fd);
    return err;
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* a = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (a == MAP_FAILED) {
      std::string err = std::string("Can't map ") + path + ": " + strerror(errno);
      close(fd);
      size_ = 0;
      return err;
    }
    addr_ = a;
    madvise(addr_, size_, MADV_SEQUENTIAL);
  }
  close(fd);
  return "";
}

RecordStatus RecordScanner::fail(RecordStatus s, std::string why) {
  error_ = std::move(why);
  return s;
}

int RecordScanner::read_header(char prefix, int64_t* n) {
  if (pos_ >= data_.size()) return 1;
  if (data_[pos_] != prefix) return 2;
  size_t p = pos_ + 1;
  int64_t v = 0;
  size_t digits = 0;
  while (p < data_.size() && data_[p] >= '0' && data_[p] <= '9') {
    if (++digits > 18) return 2;
    v = v * 10 + (data_[p] - '0');
    ++p;
  }
  if (p >= data_.size()) return 1;
  if (digits == 0 || data_[p] != '\r') return 2;
  if (p + 1 >= data_.size()) return 1;
  if (data_[p + 1] != '\n') return 2;
  pos_ = p + 2;
  *n = v;
  return 0;
}

RecordStatus RecordScanner::next(std::vector<std::string_view>* argv) {
  argv->clear();
  start_ = pos_;
  if (pos_ >= data_.size()) return RecordStatus::kEnd;
  int64_t argc = 0;
  int r = read_header('*', &argc);
  if (r == 1) return fail(RecordStatus::kTruncated, "unexpected end of file in a command header");
  if (r == 2) return fail(RecordStatus::kCorrupt, "expected '*<count>\\r\\n' at the start of a command");
  if (argc < 1) return fail(RecordStatus::kCorrupt, "a command with no arguments");
  for (int64_t i = 0; i < argc; ++i) {
    int64_t len = 0;
    r = read_header('$', &len);
    if (r == 1) return fail(RecordStatus::kTruncated, "unexpected end of file in an argument header");
    if (r == 2) return fail(RecordStatus::kCorrupt, "expected '$<length>\\r\\n' before an argument");
    size_t ulen = static_cast<size_t>(len);
    if (data_.size() - pos_ < ulen + 2) {
      // Cut short, unless the bytes that are there already contradict the format.
      if (data_.size() - pos_ > ulen && data_[pos_ + ulen] != '\r')
        return fail(RecordStatus::kCorrupt, "argument not followed by \\r\\n");
      return fail(RecordStatus::kTruncated, "unexpected end of file inside an argument");
    }
    if (data_[pos_ + ulen] != '\r' || data_[pos_ + ulen + 1] != '\n')
      return fail(RecordStatus::kCorrupt, "argument not followed by \\r\\n");
    argv->push_back(data_.substr(pos_, ulen));
    pos_ += ulen + 2;
  }
  return RecordStatus::kRecord;
}

CheckResult check_file(const std::string& path) {
  CheckResult res;
  MappedFile file;
  res.error = file.open(path);
  if (!res.error.empty()) return res;
  res.readable = true;
  std::string_view data = file.data();
  res.size = data.size();
  RecordScanner scanner(data);
  std::vector<std::string_view> argv;
  // Records in a MULTI block count only once their EXEC is there, as the loader sees them.
  size_t before_multi = 0;
  bool in_multi = false;
  for (;;) {
    RecordStatus s = scanner.next(&argv);
    if (s == RecordStatus::kRecord) {
      ++res.commands;
      if (argv[0].size() == 5 && strncasecmp(argv[0].data(), "multi", 5) == 0) {
        in_multi = true;
        before_multi = scanner.record_start();
      } else if (argv[0].size() == 4 && strncasecmp(argv[0].data(), "exec", 4) == 0) {
        in_multi = false;
      }
      continue;
    }
    res.status = s;
    res.error = scanner.error();
    res.ok_up_to = s == RecordStatus::kEnd ? scanner.offset() : scanner.record_start();
    if (in_multi) {
      res.ok_up_to = before_multi;
      if (s == RecordStatus::kEnd) {
        res.status = RecordStatus::kTruncated;
        res.error = "MULTI without EXEC at the end of the file";
      }
    }
    break;
  }
  for (size_t i = 0; i < res.ok_up_to; ++i)
    if (data[i] == '\n') ++res.ok_up_to_line;
  return res;
}

namespace {

// Up to `limit` bytes of `path` from `offset`, printable: what a --fix would throw away, for the operator.
std::string preview(const std::string& path, size_t offset, size_t limit) {
  std::string out;
  FILE* f = fopen(path.c_str(), "rb");
  if (f == nullptr) return out;
  if (fseek(f, static_cast<long>(offset), SEEK_SET) == 0) {
    int ch;
    while (out.size() < limit && (ch = fgetc(f)) != EOF) {
      if (ch == '\r')
        out += "\\r";
      else if (ch == '\n')
        out += "\\n";
      else if (ch < 32 || ch > 126)
        out += '.';
      else
        out += static_cast<char>(ch);
    }
  }
  fclose(f);
  return out;
}

bool confirmed() {
  printf("Continue? [y/N]: ");
  fflush(stdout);
  char line[16] = {};
  if (fgets(line, sizeof line, stdin) == nullptr) return false;
  return line[0] == 'y' || line[0] == 'Y';
}

}  // namespace

int check_aof_main(const std::string& path, bool fix, bool yes) {
  CheckResult res = check_file(path);
  if (!res.readable) {
    fprintf(stderr, "Cannot check the append only file: %s\n", res.error.c_str());
    return 2;
  }
  if (res.status == RecordStatus::kEnd) {
    printf("AOF analyzed: filename=%s, size=%zu, ok_up_to=%zu, ok_up_to_line=%zu, diff=0\n", path.c_str(),
           res.size, res.ok_up_to, res.ok_up_to_line);
    printf("AOF %s is valid (%zu commands)\n", path.c_str(), res.commands);
    return 0;
  }
  size_t diff = res.size - res.ok_up_to;
  printf("0x%16zx: %s\n", res.ok_up_to, res.error.c_str());
  printf("AOF analyzed: filename=%s, size=%zu, ok_up_to=%zu, ok_up_to_line=%zu, diff=%zu\n", path.c_str(),
         res.size, res.ok_up_to, res.ok_up_to_line, diff);
  printf("First bad record at offset %zu (%s: %s)\n", res.ok_up_to,
         res.status == RecordStatus::kTruncated ? "truncated" : "corrupt", res.error.c_str());
  if (!fix) {
    printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", path.c_str());
    return 1;
  }
  printf(
      "This will truncate the AOF to %zu bytes, keeping %zu commands and dropping the last %zu bytes:\n  "
      "%s%s\n",
      res.ok_up_to, res.commands, diff, preview(path, res.ok_up_to, 120).c_str(), diff > 120 ? "..." : "");
  if (!yes && !confirmed()) {
    printf("Aborted: %s is unchanged.\n", path.c_str());
    return 1;
  }
  if (truncate(path.c_str(), static_cast<off_t>(res.ok_up_to)) != 0) {
    fprintf(stderr, "Failed to truncate AOF %s: %s\n", path.c_str(), strerror(errno));
    return 2;
  }
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  printf("Successfully truncated AOF %s to %zu bytes (%zu bytes discarded)\n", path.c_str(), res.ok_up_to,
         diff);
  return 0;
}

}  // namespace aof
