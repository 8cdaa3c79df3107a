#include "datanode/rdb/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/util/clock.h"
#include "datanode/rdb/crc64.h"
#include "datanode/rdb/format.h"
#include "datanode/rdb/lzf.h"

namespace rdb {
namespace {

constexpr size_t kChunk = 64 * 1024;

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

}  // namespace

std::string write_snapshot(int fd, const std::vector<store::Database>& dbs, const SaveInfo& info,
                           const WriteOptions& options) {
  std::string buf;
  buf.reserve(kChunk * 2);
  LzfCompressor lzf;
  Encoder e(&buf);
  if (options.compression) e.set_compressor(&lzf);
  uint64_t crc = 0;
  auto drain = [&]() -> bool {
    if (options.checksum) crc = crc64(crc, buf);
    bool ok = write_all(fd, buf);
    buf.clear();
    return ok;
  };
  e.preamble(info);
  for (const auto& db : dbs) {
    if (db.size() == 0) continue;
    e.select_db(static_cast<uint64_t>(db.index()));
    e.resize_db(db.size(), db.volatile_count());
    for (const auto& [key, value] : db.entries()) {
      e.key_value(key, value, db.expire_at(key));
      if (buf.size() >= kChunk && !drain()) return strerror(errno);
    }
  }
  buf.push_back(static_cast<char>(kOpEof));
  if (options.checksum) crc = crc64(crc, buf);
  for (int i = 0; i < 8; ++i) buf.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  if (!write_all(fd, buf)) return strerror(errno);
  return "";
}

std::string save_file(const std::string& tmp, const std::string& path,
                      const std::vector<store::Database>& dbs, const SaveInfo& info,
                      const WriteOptions& options) {
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return "Failed opening the temp RDB file " + tmp + " (in server root dir " + dir_of(tmp) +
           ") for saving: " + strerror(errno);
  std::string err = write_snapshot(fd, dbs, info, options);
  if (err.empty() && fsync(fd) != 0) err = strerror(errno);
  if (::close(fd) != 0 && err.empty()) err = strerror(errno);
  if (err.empty() && rename(tmp.c_str(), path.c_str()) != 0) err = strerror(errno);
  if (!err.empty()) {
    unlink(tmp.c_str());
    return "Write error saving DB on disk: " + err;
  }
  // The rename itself must survive a crash.
  int dfd = ::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    ::close(dfd);
  }
  return "";
}

}  // namespace rdb
