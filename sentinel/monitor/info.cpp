// INFO replies: what a master says about its replicas, what a replica says about its master, run id
// changes (+reboot), and the reactions to roles that differ from the sentinel's view (promotion seen,
// +convert-to-slave, +fix-slave-config, replica reconfiguration progress during a failover).
#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "sentinel/monitor/monitor.h"

namespace sentinel {
namespace {

// "ip=127.0.0.1,port=6380,state=online,offset=1,lag=0" -> ip and port.
bool parse_replica_line(std::string_view v, std::string* ip, int* port) {
  ip->clear();
  *port = 0;
  while (!v.empty()) {
    size_t comma = v.find(',');
    std::string_view kv = v.substr(0, comma);
    size_t eq = kv.find('=');
    if (eq != std::string_view::npos) {
      std::string_view k = kv.substr(0, eq), val = kv.substr(eq + 1);
      if (k == "ip") *ip = std::string(val);
      if (k == "port") {
        auto p = util::parse_int(val);
        if (p) *port = static_cast<int>(*p);
      }
    }
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return !ip->empty() && *port > 0;
}

int64_t to_int(std::string_view s) {
  auto v = util::parse_int(s);
  return v ? *v : 0;
}

}  // namespace

Instance* Monitor::find_replica(Instance& m, const std::string& ip, int port) {
  auto it = m.replicas.find(ip + ":" + std::to_string(port));
  return it == m.replicas.end() ? nullptr : it->second.get();
}

Instance& Monitor::add_replica(Instance& m, const std::string& ip, int port) {
  auto r = std::make_unique<Instance>();
  r->flags = kReplica;
  r->addr = {ip, port};
  r->name = r->addr.str();
  r->master = &m;
  r->created_at = r->last_avail_time = r->role_reported_time = r->slave_conf_change_time = util::mono_ms();
  r->role_reported = kReplica;
  Instance& ref = *r;
  m.replicas[r->name] = std::move(r);
  return ref;
}

void Monitor::refresh_from_info(Instance& ri, const std::string& info, int64_t now) {
  ri.info = info;
  uint32_t role = 0;
  bool discovered = false;
  size_t pos = 0;
  while (pos < info.size()) {
    size_t eol = info.find('\n', pos);
    if (eol == std::string::npos) eol = info.size();
    std::string_view line(info.data() + pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon), val = line.substr(colon + 1);
    if (key == "run_id" && val.size() == 40) {
      if (!ri.runid.empty() && ri.runid != val) {
        st_.events.emit(logx::Level::kNotice, "+reboot", &ri);
      }
      ri.runid = std::string(val);
    } else if (ri.is(kMaster) && key.starts_with("slave") && key.size() > 5 &&
               isdigit(static_cast<unsigned char>(key[5]))) {
      std::string ip;
      int port = 0;
      if (parse_replica_line(val, &ip, &port) && find_replica(ri, ip, port) == nullptr) {
        Instance& r = add_replica(ri, ip, port);
        st_.events.emit(logx::Level::kNotice, "+slave", &r);
        discovered = true;
      }
    } else if (key == "master_link_down_since_seconds") {
      ri.master_link_down_time = to_int(val) * 1000;
    } else if (key == "role") {
      if (val == "master") role = kMaster;
      else if (val == "slave") role = kReplica;
    } else if (key == "master_host") {
      if (ri.slave_master_host != val) {
        ri.slave_master_host = std::string(val);
        ri.slave_conf_change_time = now;
      }
    } else if (key == "master_port") {
      int p = static_cast<int>(to_int(val));
      if (ri.slave_master_port != p) {
        ri.slave_master_port = p;
        ri.slave_conf_change_time = now;
      }
    } else if (key == "master_link_status") {
      ri.slave_master_link_up = val == "up";
    } else if (key == "slave_priority" || key == "replica_priority") {
      ri.slave_priority = static_cast<int>(to_int(val));
    } else if (key == "slave_repl_offset") {
      ri.slave_repl_offset = to_int(val);
    } else if (key == "replica_announced") {
      ri.replica_announced = val == "1";
    }
  }
  ri.info_refresh = now;
  if (role == kMaster) ri.master_link_down_time = 0;
  if (role != 0 && role != ri.role_reported) {
    ri.role_reported = role;
    ri.role_reported_time = now;
    ri.slave_conf_change_time = now;
    bool expected = (ri.flags & (kMaster | kReplica)) == role;
    st_.events.emit(logx::Level::kVerbose, expected ? "+role-change" : "-role-change", &ri,
                    std::string("new reported role is ") + (role == kMaster ? "master" : "slave"));
  }
  if (discovered) flush_config();
  if (st_.tilt || role == 0) return;
  acting_on_info(ri, role, now);
}

bool Monitor::master_looks_sane(const Instance& m, int64_t now) const {
  return m.is(kMaster) && m.role_reported == kMaster && !m.is(kSDown) && !m.is(kODown) &&
         m.info_refresh != 0 && now - m.info_refresh < kInfoPeriod * 2;
}

bool Monitor::no_down_for(const Instance& ri, int64_t ms, int64_t now) const {
  int64_t most_recent = std::max(ri.s_down_since, ri.o_down_since);
  return !ri.is(kSDown) && !ri.is(kODown) && (most_recent == 0 || now - most_recent > ms);
}

void Monitor::acting_on_info(Instance& ri, uint32_t role, int64_t now) {
  if (!ri.is(kReplica)) return;
  Instance& m = *ri.master;
  if (m.is(kFailoverInProgress)) {
    // The failover state machine watches this INFO: let it act on it now rather than next tick.
    run_failover(m, now);
    return;
  }
  if (role == kMaster) {
    // A replica that turned master behind our back: make it follow the master again, but only once
    // the master is healthy and the change has had time to reach us through hello messages.
    const int64_t wait_time = kPublishPeriod * 4;
    if (!ri.is(kPromoted) && master_looks_sane(m, now) && no_down_for(ri, wait_time, now) &&
        now - ri.role_reported_time > wait_time) {
      if (send_replicaof(ri, &m.addr)) st_.events.emit(logx::Level::kNotice, "+convert-to-slave", &ri);
    }
  }
  if (role == kReplica && (ri.slave_master_port != m.addr.port || ri.slave_master_host != m.addr.ip)) {
    // Replicating from the wrong address: fix it when no failover explains it.
    const int64_t wait_time = m.failover_timeout;
    if (master_looks_sane(m, now) && no_down_for(ri, wait_time, now) &&
        now - ri.slave_conf_change_time > wait_time) {
      if (send_replicaof(ri, &m.addr)) st_.events.emit(logx::Level::kNotice, "+fix-slave-config", &ri);
    }
  }
}

}  // namespace sentinel
