#include "datanode/server/blocking.h"

#include <cmath>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "datanode/server/notify.h"
#include "datanode/server/server.h"
#include "datanode/commands/streams_read.h"

namespace datanode {
namespace {

const char* end_name(ListEnd e) { return e == ListEnd::kLeft ? "LEFT" : "RIGHT"; }

std::string pop_end(store::List& list, ListEnd from) {
  return from == ListEnd::kLeft ? list.pop_front() : list.pop_back();
}

}  // namespace

ServeResult serve_list_op(Server& server, int dbi, std::string_view key, const ListPopOp& op, int64_t now_ms,
                          resp::Writer& out, std::vector<std::string>& propagate) {
  store::Database& db = server.db(dbi);
  store::Value* v = db.find(key, now_ms);
  if (v == nullptr) return ServeResult::kNotReady;
  if (v->type() != store::Type::kList) {
    out.error("WRONGTYPE Operation against a key holding the wrong kind of value");
    return ServeResult::kError;
  }
  store::List& list = v->list();
  if (list.empty()) return ServeResult::kNotReady;
  const char* pop_name = op.from == ListEnd::kLeft ? "LPOP" : "RPOP";
  switch (op.kind) {
    case ListPopOp::Kind::kPop: {
      std::string value = pop_end(list, op.from);
      out.array_header(2);
      out.bulk(key);
      out.bulk(value);
      propagate = {pop_name, std::string(key)};
      break;
    }
    case ListPopOp::Kind::kMPop: {
      size_t n = std::min(static_cast<size_t>(op.count), list.size());
      out.array_header(2);
      out.bulk(key);
      out.array_header(n);
      for (size_t i = 0; i < n; ++i) out.bulk(pop_end(list, op.from));
      propagate = {pop_name, std::string(key), std::to_string(n)};
      break;
    }
    case ListPopOp::Kind::kMove: {
      // The destination's type is checked before anything is popped, as LMOVE does.
      store::Value* dv = db.find(op.dest, now_ms);
      if (dv != nullptr && dv->type() != store::Type::kList) {
        out.error("WRONGTYPE Operation against a key holding the wrong kind of value");
        return ServeResult::kError;
      }
      std::string value = pop_end(list, op.from);
      out.bulk(value);
      // The push comes before the emptied source is deleted, so a one-element list rotated onto itself
      // survives (no "del"/"new" events), as in Redis.
      if (dv == nullptr) {
        dv = &db.create(op.dest, store::Type::kList);
        notify(server, kNotifyNew, "new", op.dest, dbi);
      }
      if (op.to == ListEnd::kLeft) {
        dv->list().push_front(std::move(value));
      } else {
        dv->list().push_back(std::move(value));
      }
      notify(server, kNotifyList, op.to == ListEnd::kLeft ? "lpush" : "rpush", op.dest, dbi);
      notify(server, kNotifyList, op.from == ListEnd::kLeft ? "lpop" : "rpop", key, dbi);
      store::Value* sv = db.find(key, now_ms);
      if (sv != nullptr && sv->list().empty()) {
        db.erase(key);
        notify(server, kNotifyGeneric, "del", key, dbi);
      }
      if (op.as_rpoplpush) {
        propagate = {"RPOPLPUSH", std::string(key), op.dest};
      } else {
        propagate = {"LMOVE", std::string(key), op.dest, end_name(op.from), end_name(op.to)};
      }
      server.touch(dbi, key);
      server.touch(dbi, op.dest);
      return ServeResult::kServed;
    }
    case ListPopOp::Kind::kZPop:
    case ListPopOp::Kind::kZMPop:
    case ListPopOp::Kind::kXRead: return ServeResult::kNotReady;  // served elsewhere
  }
  notify(server, kNotifyList, op.from == ListEnd::kLeft ? "lpop" : "rpop", key, dbi);
  if (list.empty()) {
    db.erase(key);
    notify(server, kNotifyGeneric, "del", key, dbi);
  }
  server.touch(dbi, key);
  return ServeResult::kServed;
}

ServeResult serve_pop_op(Server& server, int db, std::string_view key, const ListPopOp& op, int64_t now_ms,
                         resp::Writer& out, std::vector<std::string>& propagate) {
  if (op.wants_zset()) return serve_zset_op(server, db, key, op, now_ms, out, propagate);
  return serve_list_op(server, db, key, op, now_ms, out, propagate);
}

bool parse_block_timeout(std::string_view arg, resp::Writer& out, int64_t& timeout_ms) {
  auto seconds = util::parse_long_double(arg);
  if (!seconds) {
    out.error("ERR timeout is not a float or out of range");
    return false;
  }
  // Redis 7.0.15 rounds up to whole milliseconds (0.001 and 0.0001 wait 1 ms; "0.001" parses below
  // 1e-3, so truncating made it wait forever), and a value too large for a long long (inf, 1e100)
  // converts to LLONG_MIN on x86: both are reproduced here.
  long double ms = std::ceil(*seconds * 1000.0L);
  if (!(ms < 9223372036854775807.0L) || ms < -9223372036854775807.0L) {
    out.error("ERR timeout is negative");
    return false;
  }
  timeout_ms = static_cast<int64_t>(ms);
  if (timeout_ms < 0) {
    out.error("ERR timeout is negative");
    return false;
  }
  return true;
}

Blocking::Blocking(Server& server) : server_(server), timer_(new uv_timer_t) {
  uv_timer_init(server_.loop(), timer_);
  timer_->data = this;
  server_.add_key_listener([this](int db, std::string_view key) { on_key_touched(db, key); });
  server_.add_before_flush([this] { serve_ready(); });
  server_.add_client_close_listener([this](Client& c) {
    if (waiters_.count(c.id) != 0) remove(c.id);
    std::erase(to_resume_, c.id);
  });
  server_.add_shutdown_hook([this] { close_timer(); });
}

Blocking::~Blocking() { close_timer(); }

void Blocking::close_timer() {
  if (timer_ == nullptr) return;
  // The handle outlives this object until libuv has let go of it.
  uv_close(reinterpret_cast<uv_handle_t*>(timer_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  timer_ = nullptr;
}

bool Blocking::may_block(const Client& c) {
  return c.conn != nullptr && !c.has(kClientMulti) && !c.has(kClientDenyBlocking) && !c.has(kClientMaster);
}

void Blocking::block(Client& c, const std::vector<std::string_view>& keys, ListPopOp op, int64_t timeout_ms) {
  Waiter w;
  w.client = &c;
  w.db = c.db;
  w.op = std::move(op);
  w.deadline_ms = timeout_ms > 0 ? util::mono_ms() + timeout_ms : 0;
  for (std::string_view k : keys) {
    bool seen = false;
    for (const auto& have : w.keys) seen = seen || have == k;
    if (seen) continue;  // BLPOP a a 0 waits once on a
    w.keys.emplace_back(k);
    queues_[{w.db, std::string(k)}].push_back(c.id);
  }
  if (w.deadline_ms != 0) deadlines_.insert({w.deadline_ms, c.id});
  waiters_[c.id] = std::move(w);
  c.flags |= kClientBlocked;
  update_timer();
}

void Blocking::remove(uint64_t client_id) {
  auto it = waiters_.find(client_id);
  if (it == waiters_.end()) return;
  Waiter& w = it->second;
  for (const std::string& k : w.keys) {
    auto q = queues_.find({w.db, k});
    if (q == queues_.end()) continue;
    std::erase(q->second, client_id);
    if (q->second.empty()) queues_.erase(q);
  }
  if (w.deadline_ms != 0) deadlines_.erase({w.deadline_ms, client_id});
  w.client->flags &= ~static_cast<uint32_t>(kClientBlocked);
  waiters_.erase(it);
}

void Blocking::resume(uint64_t client_id) {
  Client* c = server_.find_client(client_id);
  if (c == nullptr || c->conn == nullptr || c->conn->closing() || c->has(kClientBlocked)) return;
  server_.process_input(*c);  // also queues its replies for the flush
}

bool Blocking::unblock(uint64_t client_id, bool error) {
  auto it = waiters_.find(client_id);
  if (it == waiters_.end()) return false;
  Client* c = it->second.client;
  resp::Writer out(&c->conn->output());
  out.set_protocol(c->resp);
  if (error) {
    out.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
  } else {
    out.null_array();
  }
  remove(client_id);
  // Resumed from the before-flush hook, not from inside the CLIENT UNBLOCK command running now.
  to_resume_.push_back(client_id);
  server_.flush_later(*c);
  update_timer();
  return true;
}

void Blocking::on_key_touched(int db, std::string_view key) {
  if (queues_.empty()) return;
  KeyRef ref{db, std::string(key)};
  if (queues_.count(ref) == 0) return;
  if (ready_set_.insert(ref).second) ready_.push_back(std::move(ref));
  update_timer();
}

void Blocking::serve_ready() {
  if (serving_) return;
  serving_ = true;
  // Serving a client runs its pipelined requests, which may push and make more keys ready.
  while (!ready_.empty() || !to_resume_.empty()) {
    std::vector<KeyRef> batch;
    batch.swap(ready_);
    ready_set_.clear();
    for (const auto& [db, key] : batch) serve_key(db, key);
    std::vector<uint64_t> resume_now;
    resume_now.swap(to_resume_);
    for (uint64_t id : resume_now) resume(id);
  }
  serving_ = false;
  update_timer();
}

void Blocking::serve_key(int db, const std::string& key) {
  for (;;) {
    auto q = queues_.find({db, key});
    if (q == queues_.end() || q->second.empty()) return;
    int64_t now = util::unix_ms();
    store::Value* v = server_.db(db).find(key, now);
    // Only the waiters for the key's current type are served, in arrival order; the others (and all of
    // them when it became another type) stay blocked, as in Redis.
    if (v == nullptr) return;
    if (v->type() == store::Type::kStream) return serve_stream_key(db, key);
    bool zset = v->type() == store::Type::kZSet;
    if (zset ? v->zset().empty() : v->type() != store::Type::kList || v->list().empty()) return;
    Waiter* w = nullptr;
    for (uint64_t id : q->second) {
      Waiter& candidate = waiters_.find(id)->second;
      if (candidate.op.kind != ListPopOp::Kind::kXRead && candidate.op.wants_zset() == zset) {
        w = &candidate;
        break;
      }
    }
    if (w == nullptr) return;
    Client* c = w->client;
    uint64_t id = c->id;
    if (c->conn == nullptr || c->conn->closing()) {
      remove(id);
      continue;
    }
    resp::Writer out(&c->conn->output());
    out.set_protocol(c->resp);
    std::vector<std::string> argv;
    ServeResult r = serve_pop_op(server_, db, key, w->op, now, out, argv);
    if (r == ServeResult::kNotReady) return;
    if (r == ServeResult::kServed) {
      std::vector<std::string_view> views(argv.begin(), argv.end());
      server_.propagate(db, views);
    }
    remove(id);
    resume(id);
    server_.flush_later(*c);
  }
}

void Blocking::serve_stream_key(int db, const std::string& key) {
  auto q = queues_.find({db, key});
  if (q == queues_.end()) return;
  std::vector<uint64_t> ids(q->second.begin(), q->second.end());
  for (uint64_t id : ids) {
    auto it = waiters_.find(id);
    if (it == waiters_.end() || it->second.op.kind != ListPopOp::Kind::kXRead) continue;
    Client* c = it->second.client;
    if (c->conn == nullptr || c->conn->closing()) {
      remove(id);
      continue;
    }
    resp::Writer out(&c->conn->output());
    out.set_protocol(c->resp);
    std::vector<std::vector<std::string>> propagate;
    ServeResult r = serve_xread_op(server_, db, key, it->second.op, util::unix_ms(), out, propagate, c->resp);
    if (r == ServeResult::kNotReady) continue;
    for (const auto& argv : propagate) {
      std::vector<std::string_view> views(argv.begin(), argv.end());
      server_.propagate(db, views);
    }
    remove(id);
    resume(id);
    server_.flush_later(*c);
  }
}

void Blocking::on_tick() {
  serve_ready();
  int64_t now = util::mono_ms();
  std::vector<uint64_t> expired;
  for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= now; ++it)
    expired.push_back(it->second);
  for (uint64_t id : expired) {
    auto it = waiters_.find(id);
    if (it == waiters_.end()) continue;
    Client* c = it->second.client;
    resp::Writer out(&c->conn->output());
    out.set_protocol(c->resp);
    out.null_array();
    remove(id);
    resume(id);
    server_.flush_later(*c);
  }
  // Requests the timed-out clients had pipelined may have pushed.
  serve_ready();
  update_timer();
}

void Blocking::update_timer() {
  if (timer_ == nullptr) return;
  bool needed = !deadlines_.empty() || !ready_.empty() || !to_resume_.empty();
  if (needed && !timer_running_) {
    uv_timer_start(
        timer_, [](uv_timer_t* t) { static_cast<Blocking*>(t->data)->on_tick(); }, 10, 10);
    timer_running_ = true;
  } else if (!needed && timer_running_) {
    uv_timer_stop(timer_);
    timer_running_ = false;
  }
}

}  // namespace datanode
