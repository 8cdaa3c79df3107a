#include "sentinel/settings.h"

namespace sentinel {

void register_settings(Settings& s, config::Registry& r) {
  r.add_int("port", &s.port, 0, 65535).immutable = true;
  r.add_string_list("bind", &s.bind).immutable = true;
  r.add_string("dir", &s.dir);
  r.add_string("logfile", &s.logfile).immutable = true;
  r.add_enum("loglevel", &s.loglevel, {"debug", "verbose", "notice", "warning"});
  r.add_string("requirepass", &s.requirepass).sensitive = true;
  r.add_bool("protected-mode", &s.protected_mode);
  r.add_string("announce-ip", &s.announce_ip);
  r.add_int("announce-port", &s.announce_port, 0, 65535);
  r.add_bool("resolve-hostnames", &s.resolve_hostnames);
  r.add_bool("announce-hostnames", &s.announce_hostnames);
  r.add_bool("deny-scripts-reconfig", &s.deny_scripts_reconfig).immutable = true;
  r.add_string("sentinel-user", &s.sentinel_user);
  r.add_string("sentinel-pass", &s.sentinel_pass).sensitive = true;
  r.add_int("metrics-port", &s.metrics_port, 0, 65535).immutable = true;
  r.add_string("metrics-bind", &s.metrics_bind).immutable = true;
  register_acl_settings(s.acl, r);
  // Parsed by sentinel/state: the monitored masters and what the sentinel learned.
  r.allow_table("monitor");
  r.allow_table("myid");
  r.allow_table("current-epoch");
}

}  // namespace sentinel
