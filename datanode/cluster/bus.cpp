// Cluster bus transport: the listener, outbound links, framing, sending and the 10 Hz cron that keeps
// links up, pings nodes and expires handshakes.
#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "datanode/cluster/cluster.h"
#include "datanode/cluster/link.h"
#include "datanode/replication/replication.h"

namespace cluster {

struct OutSocket {
  uv_tcp_t tcp{};
  uv_connect_t connect{};
  Link* link = nullptr;
  char rbuf[16 * 1024];
};

namespace {
struct WriteReq {
  uv_write_t req{};
  std::string data;
  OutSocket* sock = nullptr;
};
}  // namespace

Link::Link(datanode::Cluster& owner, Node* n) : node(n), owner_(owner) {
  ctime_ms = util::unix_ms();
  out_ = new OutSocket;
  out_->link = this;
  uv_tcp_init(owner.server().loop(), &out_->tcp);
  out_->tcp.data = out_;
  out_->connect.data = out_;
  sockaddr_storage addr{};
  int rc = uv_ip4_addr(n->ip.c_str(), n->cport, reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) rc = uv_ip6_addr(n->ip.c_str(), n->cport, reinterpret_cast<sockaddr_in6*>(&addr));
  if (rc == 0)
    rc = uv_tcp_connect(&out_->connect, &out_->tcp, reinterpret_cast<sockaddr*>(&addr), on_connect);
  if (rc != 0) close();
}

Link::Link(datanode::Cluster& owner, net::Connection* conn) : owner_(owner), conn_(conn), inbound_(true) {
  ctime_ms = util::unix_ms();
  connected_ = true;
}

Link::~Link() {
  if (out_) {
    out_->link = nullptr;
    out_ = nullptr;
  }
}

void Link::on_connect(uv_connect_t* req, int status) {
  auto* sock = static_cast<OutSocket*>(req->data);
  Link* self = sock->link;
  if (self == nullptr) return;
  if (status != 0) {
    LOG_VERBOSE("Connecting with Node %.40s at %s:%d: %s", self->node ? self->node->id.c_str() : "?",
                self->node ? self->node->ip.c_str() : "?", self->node ? self->node->cport : 0,
                uv_strerror(status));
    self->owner_.free_link(self);
    return;
  }
  self->connected_ = true;
  uv_tcp_nodelay(&sock->tcp, 1);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&sock->tcp), on_alloc, on_read);
  self->owner_.on_outbound_connected(self);
}

void Link::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* sock = static_cast<OutSocket*>(h->data);
  buf->base = sock->rbuf;
  buf->len = sizeof sock->rbuf;
}

void Link::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* sock = static_cast<OutSocket*>(s->data);
  Link* self = sock->link;
  if (self == nullptr || nread == 0) return;
  if (nread < 0) {
    self->owner_.free_link(self);
    return;
  }
  self->rbuf_.append(buf->base, static_cast<size_t>(nread));
  self->owner_.process_input(self, self->rbuf_);
  self->owner_.after_bus_input();
}

void Link::on_write(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  if (w->sock->link) {
    w->sock->link->inflight_ -= w->data.size();
    if (status != 0) w->sock->link->owner_.free_link(w->sock->link);
  }
  delete w;
}

void Link::on_closed(uv_handle_t* h) { delete static_cast<OutSocket*>(h->data); }

void Link::send(std::string bytes) {
  if (dead_) return;
  send_msgs++;
  if (conn_ != nullptr) {
    conn_->output() += bytes;
    conn_->flush();
    return;
  }
  if (out_ == nullptr || !connected_) return;
  auto* w = new WriteReq;
  w->data = std::move(bytes);
  w->sock = out_;
  w->req.data = w;
  inflight_ += w->data.size();
  uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&out_->tcp), &buf, 1, on_write);
  if (rc != 0) {
    inflight_ -= w->data.size();
    delete w;
    close();
  }
}

