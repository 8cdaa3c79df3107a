// datanode: a Redis-protocol data server. Parses arguments, loads the TOML config, runs the loop.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/log/log.h"
#include "common/util/startup_checks.h"
#include "common/version/version.h"
#include "datanode/acl/acl_state.h"
#include "datanode/aof/format.h"
#include "datanode/server/server.h"
#include "datanode/server/settings.h"

namespace {

void usage(FILE* out) {
  fprintf(
      out,
      "Usage: datanode [--config FILE | FILE.toml] [--<option> <value> ...]   run the server\n"
      "       datanode --test-config [--config FILE | FILE.toml] [--<option> <value> ...]\n"
      "                                check the configuration and start-up conditions, then exit\n"
      "       datanode --check-aof FILE [--fix [--yes]]   check an append-only file, optionally repair it\n"
      "       datanode -v | --version\n"
      "       datanode -h | --help\n"
      "Options are the TOML keys (Redis directive names), e.g. --port 7001 --appendonly yes.\n");
}

// Whether `args` (after the mode word) holds `flag`.
bool has_flag(const std::vector<std::string>& args, const char* flag) {
  for (const auto& a : args)
    if (a == flag) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  datanode::Settings settings;
  config::Registry registry;
  datanode::register_settings(settings, registry);
  datanode::AclSettings acl_settings;
  datanode::register_acl_settings(acl_settings, registry);

  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "-v" || args[0] == "--version")) {
    printf("%s\n", version::line("datanode").c_str());
    return 0;
  }
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
    usage(stdout);
    return 0;
  }
  // `datanode --check-aof FILE [--fix [--yes]]`: the redis-check-aof of this server (datanode/aof/format.h).
  if (!args.empty() && args[0] == "--check-aof") {
    if (args.size() < 2) {
      usage(stderr);
      return 2;
    }
    std::vector<std::string> flags(args.begin() + 2, args.end());
    return aof::check_aof_main(args[1], has_flag(flags, "--fix"), has_flag(flags, "--yes"));
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
  if (!config_path.empty()) {
    std::string err = registry.load_file(config_path);
    if (!err.empty()) {
      fprintf(stderr, "*** FATAL CONFIG FILE ERROR *** %s\n", err.c_str());
      return 1;
    }
  }
  std::string err = registry.apply_arguments(args);
  if (!err.empty()) {
    fprintf(stderr, "*** FATAL CONFIG ERROR *** %s\n", err.c_str());
    usage(stderr);
    return 1;
  }
  for (const std::string& problem :
       {util::check_log_file(settings.logfile), util::check_data_dir(settings.dir)}) {
    if (!problem.empty()) {
      fprintf(stderr, "*** FATAL START-UP ERROR *** %s\n", problem.c_str());
      return 1;
    }
  }
  if (test_config) {
    printf("Configuration test passed%s%s\n", config_path.empty() ? "" : ": ", config_path.c_str());
    return 0;
  }
  logx::Level level = logx::Level::kNotice;
  logx::parse_level(settings.loglevel, &level);
  logx::configure({level, settings.logfile});
  LOG_NOTICE("datanode %s (Redis %s compatible, sha=%s, build=%s) starting, pid=%d, port=%d%s%s",
             version::kVersion, version::kRedisVersion, version::git_sha(), version::build_type(),
             static_cast<int>(getpid()), settings.port,
             config_path.empty() ? ", no config file" : ", config ", config_path.c_str());

  if (std::string warning = util::adjust_open_files_limit(&settings.maxclients); !warning.empty())
    LOG_WARNING("%s", warning.c_str());

  datanode::Server server(settings, registry);
  datanode::AclState::attach(server, acl_settings);
  return server.run();
}
