#include "datanode/cluster/migration.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/util/clock.h"

namespace datanode {
namespace {

// Waits for `events` on fd until the deadline; false with errno ETIMEDOUT when it passed.
bool wait_fd(int fd, short events, int64_t deadline_ms) {
  for (;;) {
    int64_t left = deadline_ms - util::mono_ms();
    if (left <= 0) {
      errno = ETIMEDOUT;
      return false;
    }
    pollfd p{fd, events, 0};
    int r = poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000000)));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

int connect_with_deadline(const std::string& host, const std::string& port, int64_t deadline_ms) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (r == 0) break;
    if (errno == EINPROGRESS) {
      // As Redis' blocking connect: an asynchronous failure (refused, timed out) surfaces at the first
      // write, so MIGRATE reports it as "writing to target instance" after its one retry.
      wait_fd(fd, POLLOUT, deadline_ms);
      break;
    }
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

}  // namespace

Migrator::~Migrator() {
  for (auto& [name, c] : conns_) ::close(c.fd);
}

Migrator::Conn* Migrator::get(const std::string& host, const std::string& port, int64_t timeout_ms) {
  std::string name = host + ":" + port;
  int64_t now = util::mono_ms();
  auto it = conns_.find(name);
  if (it != conns_.end()) {
    it->second.last_use_ms = now;
    return &it->second;
  }
  if (conns_.size() >= kMaxCached) {
    // Redis evicts a random entry; the least recently used one serves the same purpose.
    auto victim = conns_.begin();
    for (auto j = conns_.begin(); j != conns_.end(); ++j)
      if (j->second.last_use_ms < victim->second.last_use_ms) victim = j;
    ::close(victim->second.fd);
    conns_.erase(victim);
  }
  int fd = connect_with_deadline(host, port, now + timeout_ms);
  if (fd < 0) return nullptr;
  Conn& c = conns_[name];
  c.fd = fd;
  c.last_use_ms = now;
  return &c;
}

void Migrator::close(const std::string& host, const std::string& port) {
  auto it = conns_.find(host + ":" + port);
  if (it == conns_.end()) return;
  ::close(it->second.fd);
  conns_.erase(it);
}

void Migrator::close_idle(int64_t now_ms) {
  std::erase_if(conns_, [now_ms](auto& kv) {
    if (now_ms - kv.second.last_use_ms <= kIdleMs) return false;
    ::close(kv.second.fd);
    return true;
  });
}

bool Migrator::write_all(Conn& c, std::string_view data, int64_t timeout_ms) {
  int64_t deadline = util::mono_ms() + timeout_ms;
  size_t pos = 0;
  while (pos < data.size()) {
    ssize_t n = ::send(c.fd, data.data() + pos, data.size() - pos, MSG_NOSIGNAL);
    if (n > 0) {
      pos += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_fd(c.fd, POLLOUT, deadline)) return false;
      continue;
    }
    return false;
  }
  return true;
}

bool Migrator::read_line(Conn& c, std::string* line, int64_t timeout_ms) {
  int64_t deadline = util::mono_ms() + timeout_ms;
  for (;;) {
    size_t nl = c.inbuf.find('\n');
    if (nl != std::string::npos) {
      size_t end = nl > 0 && c.inbuf[nl - 1] == '\r' ? nl - 1 : nl;
      line->assign(c.inbuf, 0, end);
      c.inbuf.erase(0, nl + 1);
      return true;
    }
    // A reply line longer than this is not a RESTORE/SELECT/AUTH reply: treat it as a broken link.
    if (c.inbuf.size() > 64 * 1024) {
      errno = EPROTO;
      return false;
    }
    char buf[4096];
    ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.inbuf.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      errno = ECONNRESET;
      return false;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
    if (!wait_fd(c.fd, POLLIN, deadline)) return false;
  }
}

}  // namespace datanode
