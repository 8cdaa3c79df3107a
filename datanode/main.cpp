// datanode: a Redis-protocol data server. Parses arguments, loads the TOML config, runs the loop.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/log/log.h"
#include "datanode/aof/format.h"
#include "datanode/server.h"
#include "datanode/settings.h"

namespace {

void usage() {
  fprintf(stderr,
          "Usage: datanode [--config FILE] [--<option> <value> ...]\n"
          "       datanode FILE.toml [--<option> <value> ...]\n"
          "Options are the TOML keys (Redis directive names), e.g. --port 7001 --appendonly yes.\n");
}

}  // namespace

int main(int argc, char** argv) {
  datanode::Settings settings;
  config::Registry registry;
  datanode::register_settings(settings, registry);

  std::vector<std::string> args(argv + 1, argv + argc);
  // `datanode --check-aof FILE [--fix]`: the redis-check-aof of this server (datanode/aof/format.h).
  if (args.size() >= 2 && args[0] == "--check-aof")
    return aof::check_aof_main(args[1], args.size() > 2 && args[2] == "--fix");
  std::string config_path;
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
    usage();
    return 0;
  }
  if (!args.empty() && args[0] == "--config") {
    if (args.size() < 2) {
      usage();
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
    usage();
    return 1;
  }
  logx::Level level = logx::Level::kNotice;
  logx::parse_level(settings.loglevel, &level);
  logx::configure({level, settings.logfile});
  LOG_NOTICE("datanode starting, pid=%d, port=%d%s%s", static_cast<int>(getpid()), settings.port,
             config_path.empty() ? ", no config file" : ", config ", config_path.c_str());

  datanode::Server server(settings, registry);
  return server.run();
}
