#include "common/net/server.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>

#include <cstring>

#include "common/log/log.h"

namespace net {
namespace {

struct WriteRequest {
  uv_write_t req;
  std::string data;
};

constexpr size_t kReadChunk = 16 * 1024;

}  // namespace

std::string format_address(const sockaddr* addr, std::string* ip_out, int* port_out) {
  char ip[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (addr->sa_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(addr);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    port = ntohs(a->sin_port);
  } else if (addr->sa_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(addr);
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
    port = ntohs(a->sin6_port);
  }
  if (ip_out) *ip_out = ip;
  if (port_out) *port_out = port;
  return std::string(ip) + ":" + std::to_string(port);
}

bool Connection::is_unix_or_loopback() const {
  return peer_ip_ == "127.0.0.1" || peer_ip_ == "::1" || peer_ip_.rfind("127.", 0) == 0 ||
         peer_ip_ == "::ffff:127.0.0.1";
}

void Connection::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(h->data);
  size_t got = 0;
  buf->base = c->input_.prepare(kReadChunk, &got);
  buf->len = got;
}

void Connection::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
  auto* c = static_cast<Connection*>(s->data);
  if (nread > 0) {
    c->input_.commit(static_cast<size_t>(nread));
    if (!c->closing()) c->server_->handler_->on_input(*c);
    return;
  }
  if (nread < 0) {
    if (nread != UV_EOF) LOG_VERBOSE("Client %s closed the connection: %s", c->peer_.c_str(), uv_strerror(static_cast<int>(nread)));
    c->close();
  }
}

void Connection::start_reading() {
  if (read_started_ || closing_) return;
  read_started_ = true;
  uv_read_start(reinterpret_cast<uv_stream_t*>(&handle_), on_alloc, on_read);
}

void Connection::pause_reading() {
  paused_ = true;
  if (read_started_ && !closing_) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&handle_));
    read_started_ = false;
  }
}

void Connection::resume_reading() {
  paused_ = false;
  start_reading();
}

void Connection::flush() {
  if (closing_ || writing_) return;
  if (output_.empty()) {
    if (close_after_flush_) begin_close();
    return;
  }
  auto* stream = reinterpret_cast<uv_stream_t*>(&handle_);
  // Most replies fit the socket buffer: write them directly and skip the request allocation.
  uv_buf_t b = uv_buf_init(output_.data(), static_cast<unsigned>(output_.size()));
  int n = uv_try_write(stream, &b, 1);
  if (n == static_cast<int>(output_.size())) {
    output_.clear();
    if (output_.capacity() > 1024 * 1024) output_.shrink_to_fit();
    if (close_after_flush_) begin_close();
    return;
  }
  if (n < 0 && n != UV_EAGAIN) {
    close();
    return;
  }
  size_t written = n > 0 ? static_cast<size_t>(n) : 0;
  auto* req = new WriteRequest;
  req->req.data = this;
  req->data = output_.substr(written);
  output_.clear();
  inflight_ = req->data.size();
  writing_ = true;
  uv_buf_t wb = uv_buf_init(req->data.data(), static_cast<unsigned>(req->data.size()));
  int rc = uv_write(&req->req, stream, &wb, 1, on_write);
  if (rc != 0) {
    delete req;
    writing_ = false;
    inflight_ = 0;
    close();
    return;
  }
  if (pending_output() > server_->backpressure_bytes && !paused_) {
    uv_read_stop(stream);
    read_started_ = false;
  }
}

void Connection::on_write(uv_write_t* r, int status) {
  auto* req = reinterpret_cast<WriteRequest*>(r);
  auto* c = static_cast<Connection*>(r->data);
  delete req;
  if (c == nullptr) return;
  c->writing_ = false;
  c->inflight_ = 0;
  if (c->closing_) return;
  if (status < 0) {
    c->close();
    return;
  }
  if (!c->output_.empty()) {
    c->flush();
    return;
  }
  if (c->close_after_flush_) {
    c->begin_close();
    return;
  }
  if (!c->paused_ && !c->read_started_) c->start_reading();
  c->server_->handler_->on_drained(*c);
}

void Connection::close_after_flush() {
  if (closing_) return;
  // Never closes here: the caller may still be using the connection (QUIT's handler). The next
  // flush() sends what is queued and then closes.
  close_after_flush_ = true;
  pause_reading();
  paused_ = true;
  server_->defer_close_check(this);
}

void Server::defer_close_check(Connection* c) {
  if (deferred_check_ == nullptr) {
    deferred_check_ = new uv_check_t;
    uv_check_init(loop_, deferred_check_);
    deferred_check_->data = this;
    uv_check_start(deferred_check_, [](uv_check_t* h) { static_cast<Server*>(h->data)->run_deferred_closes(); });
    uv_unref(reinterpret_cast<uv_handle_t*>(deferred_check_));
  }
  deferred_.push_back(c);
}

