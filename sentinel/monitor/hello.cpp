// Hello messages: how sentinels watching the same master find each other (and learn a newer
// configuration of the master) through the __sentinel__:hello channel of the monitored instances.
// Format, as Redis: ip,port,runid,current_epoch,master_name,master_ip,master_port,master_config_epoch
#include <hiredis/hiredis.h>

#include <array>
#include <string>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "sentinel/monitor/monitor.h"

namespace sentinel {

void Monitor::on_hello_message(Instance& ri, redisReply* r) {
  if (r == nullptr || ri.dead) return;
  ri.pc_last_activity = util::mono_ms();
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) return;
  redisReply* kind = r->element[0];
  redisReply* payload = r->element[2];
  if (kind->type != REDIS_REPLY_STRING || std::string_view(kind->str, kind->len) != "message") return;
  if (payload->type != REDIS_REPLY_STRING) return;
  process_hello(std::string_view(payload->str, payload->len));
}

namespace {

// Hello fields end up in the state file and in replies: accept only what a real sentinel sends (an
// address or host name, a 40-hex run id), so a forged PUBLISH cannot corrupt the file (found by fuzzing).
bool plausible_host(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  for (char c : s)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '.' && c != ':' && c != '-' && c != '_') return false;
  return true;
}

bool plausible_run_id(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s)
    if (!isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

void Monitor::process_hello(std::string_view payload) {
  // Eight comma-separated fields, as views into the payload: every hello a server carries reaches each
  // of our pub/sub links on it, most of them our own, so the common case must not allocate.
  std::array<std::string_view, 8> t;
  size_t fields = 0;
  for (size_t start = 0;;) {
    size_t comma = payload.find(',', start);
    if (fields == t.size()) return;  // more than 8 fields
    t[fields++] =
        payload.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (fields != t.size()) return;
  if (t[2] == st_.myid) return;  // our own hello
  if (!plausible_host(t[0]) || !plausible_run_id(t[2]) || !plausible_host(t[5])) return;
  Instance* m = st_.find_master(t[4]);
  if (m == nullptr) return;
  auto port = util::parse_int(t[1]);
  auto epoch = util::parse_int(t[3]);
  auto master_port = util::parse_int(t[6]);
  auto master_config_epoch = util::parse_int(t[7]);
  if (!port || !epoch || !master_port || !master_config_epoch || *port <= 0 || *port > 65535) return;
  // The master's port goes into the state file, which refuses ports outside 1..65535 (found by fuzzing).
  if (*master_port <= 0 || *master_port > 65535) return;
  int64_t now = util::mono_ms();
  const std::string ip(t[0]);
  const std::string runid(t[2]);
  Instance* si = nullptr;
  if (auto it = m->sentinels.find(runid); it != m->sentinels.end() && it->second->addr.ip == ip &&
                                          it->second->addr.port == *port)
    si = it->second.get();
  if (si == nullptr) {
    // A sentinel we do not know at this address: forget entries with the same run id (it moved) or the
    // same address (it restarted with a new id), then add it.
    bool moved = false;
    for (auto it = m->sentinels.begin(); it != m->sentinels.end();) {
      Instance& s = *it->second;
      if (s.runid == runid || (s.addr.ip == ip && s.addr.port == *port)) {
        moved = moved || s.runid == runid;
        st_.bury(std::move(it->second));
        it = m->sentinels.erase(it);
      } else {
        ++it;
      }
    }
    auto s = std::make_unique<Instance>();
    s->flags = kSentinel;
    s->addr = {ip, static_cast<int>(*port)};
    s->runid = runid;
    s->name = runid;
    s->master = m;
    s->created_at = s->last_avail_time = now;
    si = s.get();
    m->sentinels[runid] = std::move(s);
    if (moved) st_.events.emit(logx::Level::kNotice, "+sentinel-address-switch", si);
    else st_.events.emit(logx::Level::kNotice, "+sentinel", si);
    flush_config();
  }
  if (static_cast<uint64_t>(*epoch) > st_.current_epoch) {
    st_.current_epoch = static_cast<uint64_t>(*epoch);
    flush_config();
    st_.events.emit(logx::Level::kWarning, "+new-epoch", nullptr, std::to_string(st_.current_epoch), false);
  }
  if (m->config_epoch < static_cast<uint64_t>(*master_config_epoch)) {
    m->config_epoch = static_cast<uint64_t>(*master_config_epoch);
    if (*master_port != m->addr.port || t[5] != m->addr.ip) {
      st_.events.emit(logx::Level::kWarning, "+config-update-from", si);
      std::string old_ip = m->addr.ip;
      int old_port = m->addr.port;
      st_.events.emit(logx::Level::kWarning, "+switch-master", m,
                      m->name + " " + old_ip + " " + std::to_string(old_port) + " " + std::string(t[5]) +
                          " " + std::string(t[6]),
                      false);
      reset_master_and_change_address(*m, std::string(t[5]), static_cast<int>(*master_port));
    } else {
      flush_config();
    }
  }
  si->last_hello_time = now;
}

}  // namespace sentinel
