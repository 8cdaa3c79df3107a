// One cluster bus link: outbound (we connected, we send PING/MEET on it) or inbound (accepted on the bus
// port, we answer PONG on it). Outbound sockets are plain uv_tcp_t handles; inbound ones are
// net::Connections of the bus listener.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>

#include "common/net/server.h"

namespace datanode {
class Cluster;
}

namespace cluster {

struct Node;
struct OutSocket;

class Link {
 public:
  Link(datanode::Cluster& owner, Node* node);             // outbound, connecting
  Link(datanode::Cluster& owner, net::Connection* conn);  // inbound
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  bool inbound() const { return conn_ != nullptr || inbound_; }
  bool connected() const { return connected_; }
  bool dead() const { return dead_; }
  void send(std::string bytes);
  // Closes the socket; the object stays until the owner frees it.
  void close();
  // Our address on this socket (what MEET teaches us about ourselves).
  std::string local_ip() const;
  std::string peer_ip() const;

  Node* node = nullptr;
  int64_t ctime_ms = 0;
  uint64_t send_msgs = 0, recv_msgs = 0;
  size_t pending_bytes() const;

 private:
  friend class datanode::Cluster;
  static void on_connect(uv_connect_t* req, int status);
  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* req, int status);
  static void on_closed(uv_handle_t* h);

  datanode::Cluster& owner_;
  net::Connection* conn_ = nullptr;
  OutSocket* out_ = nullptr;
  bool inbound_ = false;
  bool connected_ = false;
  bool dead_ = false;
  std::string rbuf_;
  size_t inflight_ = 0;
};

}  // namespace cluster
