// The sentinel's top-level options (the [[monitor]] entries are read by sentinel/state).
#pragma once

#include <string>
#include <vector>

#include "common/config/registry.h"
#include "sentinel/acl/acl_state.h"

namespace sentinel {

struct Settings {
  int port = 26379;
  std::vector<std::string> bind = {"0.0.0.0"};
  std::string dir = ".";
  std::string logfile;
  std::string loglevel = "notice";
  std::string requirepass;        // clients of this sentinel must AUTH
  bool protected_mode = false;    // refuse non-loopback clients while requirepass is empty
  std::string announce_ip;        // address put in hello messages instead of the link's local address
  int announce_port = 0;          // port put in hello messages (0: our port)
  bool resolve_hostnames = false;
  bool announce_hostnames = false;
  bool deny_scripts_reconfig = true;
  std::string sentinel_user;      // how we authenticate to other sentinels
  std::string sentinel_pass;
  int metrics_port = 0;           // Prometheus endpoint; 0 disables
  std::string metrics_bind = "127.0.0.1";
  AclSettings acl;                // users, aclfile, acllog-max-len
};

void register_settings(Settings& s, config::Registry& r);

}  // namespace sentinel
