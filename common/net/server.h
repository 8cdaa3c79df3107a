// libuv TCP server: listeners on every configured address, accepted connections with an input buffer,
// an output buffer flushed with back-pressure, and an orderly close. What the bytes mean is the
// application's business, through ConnectionHandler.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/net/buffer.h"

namespace net {

class Server;

class Connection {
 public:
  uint64_t id() const { return id_; }
  int fd() const { return fd_; }
  const std::string& peer() const { return peer_; }    // "ip:port" ("[::1]:port" style not used: Redis prints ip:port)
  const std::string& local() const { return local_; }
  const std::string& peer_ip() const { return peer_ip_; }
  int peer_port() const { return peer_port_; }
  bool is_unix_or_loopback() const;

  InputBuffer& input() { return input_; }
  std::string& output() { return output_; }
  // Bytes waiting to be written: the output buffer and writes handed to the kernel but not finished.
  size_t pending_output() const { return output_.size() + inflight_; }

  // Sends what the output buffer holds; called by the application after a dispatch round.
  void flush();
  // Closes once everything queued is written (QUIT, protocol errors), at the next flush().
  void close_after_flush();
  // Closes now, dropping queued output (CLIENT KILL, output limits).
  void close();
  bool closing() const { return closing_ || close_after_flush_; }

  // Reading stops while a client is blocked or the peer does not read its replies.
  void pause_reading();
  void resume_reading();
  bool reading_paused() const { return paused_; }

  void* user_data = nullptr;

 private:
  friend class Server;
  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* req, int status);
  static void on_closed(uv_handle_t* h);
  void start_reading();
  void begin_close();

  Server* server_ = nullptr;
  uv_tcp_t handle_{};
  uint64_t id_ = 0;
  int fd_ = -1;
  std::string peer_, local_, peer_ip_;
  int peer_port_ = 0;
  InputBuffer input_;
  std::string output_;
  size_t inflight_ = 0;
  bool writing_ = false, closing_ = false, close_after_flush_ = false, paused_ = false, read_started_ = false;
};

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // A new connection; return false to refuse it (after queueing an error reply if wanted).
  virtual bool on_accept(Connection& conn) = 0;
  // New bytes are in conn.input().
  virtual void on_input(Connection& conn) = 0;
  // The connection is going away; drop every reference to it.
  virtual void on_close(Connection& conn) = 0;
  // The output buffer drained below the back-pressure mark (optional).
  virtual void on_drained(Connection&) {}
};

class Server {
 public:
  Server(uv_loop_t* loop, ConnectionHandler* handler) : loop_(loop), handler_(handler) {}
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Listens on each address (IPv4 or IPv6). Returns an error text naming the address that failed.
  std::string listen(const std::vector<std::string>& addresses, int port, int backlog = 511);
  void close_listeners();
  void close_all();
  size_t connection_count() const { return connections_; }
  uv_loop_t* loop() const { return loop_; }
  // Reading pauses when a client has this many bytes of replies not yet taken by the peer.
  size_t backpressure_bytes = 64 * 1024 * 1024;

 private:
  friend class Connection;
  static void on_connection(uv_stream_t* listener, int status);
  // close_after_flush() never closes synchronously; a connection with nothing to send is closed from
  // a check handle at the end of the loop iteration.
  void defer_close_check(Connection* c);
  void run_deferred_closes();
  uv_check_t* deferred_check_ = nullptr;
  std::vector<Connection*> deferred_;
  uv_loop_t* loop_;
  ConnectionHandler* handler_;
  std::vector<uv_tcp_t*> listeners_;
  uint64_t next_id_ = 1;
  size_t connections_ = 0;
  std::unordered_set<Connection*> live_;  // for close_all at shutdown
};

// "ip:port" for a sockaddr, and the ip alone.
std::string format_address(const sockaddr* addr, std::string* ip_out = nullptr, int* port_out = nullptr);

}  // namespace net
