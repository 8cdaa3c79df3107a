// sentinel: monitors Redis-protocol masters and replicas and fails over. Parses arguments, loads the
// TOML config (options, [[monitor]] entries and learned state), runs the loop.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/log/log.h"
#include "common/util/fs.h"
#include "common/util/startup_checks.h"
#include "common/version/version.h"
#include "sentinel/server.h"

namespace {

void usage(FILE* out) {
  fprintf(out,
          "Usage: sentinel [--config FILE | FILE.toml] [--<option> <value> ...]   run the sentinel\n"
          "       sentinel --test-config [--config FILE | FILE.toml] [--<option> <value> ...]\n"
          "                                check the configuration and start-up conditions, then exit\n"
          "       sentinel -v | --version\n"
          "       sentinel -h | --help\n"
          "The config file is required and must be writable: the sentinel records every failover, epoch\n"
          "and learned replica or peer in it. Options are the TOML keys (sentinel.conf directive names),\n"
          "e.g. --port 26380; masters are [[monitor]] tables in the file.\n");
}

}  // namespace

int main(int argc, char** argv) {
  sentinel::Settings settings;
  config::Registry registry;
  sentinel::register_settings(settings, registry);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "-v" || args[0] == "--version")) {
    printf("%s\n", version::line("sentinel").c_str());
    return 0;
  }
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
    usage(stdout);
    return 0;
  }
  const bool test_config = !args.empty() && args[0] == "--test-config";
  if (test_config) args.erase(args.begin());
  std::string config_path;
  if (!args.empty() && args[0] == "--config") {
    if (args.size() < 2) {
      usage(stderr);
      return 1;
    }
    config_path = args[1];
    args.erase(args.begin(), args.begin() + 2);
  } else if (!args.empty() && args[0].rfind("--", 0) != 0) {
    config_path = args[0];
    args.erase(args.begin());
  }
  // Like Redis Sentinel: without a writable config file a failover could not be remembered.
  if (std::string problem = util::check_state_file(config_path); !problem.empty()) {
    fprintf(stderr, "*** FATAL CONFIG FILE ERROR *** %s. Exiting...\n", problem.c_str());
    return 1;
  }
  std::string text;
  std::string err = registry.load_file(config_path);
  if (err.empty()) util::read_file(config_path, &text);
  if (!err.empty()) {
    fprintf(stderr, "*** FATAL CONFIG FILE ERROR *** %s\n", err.c_str());
    return 1;
  }
  err = registry.apply_arguments(args);
  if (!err.empty()) {
    fprintf(stderr, "*** FATAL CONFIG ERROR *** %s\n", err.c_str());
    return 1;
  }
  if (std::string problem = util::check_log_file(settings.logfile); !problem.empty()) {
    fprintf(stderr, "*** FATAL START-UP ERROR *** %s\n", problem.c_str());
    return 1;
  }
  logx::set_role('X');
  logx::Level level = logx::Level::kNotice;
  logx::parse_level(settings.loglevel, &level);
  logx::configure({level, settings.logfile});
  int maxclients = 10000;  // Redis Sentinel's fixed limit
  if (std::string warning = util::adjust_open_files_limit(&maxclients); !warning.empty())
    LOG_WARNING("%s", warning.c_str());
  sentinel::Server server(settings, registry);
  err = server.load_state(text, config_path);
  if (!err.empty()) {
    fprintf(stderr, "*** FATAL CONFIG FILE ERROR *** %s\n", err.c_str());
    return 1;
  }
  if (test_config) {
    if (std::string acl_err = server.acl().load_at_startup(); !acl_err.empty()) {
      fprintf(stderr, "*** FATAL CONFIG FILE ERROR *** %s\n", acl_err.c_str());
      return 1;
    }
    printf("Configuration test passed: %s\n", config_path.c_str());
    return 0;
  }
  LOG_NOTICE(
      "sentinel %s (Redis Sentinel %s compatible, sha=%s, build=%s) starting, pid=%d, port=%d, config %s",
      version::kVersion, version::kRedisVersion, version::git_sha(), version::build_type(),
      static_cast<int>(getpid()), settings.port, config_path.c_str());
  return server.run();
}