void Server::run_deferred_closes() {
  if (deferred_.empty()) return;
  std::vector<Connection*> batch;
  batch.swap(deferred_);
  for (Connection* c : batch) {
    // Only connections with nothing left to send: the application flushes the others itself, after
    // whatever must happen before its replies leave (the AOF write).
    if (live_.count(c) && c->close_after_flush_ && !c->closing_ && !c->writing_ && c->output_.empty())
      c->begin_close();
  }
}

void Connection::close() {
  if (closing_) return;
  output_.clear();
  begin_close();
}

void Connection::begin_close() {
  if (closing_) return;
  closing_ = true;
  server_->handler_->on_close(*this);
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), on_closed);
}

void Connection::on_closed(uv_handle_t* h) {
  auto* c = static_cast<Connection*>(h->data);
  c->server_->connections_--;
  c->server_->live_.erase(c);
  delete c;
}

Server::~Server() {
  close_listeners();
  if (deferred_check_ != nullptr) {
    uv_check_stop(deferred_check_);
    uv_close(reinterpret_cast<uv_handle_t*>(deferred_check_), [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); });
  }
}

void Server::on_connection(uv_stream_t* listener, int status) {
  auto* self = static_cast<Server*>(listener->data);
  if (status < 0) {
    LOG_WARNING("Accepting client connection: %s", uv_strerror(status));
    return;
  }
  auto* c = new Connection;
  c->server_ = self;
  uv_tcp_init(self->loop_, &c->handle_);
  c->handle_.data = c;
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&c->handle_)) != 0) {
    c->closing_ = true;
    self->connections_++;
    self->live_.insert(c);
    uv_close(reinterpret_cast<uv_handle_t*>(&c->handle_), Connection::on_closed);
    return;
  }
  uv_tcp_nodelay(&c->handle_, 1);
  uv_os_fd_t fd = -1;
  uv_fileno(reinterpret_cast<uv_handle_t*>(&c->handle_), &fd);
  c->fd_ = fd;
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getpeername(&c->handle_, reinterpret_cast<sockaddr*>(&ss), &len) == 0)
    c->peer_ = format_address(reinterpret_cast<sockaddr*>(&ss), &c->peer_ip_, &c->peer_port_);
  len = sizeof ss;
  if (uv_tcp_getsockname(&c->handle_, reinterpret_cast<sockaddr*>(&ss), &len) == 0)
    c->local_ = format_address(reinterpret_cast<sockaddr*>(&ss));
  c->id_ = self->next_id_++;
  self->connections_++;
  self->live_.insert(c);
  if (!self->handler_->on_accept(*c)) {
    c->close_after_flush();
    c->flush();
    return;
  }
  c->start_reading();
}

std::string Server::listen(const std::vector<std::string>& addresses, int port, int backlog) {
  for (const std::string& raw : addresses) {
    std::string addr = raw;
    // Redis accepts "-::1" meaning optional; we accept the address without the dash.
    if (!addr.empty() && addr[0] == '-') addr = addr.substr(1);
    if (addr == "*") addr = "0.0.0.0";
    sockaddr_storage ss{};
    bool v6 = addr.find(':') != std::string::npos;
    int rc = v6 ? uv_ip6_addr(addr.c_str(), port, reinterpret_cast<sockaddr_in6*>(&ss))
                : uv_ip4_addr(addr.c_str(), port, reinterpret_cast<sockaddr_in*>(&ss));
    if (rc != 0) return "invalid bind address '" + raw + "': " + uv_strerror(rc);
    auto* tcp = new uv_tcp_t;
    uv_tcp_init(loop_, tcp);
    tcp->data = this;
    rc = uv_tcp_bind(tcp, reinterpret_cast<sockaddr*>(&ss), v6 ? UV_TCP_IPV6ONLY : 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(tcp), backlog, on_connection);
    if (rc != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(tcp), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
      return "Could not create server TCP listening socket " + addr + ":" + std::to_string(port) + ": " +
             uv_strerror(rc);
    }
    listeners_.push_back(tcp);
  }
  return "";
}

void Server::close_listeners() {
  for (uv_tcp_t* tcp : listeners_)
    uv_close(reinterpret_cast<uv_handle_t*>(tcp), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  listeners_.clear();
}

void Server::close_all() {
  std::vector<Connection*> all(live_.begin(), live_.end());
  for (Connection* c : all) c->close();
}

}  // namespace net
