// File helpers for anything persisted: atomic replace (temp file, fsync, rename, fsync the directory).
#pragma once

#include <string>

namespace util {

// Returns "" on success, otherwise what failed and why.
std::string write_file_atomic(const std::string& path, const std::string& content);
bool read_file(const std::string& path, std::string* out);
std::string dirname_of(const std::string& path);
// Joins dir and name unless name is absolute.
std::string path_join(const std::string& dir, const std::string& name);

}  // namespace util
