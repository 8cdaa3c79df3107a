#include "common/util/startup_checks.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

std::string adjust_open_files_limit(int* maxclients, int reserved) {
  const rlim_t wanted = static_cast<rlim_t>(*maxclients) + static_cast<rlim_t>(reserved);
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    return std::string("Unable to obtain the current NOFILE limit (") + strerror(errno) +
           "), assuming 1024 and keeping maxclients as configured";
  }
  if (lim.rlim_cur >= wanted) return "";
  rlim_t best = lim.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, lim.rlim_max);
  rlimit raised{best, lim.rlim_max};
  if (best > lim.rlim_cur && setrlimit(RLIMIT_NOFILE, &raised) == 0) lim.rlim_cur = best;
  if (lim.rlim_cur >= wanted) return "";
  const int before = *maxclients;
  const int fit =
      lim.rlim_cur > static_cast<rlim_t>(reserved) ? static_cast<int>(lim.rlim_cur) - reserved : 1;
  *maxclients = std::max(1, std::min(before, fit));
  return "You requested maxclients of " + std::to_string(before) + " requiring at least " +
         std::to_string(wanted) + " max file descriptors, but the limit is " + std::to_string(lim.rlim_cur) +
         " (hard limit " +
         (lim.rlim_max == RLIM_INFINITY ? std::string("unlimited") : std::to_string(lim.rlim_max)) +
         "). maxclients has been reduced to " + std::to_string(*maxclients) +
         " to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.";
}

}  // namespace util
