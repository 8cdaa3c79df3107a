// Streams a whole snapshot to a file descriptor (a temporary file or a pipe to the parent) a chunk at a
// time, so the forked child that runs it never holds a second copy of the data set. The content is what
// encode_snapshot() produces; rdbcompression and rdbchecksum decide LZF strings and the trailing CRC64.
#pragma once

#include <string>
#include <vector>

#include "datanode/rdb/encoder.h"
#include "datanode/store/database.h"

namespace rdb {

struct WriteOptions {
  bool compression = true;
  bool checksum = true;
};

// Returns "" or what failed (the failing write's strerror).
std::string write_snapshot(int fd, const std::vector<store::Database>& dbs, const SaveInfo& info,
                           const WriteOptions& options);

// Writes a snapshot to `tmp`, fsyncs it and renames it to `path` (then fsyncs the directory).
// Returns "" or what failed; `tmp` is removed on failure.
std::string save_file(const std::string& tmp, const std::string& path,
                      const std::vector<store::Database>& dbs, const SaveInfo& info,
                      const WriteOptions& options);

}  // namespace rdb
