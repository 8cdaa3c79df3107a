// sentinel: monitors Redis-protocol masters and replicas and fails over. Parses arguments, loads the
// TOML config (options, [[monitor]] entries and learned state), runs the loop.
#include <cstdio>
#include <string>
#include <vector>

#include "common/log/log.h"
#include "common/util/fs.h"
#include "sentinel/server.h"

int main(int argc, char** argv) {
  sentinel::Settings settings;
  config::Registry registry;
  sentinel::register_settings(settings, registry);
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string config_path;
  if (!args.empty() && args[0] == "--config" && args.size() >= 2) {
    config_path = args[1];
    args.erase(args.begin(), args.begin() + 2);
  } else if (!args.empty() && args[0].rfind("--", 0) != 0) {
    config_path = args[0];
    args.erase(args.begin());
  }
  std::string text;
  if (!config_path.empty()) {
    std::string err = registry.load_file(config_path);
    if (err.empty()) util::read_file(config_path, &text);
    if (!err.empty()) {
      fprintf(stderr, "*** FATAL CONFIG FILE ERROR *** %s\n", err.c_str());
      return 1;
    }
  }
  std::string err = registry.apply_arguments(args);
  if (!err.empty()) {
    fprintf(stderr, "*** FATAL CONFIG ERROR *** %s\n", err.c_str());
    return 1;
  }
  logx::set_role('X');
  logx::Level level = logx::Level::kNotice;
  logx::parse_level(settings.loglevel, &level);
  logx::configure({level, settings.logfile});
  sentinel::Server server(settings, registry);
  if (!config_path.empty()) {
    err = server.load_state(text, config_path);
    if (!err.empty()) {
      fprintf(stderr, "*** FATAL CONFIG FILE ERROR *** %s\n", err.c_str());
      return 1;
    }
  }
  return server.run();
}
