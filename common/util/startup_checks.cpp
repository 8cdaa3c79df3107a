#include "common/util/startup_checks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace util {

std::string check_data_dir(const std::string& dir) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) return "Can't use dir '" + dir + "': " + strerror(errno);
  if (!S_ISDIR(st.st_mode)) return "Can't use dir '" + dir + "': not a directory";
  if (access(dir.c_str(), W_OK | X_OK) != 0) return "Can't use dir '" + dir + "': " + strerror(errno);
  return "";
}

std::string check_log_file(const std::string& logfile) {
  if (logfile.empty()) return "";
  int fd = ::open(logfile.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return "Can't open the log file '" + logfile + "': " + strerror(errno);
  close(fd);
  return "";
}

std::string check_state_file(const std::string& path) {
  if (path.empty()) return "Sentinel started without a config file: it needs one on disk to save its state";
  if (access(path.c_str(), W_OK) != 0)
    return "Sentinel config file " + path + " is not writable: " + strerror(errno);
  // Rewrites replace the file atomically (a temp file beside it, then rename): the directory must be
  // writable too, or the first failover could not be recorded.
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/') + 1);
  if (access(dir.c_str(), W_OK | X_OK) != 0)
    return "Sentinel config file " + path + " is not writable: its directory " + dir + ": " + strerror(errno);
  return "";
}

}  // namespace util