size_t Link::pending_bytes() const { return conn_ ? conn_->pending_output() : inflight_; }

void Link::close() {
  if (dead_) return;
  dead_ = true;
  connected_ = false;
  if (conn_ != nullptr) {
    conn_->close();
  } else if (out_ != nullptr) {
    out_->link = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&out_->tcp), on_closed);
    out_ = nullptr;
  }
}

std::string Link::local_ip() const {
  if (conn_ != nullptr) {
    const std::string& l = conn_->local();
    size_t colon = l.rfind(':');
    return colon == std::string::npos ? l : l.substr(0, colon);
  }
  if (out_ == nullptr) return "";
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getsockname(&out_->tcp, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  std::string ip;
  net::format_address(reinterpret_cast<sockaddr*>(&ss), &ip);
  return ip;
}

std::string Link::peer_ip() const {
  if (conn_ != nullptr) return conn_->peer_ip();
  return node ? node->ip : "";
}

}  // namespace cluster

namespace datanode {

using namespace cluster;

int Cluster::announced_port() const {
  const Settings& s = server_.settings();
  return s.cluster_announce_port ? s.cluster_announce_port : s.port;
}

int Cluster::announced_cport() const {
  const Settings& s = server_.settings();
  if (s.cluster_announce_bus_port) return s.cluster_announce_bus_port;
  return s.cluster_port ? s.cluster_port : s.port + 10000;
}

bool Cluster::on_accept(net::Connection& conn) {
  auto link = std::make_unique<Link>(*this, &conn);
  conn.user_data = link.get();
  links_.push_back(std::move(link));
  return true;
}

void Cluster::on_input(net::Connection& conn) {
  auto* link = static_cast<Link*>(conn.user_data);
  if (link == nullptr || link->dead()) {
    conn.input().clear();
    return;
  }
  std::string buf(conn.input().data());
  conn.input().clear();
  link->rbuf_ += buf;
  process_input(link, link->rbuf_);
  after_bus_input();
}

void Cluster::on_close(net::Connection& conn) {
  auto* link = static_cast<Link*>(conn.user_data);
  conn.user_data = nullptr;
  if (link == nullptr) return;
  link->conn_ = nullptr;
  link->inbound_ = true;
  free_link(link);
}

void Cluster::free_link(Link* link) {
  if (link->node) {
    if (link->node->link == link) link->node->link = nullptr;
    if (link->node->inbound_link == link) link->node->inbound_link = nullptr;
    link->node = nullptr;
  }
  link->close();
}

size_t Cluster::connection_count() const {
  size_t n = 0;
  for (const auto& l : links_)
    if (!l->dead() && l->node != nullptr) n++;
  return n;
}

bool Cluster::process_input(Link* link, std::string& buf) {
  size_t pos = 0;
  while (!link->dead()) {
    std::string_view rest(buf.data() + pos, buf.size() - pos);
    int64_t len = frame_length(rest);
    if (len == 0 || (len > 0 && rest.size() < static_cast<size_t>(len))) break;
    if (len < 0) {
      LOG_WARNING("Bad message length or signature received on the Cluster bus from %s",
                  link->peer_ip().c_str());
      free_link(link);
      return false;
    }
    std::string why;
    auto msg = decode(rest.substr(0, static_cast<size_t>(len)), &why);
    pos += static_cast<size_t>(len);
    if (!msg) {
      if (!why.empty())
        LOG_WARNING("Cluster bus message from %s dropped: %s", link->peer_ip().c_str(), why.c_str());
      continue;
    }
    link->recv_msgs++;
    if (!process_message(link, *msg)) return false;
  }
  if (link->dead()) return false;
  buf.erase(0, pos);
  return true;
}

Message Cluster::header(uint16_t type) {
  Node& me = myself();
  Message m;
  m.type = type;
  m.port = static_cast<uint16_t>(announced_port());
  m.cport = static_cast<uint16_t>(announced_cport());
  m.flags = me.flags;
  m.state = st_.ok ? 0 : 1;
  m.current_epoch = st_.current_epoch;
  m.sender = me.id;
  m.myip = server_.settings().cluster_announce_ip;
  Node* master = st_.master_of(me);
  if (me.is_replica()) {
    m.slaveof = me.master_id;
    if (master) {
      m.myslots = master->slots;
      m.config_epoch = master->config_epoch;
    }
  } else {
    m.myslots = me.slots;
    m.config_epoch = me.config_epoch;
  }
  m.offset = static_cast<uint64_t>(server_.replication().master_repl_offset());
  if (me.is_master() && fo_.mf_end_ms != 0) m.mflags |= kMFlagPaused;
  return m;
}

void Cluster::send(Link* link, const Message& m) {
  if (link == nullptr || link->dead()) return;
  if (m.type < cluster::Stats::kTypes) st_.stats.sent[m.type]++;
  link->send(encode(m));
}

void Cluster::send_ping(Link* link, uint16_t type) {
  Message m = header(type);
  m.hostname = server_.settings().cluster_announce_hostname;
  int64_t now = util::unix_ms();
  if (type == kMsgPing && link->node) link->node->ping_sent_ms = now;
  // Gossip about a few random nodes (Redis: max(3, nodes/10), at most nodes-2) plus every PFAIL node.
  std::vector<Node*> candidates;
  for (auto& [id, n] : st_.nodes) {
    if (n.get() == st_.myself || n.get() == link->node) continue;
    if (n->has(kHandshake | kNoAddr) || (n->link == nullptr && n->numslots == 0)) continue;
    candidates.push_back(n.get());
  }
  size_t wanted = std::max<size_t>(3, st_.nodes.size() / 10);
  std::shuffle(candidates.begin(), candidates.end(), std::mt19937{std::random_device{}()});
  for (Node* n : candidates) {
    if (m.gossip.size() >= wanted && !n->has(kPFail)) continue;
    GossipEntry g;
    g.id = n->id;
    g.ping_sent = static_cast<uint32_t>(n->ping_sent_ms / 1000);
    g.pong_received = static_cast<uint32_t>(n->pong_received_ms / 1000);
    g.ip = n->ip;
    g.port = static_cast<uint16_t>(n->port);
    g.cport = static_cast<uint16_t>(n->cport);
    g.pport = static_cast<uint16_t>(n->pport);
    g.flags = n->flags;
    m.gossip.push_back(std::move(g));
  }
  send(link, m);
}

void Cluster::broadcast_pong() {
  for (auto& [id, n] : st_.nodes) {
    if (n.get() == st_.myself || n->link == nullptr || !n->link->connected() || n->has(kHandshake)) continue;
    send_ping(n->link, kMsgPong);
  }
}

void Cluster::broadcast(const Message& m) {
  for (auto& [id, n] : st_.nodes) {
    if (n.get() == st_.myself || n->link == nullptr || !n->link->connected() || n->has(kHandshake)) continue;
    send(n->link, m);
  }
}

void Cluster::publish(std::string_view channel, std::string_view message) {
  Message m = header(kMsgPublish);
  m.channel = std::string(channel);
  m.payload = std::string(message);
  broadcast(m);
}

void Cluster::publish_shard(std::string_view channel, std::string_view message) {
  // The shard is the master serving our slots and its replicas (Redis' clusterGetNodesServingMySlots).
  Node* master = myself().is_replica() ? st_.find(myself().master_id) : st_.myself;
  if (master == nullptr) return;
  Message m = header(kMsgPublishShard);
  m.channel = std::string(channel);
  m.payload = std::string(message);
  for (auto& [id, n] : st_.nodes) {
    if (n.get() == st_.myself || n->link == nullptr || !n->link->connected() || n->has(kHandshake)) continue;
    if (n.get() == master || (n->is_replica() && n->master_id == master->id)) send(n->link, m);
  }
}

void Cluster::on_outbound_connected(Link* link) {
  Node* n = link->node;
  if (n == nullptr) return;
  int64_t old_ping = n->ping_sent_ms;
  send_ping(link, n->has(kMeet) ? kMsgMeet : kMsgPing);
  // A reconnect must not hide an older unanswered ping (failure detection counts from the first).
  if (old_ping) n->ping_sent_ms = old_ping;
  n->flags &= static_cast<uint16_t>(~kMeet);
}

void Cluster::cron(int64_t) {
  int64_t now = util::unix_ms();
  int64_t timeout = server_.settings().cluster_node_timeout;
  int64_t handshake_timeout = std::max<int64_t>(timeout, 1000);
  // Links already closed are freed here, outside any callback that might still use them.
  std::erase_if(links_, [](const std::unique_ptr<Link>& l) { return l->dead() && l->conn_ == nullptr; });

  std::vector<Node*> expired;
  for (auto& [id, up] : st_.nodes) {
    Node* n = up.get();
    if (n == st_.myself || n->has(kNoAddr)) continue;
    if (n->has(kHandshake) && now - n->ctime_ms > handshake_timeout) {
      expired.push_back(n);
      continue;
    }
    if (n->link == nullptr) {
      auto link = std::make_unique<Link>(*this, n);
      n->link = link.get();
      links_.push_back(std::move(link));
    }
  }
  for (Node* n : expired) delete_node(n);

  // Once a second, ping the node with the oldest pong among five random ones.
  if (now - last_ping_round_ms_ >= 1000) {
    last_ping_round_ms_ = now;
    std::vector<Node*> pool;
    for (auto& [id, n] : st_.nodes)
      if (n.get() != st_.myself && n->link && n->link->connected() && n->ping_sent_ms == 0 &&
          !n->has(kHandshake))
        pool.push_back(n.get());
    std::shuffle(pool.begin(), pool.end(), std::mt19937{std::random_device{}()});
    if (pool.size() > 5) pool.resize(5);
    Node* oldest = nullptr;
    for (Node* n : pool)
      if (oldest == nullptr || n->pong_received_ms < oldest->pong_received_ms) oldest = n;
    if (oldest) send_ping(oldest->link, kMsgPing);
  }

  for (auto& [id, up] : st_.nodes) {
    Node* n = up.get();
    // Failure reports older than twice the node timeout no longer count (Redis'
    // CLUSTER_FAIL_REPORT_VALIDITY_MULT).
    std::erase_if(n->fail_reports, [&](const auto& r) { return now - r.second > 2 * timeout; });
    if (n == st_.myself || n->has(kNoAddr | kHandshake) || n->link == nullptr) continue;
    // A link that waited half the timeout for a pong with no data at all is reconnected.
    if (n->link->connected() && now - n->link->ctime_ms > timeout && n->ping_sent_ms &&
        now - n->ping_sent_ms > timeout / 2 && now - n->data_received_ms > timeout / 2) {
      free_link(n->link);
      continue;
    }
    // Pinging a link that is still connecting only starts the clock (the PING goes out on connect): a
    // node we cannot reach at all must still become PFAIL.
    if (n->ping_sent_ms == 0 && now - n->pong_received_ms > timeout / 2) {
      send_ping(n->link, kMsgPing);
      continue;
    }
    if (n->ping_sent_ms == 0) continue;
    int64_t delay = std::min(now - n->ping_sent_ms, now - n->data_received_ms);
    if (delay > timeout && !n->has(kPFail | kFail)) {
      LOG_VERBOSE("*** NODE %.40s possibly failing", n->id.c_str());
      n->flags |= kPFail;
      todo_update_state();
    }
  }
  failover_cron(now);
  todo_update_state();
  before_sleep();
}

}  // namespace datanode
