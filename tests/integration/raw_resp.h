// A minimal RESP client that returns each reply as its raw bytes, so tests can tell a null array (*-1)
// from a null bulk ($-1) and compare a datanode's replies byte for byte with a real redis-server's.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace rawresp {

inline std::string encode(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

class Conn {
 public:
  explicit Conn(int port, int timeout_ms = 5000) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~Conn() {
    if (fd_ >= 0) close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool ok() const { return fd_ >= 0; }
  void send(const std::vector<std::string>& args) { send_bytes(encode(args)); }
  void send_bytes(const std::string& bytes) {
    size_t off = 0;
    while (fd_ >= 0 && off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  // One whole reply, raw; "" on timeout or a closed connection.
  std::string read_reply() {
    std::string out;
    return read_one(out) ? out : std::string();
  }
  std::string command(const std::vector<std::string>& args) {
    send(args);
    return read_reply();
  }

 private:
  bool fill() {
    char buf[16384];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    buf_.append(buf, static_cast<size_t>(n));
    return true;
  }
  bool read_line(std::string& line) {
    for (;;) {
      size_t pos = buf_.find("\r\n");
      if (pos != std::string::npos) {
        line = buf_.substr(0, pos + 2);
        buf_.erase(0, pos + 2);
        return true;
      }
      if (!fill()) return false;
    }
  }
  bool read_one(std::string& out) {
    std::string line;
    if (!read_line(line)) return false;
    out += line;
    char t = line[0];
    // RESP3 (after HELLO 3): verbatim (=) and blob errors (!) are sized like bulks; maps (%) and
    // attributes (|) hold pairs, sets (~) and pushes (>) elements; an attribute precedes its reply.
    // Doubles (,), booleans (#), nulls (_) and big numbers (() are one line, like integers.
    if (t == '=' || t == '!') t = '$';
    if (t == '~' || t == '>') t = '*';
    if (t == '%' || t == '|') {
      long pairs = std::stol(line.substr(1));
      for (long i = 0; i < 2 * pairs; ++i) {
        if (!read_one(out)) return false;
      }
      return line[0] == '|' ? read_one(out) : true;
    }
    if (t == '$') {
      long n = std::stol(line.substr(1));
      if (n < 0) return true;
      while (buf_.size() < static_cast<size_t>(n) + 2) {
        if (!fill()) return false;
      }
      out += buf_.substr(0, static_cast<size_t>(n) + 2);
      buf_.erase(0, static_cast<size_t>(n) + 2);
    } else if (t == '*') {
      long n = std::stol(line.substr(1));
      for (long i = 0; i < n; ++i) {
        if (!read_one(out)) return false;
      }
    }
    return true;
  }

  int fd_ = -1;
  std::string buf_;
};

}  // namespace rawresp
