#include "datanode/server/client_info.h"

#include "common/util/clock.h"
#include "datanode/server/client.h"
#include "datanode/server/pubsub.h"
#include "datanode/server/server.h"

namespace datanode {

std::string client_flags(const Client& c) {
  char f[16];
  size_t n = 0;
  if (c.has(kClientMonitor)) f[n++] = 'O';
  else if (c.has(kClientReplica)) f[n++] = 'S';
  if (c.has(kClientMaster)) f[n++] = 'M';
  if (c.has(kClientPubSub)) f[n++] = 'P';
  if (c.has(kClientMulti)) f[n++] = 'x';
  if (c.has(kClientBlocked | kClientPaused)) f[n++] = 'b';
  if (c.has(kClientTracking)) f[n++] = 't';
  if (c.has(kClientTrackingBrokenRedir)) f[n++] = 'R';
  if (c.has(kClientTrackingBcast)) f[n++] = 'B';
  if (c.has(kClientDirtyCas)) f[n++] = 'd';
  if (c.has(kClientCloseAfterReply) || (c.conn && c.conn->closing())) f[n++] = 'c';
  if (c.has(kClientCloseAsap)) f[n++] = 'A';
  if (c.has(kClientNoEvict)) f[n++] = 'e';
  if (c.has(kClientNoTouch)) f[n++] = 'T';
  if (n == 0) f[n++] = 'N';
  return std::string(f, n);
}

std::string client_info_line(Server& server, const Client& c) {
  int64_t now = util::mono_ms();
  const net::Connection* conn = c.conn;
  size_t qbuf = conn ? const_cast<net::Connection*>(conn)->input().size() : 0;
  size_t qcap = conn ? const_cast<net::Connection*>(conn)->input().capacity() : 0;
  size_t obl = conn ? const_cast<net::Connection*>(conn)->output().size() : 0;
  size_t omem = conn ? conn->pending_output() : 0;
  size_t oll = omem > obl ? 1 : 0;
  size_t tot = sizeof(Client) + qcap + omem + c.multi_mem;
  std::string line;
  line.reserve(320);
  auto field = [&line](std::string_view name, std::string_view value) {
    if (!line.empty()) line.append(" ", 1);
    line.append(name.data(), name.size());
    line.append("=", 1);
    line.append(value.data(), value.size());
  };
  auto num = [&field](const char* name, int64_t v) { field(name, std::to_string(v)); };
  num("id", static_cast<int64_t>(c.id));
  field("addr", conn ? conn->peer() : "");
  field("laddr", conn ? conn->local() : "");
  num("fd", conn ? conn->fd() : -1);
  field("name", c.name);
  num("age", (now - c.created_ms) / 1000);
  num("idle", (now - c.last_interaction_ms) / 1000);
  field("flags", client_flags(c));
  num("db", c.db);
  num("sub", static_cast<int64_t>(c.channels.size()));
  num("psub", static_cast<int64_t>(c.patterns.size()));
  num("ssub", static_cast<int64_t>(server.pubsub().shard_subscription_count(c)));
  num("multi", c.has(kClientMulti) ? static_cast<int64_t>(c.multi_queue.size()) : -1);
  num("qbuf", static_cast<int64_t>(qbuf));
  num("qbuf-free", static_cast<int64_t>(qcap - qbuf));
  num("argv-mem", 0);
  num("multi-mem", static_cast<int64_t>(c.multi_mem));
  num("rbs", static_cast<int64_t>(qcap));
  num("rbp", static_cast<int64_t>(qcap));
  num("obl", static_cast<int64_t>(obl));
  num("oll", static_cast<int64_t>(oll));
  num("omem", static_cast<int64_t>(omem));
  num("tot-mem", static_cast<int64_t>(tot));
  field("events", omem > 0 ? "rw" : "r");
  field("cmd", c.last_command);
  field("user", c.user);
  num("redir", c.has(kClientTracking) ? static_cast<int64_t>(c.tracking_redirect) : -1);
  num("resp", c.resp);
  return line;
}

}  // namespace datanode
