#include "common/link/link.h"

#include <arpa/inet.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

// The adapter is a header of static functions: include it in this one file only.
#include <hiredis/adapters/libuv.h>

#include "common/util/clock.h"

namespace rlink {

namespace {

// hiredis keeps only the text of a connect error (strerror of the errno).
bool refused_error(const redisAsyncContext* ac) {
  return ac->err == REDIS_ERR_IO && std::strstr(ac->errstr, "refused") != nullptr;
}

}  // namespace

struct Link::Pending {
  Link* link;
  ReplyFn fn;
  bool subscription = false;
};

Link::Link(uv_loop_t* loop, Options options) : loop_(loop), options_(std::move(options)) {}

Link::~Link() {
  destroying_ = true;
  if (ac_ != nullptr) {
    redisAsyncContext* ac = ac_;
    ac_ = nullptr;
    // Runs every pending callback with NULL (they see destroying_ and only free their Pending).
    redisAsyncFree(ac);
  }
}

void Link::set_password(std::string user, std::string password) {
  options_.user = std::move(user);
  options_.password = std::move(password);
}

void Link::tick(int64_t now_ms) {
  // hiredis' libuv adapter ignores poll errors, so a refused connect would only end at the connect
  // timeout: look at the socket's pending error instead.
  if (ac_ != nullptr && !established_ && !drop_requested_ && options_.refused_retry_ms > 0 && ac_->c.fd >= 0) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(ac_->c.fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0) {
      redisAsyncContext* ac = ac_;
      ac_ = nullptr;
      redisAsyncFree(ac);
      lost(now_ms, err == ECONNREFUSED);
    }
  }
  if (ac_ != nullptr && (drop_requested_ || (!established_ && now_ms - started_at_ > options_.connect_timeout_ms))) {
    redisAsyncContext* ac = ac_;
    ac_ = nullptr;
    redisAsyncFree(ac);
    lost(now_ms);
  }
  drop_requested_ = false;
  if (ac_ == nullptr && now_ms >= next_attempt_) start(now_ms);
}

void Link::start(int64_t now_ms) {
  started_at_ = now_ms;
  established_ = false;
  redisAsyncContext* ac = redisAsyncConnect(options_.host.c_str(), options_.port);
  if (ac == nullptr) return lost(now_ms);
  if (ac->err) {
    bool refused = refused_error(ac);
    redisAsyncFree(ac);
    return lost(now_ms, refused);
  }
  if (redisLibuvAttach(ac, loop_) != REDIS_OK) {
    redisAsyncFree(ac);
    return lost(now_ms);
  }
  ac->data = this;
  redisAsyncSetConnectCallback(ac, &Link::on_connect_cb);
  redisAsyncSetDisconnectCallback(ac, &Link::on_disconnect_cb);
  ac_ = ac;
  send_handshake();
}

void Link::send_handshake() {
  if (!options_.password.empty()) {
    ReplyFn check = [this](redisReply* r) {
      if (r != nullptr && r->type == REDIS_REPLY_ERROR && on_auth_error) on_auth_error(std::string(r->str, r->len));
    };
    auto* p = new Pending{this, check};
    bool sent = options_.user.empty() ? send_raw({"AUTH", options_.password}, p)
                                      : send_raw({"AUTH", options_.user, options_.password}, p);
    if (!sent) delete p;
  }
  if (!options_.client_name.empty())
    send_raw({"CLIENT", "SETNAME", options_.client_name}, new Pending{this, nullptr});
  for (auto& [channel, fn] : subscriptions_) {
    auto* p = new Pending{this, fn, true};
    if (!send_raw({"SUBSCRIBE", channel}, p)) delete p;
  }
}

void Link::lost(int64_t now_ms, bool refused) {
  established_ = false;
  backoff_ = backoff_ == 0 ? options_.min_backoff_ms : std::min(backoff_ * 2, options_.max_backoff_ms);
  int64_t wait = backoff_;
  if (refused && options_.refused_retry_ms > 0) wait = std::min(wait, options_.refused_retry_ms);
  next_attempt_ = now_ms + wait;
  if (on_disconnect && !destroying_) on_disconnect();
}

bool Link::send_raw(const std::vector<std::string>& argv, Pending* p) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const std::string& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  int rc = redisAsyncCommandArgv(ac_, &Link::on_reply, p, static_cast<int>(argv.size()), ptrs.data(), lens.data());
  if (rc != REDIS_OK) return false;
  if (!p->subscription) ++pending_;
  return true;
}

bool Link::command(const std::vector<std::string>& argv, ReplyFn fn) {
  if (ac_ == nullptr || drop_requested_) return false;
  auto* p = new Pending{this, std::move(fn)};
  if (!send_raw(argv, p)) {
    delete p;
    return false;
  }
  return true;
}

void Link::subscribe(const std::string& channel, ReplyFn on_message) {
  subscriptions_.emplace_back(channel, on_message);
  if (ac_ != nullptr) {
    auto* p = new Pending{this, std::move(on_message), true};
    if (!send_raw({"SUBSCRIBE", channel}, p)) delete p;
  }
}

void Link::drop() { drop_requested_ = true; }

std::string Link::local_ip() const {
  if (ac_ == nullptr || ac_->c.fd < 0) return "";
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  if (getsockname(ac_->c.fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return "";
  char buf[INET6_ADDRSTRLEN] = {0};
  if (sa.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&sa)->sin_addr, buf, sizeof buf);
  } else if (sa.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&sa)->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

void Link::on_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto* p = static_cast<Pending*>(privdata);
  Link* self = p->link;
  auto* r = static_cast<redisReply*>(reply);
  if (p->subscription) {
    // Subscription callbacks stay registered for every message; NULL means the context is going away.
    if (r == nullptr) {
      delete p;
      return;
    }
    if (!self->destroying_ && p->fn) p->fn(r);
    return;
  }
  --self->pending_;
  if (!self->destroying_ && p->fn) p->fn(r);
  delete p;
}

void Link::on_connect_cb(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<Link*>(ac->data);
  if (self == nullptr || self->ac_ != ac) return;
  if (status != REDIS_OK) {
    // hiredis frees the context right after this callback.
    self->ac_ = nullptr;
    self->lost(util::mono_ms(), refused_error(ac));
    return;
  }
  self->established_ = true;
  self->connected_at_ = util::mono_ms();
  self->backoff_ = 0;
  if (self->on_connect) self->on_connect();
}

void Link::on_disconnect_cb(const redisAsyncContext* ac, int) {
  auto* self = static_cast<Link*>(ac->data);
  if (self == nullptr || self->ac_ != ac) return;  // already forgotten (drop, destructor)
  self->ac_ = nullptr;
  self->lost(util::mono_ms());
}

}  // namespace rlink
