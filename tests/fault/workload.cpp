// The fault suite's clients on hiredis' synchronous API: writers that find the master through the
// sentinels and append sequenced values, and probers that write to every node directly.
#include "workload.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <optional>

#include "common/util/strings.h"

namespace fault {

namespace {

using ReplyPtr = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

timeval to_timeval(int ms) { return timeval{ms / 1000, (ms % 1000) * 1000}; }

// One connection. Its socket is registered with the workload while open, so that stop() can shut it
// down from another thread; it is unregistered before the descriptor is closed, never after, so stop()
// cannot touch a descriptor number that was reused. A connection made after stop() is refused (stop()
// sets the flag before it takes the lock, so either it sees the socket or the socket sees the flag).
class Link {
 public:
  Link(std::mutex& mu, std::set<int>& sockets, const std::atomic<bool>& stop)
      : mu_(mu), sockets_(sockets), stop_(stop) {}
  ~Link() { close(); }
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  bool open() const { return ctx_ != nullptr; }
  const Endpoint& endpoint() const { return ep_; }
  const std::string& error() const { return error_; }

  bool connect(const Endpoint& ep, int timeout_ms) {
    close();
    ep_ = ep;
    redisContext* c = redisConnectWithTimeout(ep.host.c_str(), ep.port, to_timeval(timeout_ms));
    if (c == nullptr || c->err) {
      error_ = c ? std::string("connect: ") + c->errstr : "connect: out of memory";
      if (c) redisFree(c);
      return false;
    }
    redisSetTimeout(c, to_timeval(timeout_ms));
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) {
      error_ = "connect: stopping";
      redisFree(c);
      return false;
    }
    ctx_ = c;
    sockets_.insert(c->fd);
    return true;
  }

  void set_timeout(int ms) {
    if (ctx_) redisSetTimeout(ctx_, to_timeval(ms));
  }

  // nullptr on an I/O error or timeout (error() says which), after which the link is closed: a
  // synchronous hiredis context cannot be used again once a reply is missing.
  ReplyPtr command(const std::vector<std::string>& args) {
    if (!ctx_) return {nullptr, freeReplyObject};
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data()));
    if (r == nullptr) {
      error_ = std::string("io: ") + (ctx_->errstr[0] ? ctx_->errstr : "no reply");
      close();
    }
    return {r, freeReplyObject};
  }

  void close() {
    if (!ctx_) return;
    redisContext* c = ctx_;
    {
      std::lock_guard<std::mutex> lock(mu_);
      sockets_.erase(c->fd);
      ctx_ = nullptr;
    }
    redisFree(c);
  }

 private:
  std::mutex& mu_;
  std::set<int>& sockets_;
  const std::atomic<bool>& stop_;
  redisContext* ctx_ = nullptr;
  Endpoint ep_;
  std::string error_;
};

bool is_status(const ReplyPtr& r, const char* text) {
  return r && r->type == REDIS_REPLY_STATUS && std::string(r->str, r->len) == text;
}

std::string reply_error(const ReplyPtr& r) {
  return r && r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len) : "";
}

// AUTH when a password is set: true when the node now takes commands from us.
bool authenticate(Link& link, const std::string& password, std::string& error) {
  if (password.empty()) return true;
  ReplyPtr r = link.command({"AUTH", password});
  if (is_status(r, "OK")) return true;
  error = r ? reply_error(r) : link.error();
  link.close();
  return false;
}

}  // namespace

Workload::Workload(WorkloadOptions opts, std::function<int64_t()> now_ms)
    : opts_(std::move(opts)), now_ms_(std::move(now_ms)) {}

Workload::~Workload() { stop(); }

void Workload::start(const std::vector<Endpoint>& nodes) {
  // stop() shuts sockets down under threads that may be writing: a write must fail, not kill us.
  signal(SIGPIPE, SIG_IGN);
  stop_ = false;
  for (int i = 0; i < opts_.clients; ++i) threads_.emplace_back([this, i] { writer(i); });
  for (size_t i = 0; i < nodes.size(); ++i)
    threads_.emplace_back([this, i, ep = nodes[i]] { prober(static_cast<int>(i), ep); });
}

void Workload::stop() {
  stop_ = true;
  {
    // A thread blocked on a reply gets an error at once instead of waiting out its timeout.
    std::lock_guard<std::mutex> lock(sockets_mu_);
    for (int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
  }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

namespace {

// Sleeps `ms` in short steps, returning early once `stop` is set.
void nap(const std::atomic<bool>& stop, int64_t ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!stop && std::chrono::steady_clock::now() < until) {
    auto left = until - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(10)));
  }
}

// Asks the sentinels in turn, starting at `next`, for the master's address; the first that answers
// decides. Sentinels that do not answer are skipped.
std::optional<Endpoint> ask_sentinels(const WorkloadOptions& o, size_t& next, const std::atomic<bool>& stop,
                                      std::mutex& mu, std::set<int>& sockets) {
  for (size_t tried = 0; tried < o.sentinels.size() && !stop; ++tried) {
    const Endpoint& s = o.sentinels[next++ % o.sentinels.size()];
    Link link(mu, sockets, stop);
    if (!link.connect(s, o.op_timeout_ms)) continue;
    ReplyPtr r = link.command({"SENTINEL", "get-master-addr-by-name", o.master_name});
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) continue;
    const redisReply* host = r->element[0];
    const redisReply* port = r->element[1];
    if (host->type != REDIS_REPLY_STRING || port->type != REDIS_REPLY_STRING) continue;
    std::optional<int64_t> p = util::parse_int(std::string_view(port->str, port->len));
    if (!p) continue;
    return Endpoint{std::string(host->str, host->len), static_cast<int>(*p)};
  }
  return std::nullopt;
}

}  // namespace

