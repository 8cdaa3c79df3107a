// A scripted replication master for tests: listens on a loopback port, accepts one replica at a time,
// answers its handshake (PING, AUTH, REPLCONF, PSYNC) and lets the test write the exact bytes of the
// full-sync reply and the command stream, then read what the replica sends back (REPLCONF ACK offsets).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "raw_resp.h"

namespace fake_master {

// An RDB with no keys and no checksum (0: "not computed", as with rdbchecksum no).
inline std::string empty_rdb() { return std::string("REDIS0009\xff", 10) + std::string(8, '\0'); }

class FakeMaster {
 public:
  FakeMaster() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listen_fd_, 8);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~FakeMaster() {
    close_replica();
    close(listen_fd_);
  }
  FakeMaster(const FakeMaster&) = delete;
  FakeMaster& operator=(const FakeMaster&) = delete;

  int port() const { return port_; }

  // Waits for the next replica connection (closing the previous one).
  bool accept(std::chrono::milliseconds timeout) {
    close_replica();
    if (!wait_readable(listen_fd_, timeout)) return false;
    fd_ = ::accept(listen_fd_, nullptr, nullptr);
    return fd_ >= 0;
  }
  void close_replica() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    buf_.clear();
    peer_closed_ = false;
  }

  void send(const std::string& bytes) {
    size_t off = 0;
    while (fd_ >= 0 && off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }

  // The next command the replica sent; nullopt on timeout or once the replica closed the link.
  std::optional<std::vector<std::string>> read_command(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto cmd = parse()) return cmd;
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (fd_ < 0 || peer_closed_ || left.count() <= 0 || !wait_readable(fd_, left)) return std::nullopt;
      char chunk[4096];
      ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        peer_closed_ = true;
        continue;
      }
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }

  // Answers the handshake up to PSYNC and returns PSYNC's arguments (empty on failure).
  std::vector<std::string> handshake(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    while (auto cmd = read_command(timeout)) {
      if (cmd->empty()) continue;
      std::string name = lower((*cmd)[0]);
      if (name == "ping")
        send("+PONG\r\n");
      else if (name == "psync" || name == "sync")
        return *cmd;
      else
        send("+OK\r\n");
    }
    return {};
  }

  // Reads until a REPLCONF ACK arrives; its offset, or nullopt on timeout / closed link.
  std::optional<long long> next_ack(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto cmd = read_command(left);
      if (!cmd) return std::nullopt;
      if (cmd->size() == 3 && lower((*cmd)[0]) == "replconf" && lower((*cmd)[1]) == "ack")
        return std::stoll((*cmd)[2]);
    }
  }

  // True once the replica closed the link (reading and dropping what it sent meanwhile); every ACK seen
  // on the way is stored in `acks`.
  bool wait_closed(std::chrono::milliseconds timeout, std::vector<long long>* acks) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      auto cmd = read_command(left);
      if (!cmd) return peer_closed_;
      if (cmd->size() == 3 && lower((*cmd)[0]) == "replconf" && lower((*cmd)[1]) == "ack")
        acks->push_back(std::stoll((*cmd)[2]));
    }
  }

 private:
  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    return s;
  }
  static bool wait_readable(int fd, std::chrono::milliseconds timeout) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, static_cast<int>(timeout.count())) > 0;
  }
  // One whole "*<n>\r\n$<len>\r\n<arg>\r\n..." command from buf_, consumed; nullopt if incomplete.
  std::optional<std::vector<std::string>> parse() {
    size_t pos = 0;
    auto line = [&](std::string& out) {
      size_t crlf = buf_.find("\r\n", pos);
      if (crlf == std::string::npos) return false;
      out = buf_.substr(pos, crlf - pos);
      pos = crlf + 2;
      return true;
    };
    std::string header;
    if (!line(header) || header.empty() || header[0] != '*') return std::nullopt;
    std::vector<std::string> args;
    long n = std::stol(header.substr(1));
    for (long i = 0; i < n; ++i) {
      std::string len;
      if (!line(len) || len.empty() || len[0] != '$') return std::nullopt;
      size_t l = std::stoul(len.substr(1));
      if (buf_.size() < pos + l + 2) return std::nullopt;
      args.push_back(buf_.substr(pos, l));
      pos += l + 2;
    }
    buf_.erase(0, pos);
    return args;
  }

  int listen_fd_ = -1;
  int fd_ = -1;
  int port_ = 0;
  bool peer_closed_ = false;
  std::string buf_;
};

}  // namespace fake_master