void Workload::writer(int client) {
  const std::string key = "fault:c" + std::to_string(client);
  size_t next_sentinel = static_cast<size_t>(client);  // spread the clients over the sentinels
  int64_t seq = 0;
  Link master(sockets_mu_, sockets_, stop_);
  while (!stop_) {
    if (!master.open()) {
      // Discover: a sentinel's answer, a connection, AUTH, and ROLE saying master.
      std::optional<Endpoint> ep = ask_sentinels(opts_, next_sentinel, stop_, sockets_mu_, sockets_);
      std::string ignored;
      bool ok = ep && !stop_ && master.connect(*ep, opts_.op_timeout_ms) && authenticate(master, opts_.password, ignored);
      if (ok) {
        ReplyPtr role = master.command({"ROLE"});
        ok = role && role->type == REDIS_REPLY_ARRAY && role->elements > 0 &&
             role->element[0]->type == REDIS_REPLY_STRING && std::string(role->element[0]->str) == "master";
      }
      if (!ok) {
        master.close();
        nap(stop_, 100);
        continue;
      }
    }
    Op op;
    op.client = client;
    op.seq = ++seq;
    op.node = master.endpoint().str();
    op.start_ms = now_ms_();
    ReplyPtr r = master.command({"RPUSH", key, std::to_string(op.seq)});
    if (!r) {
      op.outcome = Outcome::kUnknown;
      op.error = master.error();
    } else if (r->type == REDIS_REPLY_ERROR) {
      // READONLY, NOREPLICAS, MISCONF, LOADING...: refused, and this node may no longer be the master.
      op.outcome = Outcome::kFailed;
      op.error = reply_error(r);
      master.close();
    } else if (opts_.wait_replicas > 0) {
      // WAIT blocks up to its own timeout: the socket waits that long plus the usual op timeout.
      master.set_timeout(opts_.wait_timeout_ms + opts_.op_timeout_ms);
      ReplyPtr w = master.command(
          {"WAIT", std::to_string(opts_.wait_replicas), std::to_string(opts_.wait_timeout_ms)});
      master.set_timeout(opts_.op_timeout_ms);
      if (w && w->type == REDIS_REPLY_INTEGER && w->integer >= opts_.wait_replicas) {
        op.outcome = Outcome::kOk;
      } else {
        // The write is on the master but not known to be replicated.
        op.outcome = Outcome::kUnknown;
        if (!w) op.error = master.error();
        else if (w->type == REDIS_REPLY_INTEGER) op.error = "WAIT reached " + std::to_string(w->integer) + " replicas";
        else op.error = "WAIT: " + reply_error(w);
        if (w && w->type != REDIS_REPLY_INTEGER) master.close();
      }
    } else {
      op.outcome = Outcome::kOk;
    }
    op.end_ms = now_ms_();
    if (op.outcome == Outcome::kOk) ++acked_;
    writes_.add(std::move(op));
    if (opts_.pause_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(opts_.pause_us));
  }
}

void Workload::prober(int index, Endpoint node) {
  Link link(sockets_mu_, sockets_, stop_);
  int64_t seq = 0;
  while (!stop_) {
    int64_t round_start = now_ms_();
    Op op;
    op.client = -1 - index;
    op.seq = ++seq;
    op.node = node.str();
    op.start_ms = round_start;
    if (!link.open() && (!link.connect(node, opts_.op_timeout_ms) || !authenticate(link, opts_.password, op.error))) {
      // Not connected: the node surely did not take this probe, but only a reply proves a refusal.
      op.outcome = Outcome::kUnknown;
      if (op.error.empty()) op.error = link.error();
    } else {
      ReplyPtr r = link.command({"SET", "fault:probe", std::to_string(round_start)});
      if (is_status(r, "OK")) {
        op.outcome = Outcome::kOk;
      } else if (r) {
        op.outcome = Outcome::kFailed;
        op.error = r->type == REDIS_REPLY_ERROR ? reply_error(r) : "unexpected reply";
      } else {
        op.outcome = Outcome::kUnknown;
        op.error = link.error();
      }
    }
    op.end_ms = now_ms_();
    probes_.add(std::move(op));
    nap(stop_, opts_.probe_interval_ms - (now_ms_() - round_start));
  }
}

std::map<int, std::vector<int64_t>> read_back(const Endpoint& master, const std::string& password, int clients) {
  std::mutex mu;
  std::set<int> sockets;
  std::atomic<bool> never{false};
  Link link(mu, sockets, never);
  std::string error;
  if (!link.connect(master, 5000) || !authenticate(link, password, error)) return {};
  std::map<int, std::vector<int64_t>> lists;
  for (int i = 0; i < clients; ++i) {
    ReplyPtr r = link.command({"LRANGE", "fault:c" + std::to_string(i), "0", "-1"});
    if (!r || r->type != REDIS_REPLY_ARRAY) return {};
    std::vector<int64_t>& seqs = lists[i];
    for (size_t e = 0; e < r->elements; ++e) {
      const redisReply* item = r->element[e];
      if (item->type != REDIS_REPLY_STRING) continue;
      // A value that is not a number was not written by the suite: -1 keeps it visible as a reorder.
      seqs.push_back(util::parse_int(std::string_view(item->str, item->len)).value_or(-1));
    }
  }
  return lists;
}

}  // namespace fault
