#include "datanode/replication/replica_link.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "common/log/log.h"
#include "common/resp/writer.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "datanode/rdb/decoder.h"
#include "datanode/replication/replication.h"
#include "datanode/server/server.h"
#include "datanode/scripting/functions.h"
#include "datanode/scripting/scripting.h"

namespace datanode {

struct ReplicaLink::Socket {
  uv_tcp_t tcp{};
  uv_connect_t connect{};
  ReplicaLink* owner = nullptr;  // null once the link dropped it: late callbacks are ignored
};

namespace {

struct WriteReq {
  uv_write_t req{};
  std::string data;
};

// One handshake reply line, parsed by hiredis' reader: (is_error, text).
std::pair<bool, std::string> parse_reply_line(std::string_view line) {
  redisReader* reader = redisReaderCreate();
  std::string framed(line);
  framed += "\r\n";
  redisReaderFeed(reader, framed.data(), framed.size());
  void* reply = nullptr;
  std::pair<bool, std::string> out{true, "unparsable reply"};
  if (redisReaderGetReply(reader, &reply) == REDIS_OK && reply != nullptr) {
    auto* r = static_cast<redisReply*>(reply);
    if (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_STRING)
      out = {r->type == REDIS_REPLY_ERROR, std::string(r->str, r->len)};
    freeReplyObject(reply);
  }
  redisReaderFree(reader);
  return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string random_replid() {
  static const char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string id(40, '0');
  for (char& c : id) c = kHex[rd() % 16];
  return id;
}

}  // namespace

ReplicaLink::ReplicaLink(Replication& repl, std::string host, int port)
    : repl_(repl), host_(std::move(host)), port_(port) {
  state_since_ms_ = util::mono_ms();
  auto [id, offset] = repl_.psync_position();
  (void)id;
  applied_offset_ = consistent_offset_ = offset;
}

ReplicaLink::~ReplicaLink() {
  if (master_client_) repl_.server().unregister_client(*master_client_);
  if (socket_ != nullptr) {
    socket_->owner = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&socket_->tcp),
             [](uv_handle_t* h) { delete static_cast<Socket*>(h->data); });
    socket_ = nullptr;
  }
}

const char* ReplicaLink::state_name() const {
  switch (state_) {
    case State::kConnect: return "connect";
    case State::kConnecting: return "connecting";
    case State::kHandshake: return "handshake";
    case State::kTransfer: return "sync";
    case State::kConnected: return "connected";
  }
  return "connect";
}

int64_t ReplicaLink::last_io_seconds(int64_t now_ms) const {
  return up() ? (now_ms - last_io_ms_) / 1000 : -1;
}

int64_t ReplicaLink::down_seconds(int64_t now_ms) const {
  return down_since_ms_ == 0 ? -1 : (now_ms - down_since_ms_) / 1000;
}

void ReplicaLink::tick(int64_t now_ms) {
  int64_t timeout_ms = static_cast<int64_t>(repl_.server().settings().repl_timeout) * 1000;
  switch (state_) {
    case State::kConnect:
      if (now_ms >= next_attempt_ms_) connect(now_ms);
      break;
    case State::kConnecting:
    case State::kHandshake:
      if (now_ms - state_since_ms_ > timeout_ms) {
        LOG_WARNING("Timeout connecting to the MASTER...");
        drop("timeout");
      }
      break;
    case State::kTransfer:
      if (now_ms - last_io_ms_ > timeout_ms) {
        LOG_WARNING(
            "Timeout receiving bulk data from MASTER... If the problem persists try to set the "
            "'repl-timeout' parameter in redis.conf to a larger value.");
        drop("timeout");
      }
      break;
    case State::kConnected:
      if (now_ms - last_io_ms_ > timeout_ms) {
        LOG_WARNING("MASTER timeout: no data nor PING received...");
        drop("timeout");
        break;
      }
      if (now_ms - last_ack_ms_ >= 1000) send_ack();
      break;
  }
}

void ReplicaLink::connect(int64_t now_ms) {
  uv_loop_t* loop = repl_.server().loop();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  uv_getaddrinfo_t req{};
  std::string port = std::to_string(port_);
  // Synchronous resolution (no callback): master addresses are IPs or local names.
  int rc = uv_getaddrinfo(loop, &req, nullptr, host_.c_str(), port.c_str(), &hints);
  state_since_ms_ = now_ms;
  if (rc != 0 || req.addrinfo == nullptr) {
    LOG_WARNING("Unable to connect to MASTER: %s", uv_strerror(rc));
    if (req.addrinfo) uv_freeaddrinfo(req.addrinfo);
    backoff_ms_ = std::min<int64_t>(backoff_ms_ ? backoff_ms_ * 2 : 100, 1000);
    next_attempt_ms_ = now_ms + backoff_ms_;
    return;
  }
  LOG_NOTICE("Connecting to MASTER %s:%d", host_.c_str(), port_);
  socket_ = new Socket;
  socket_->owner = this;
  uv_tcp_init(loop, &socket_->tcp);
  socket_->tcp.data = socket_;
  socket_->connect.data = socket_;
  state_ = State::kConnecting;
  rc = uv_tcp_connect(&socket_->connect, &socket_->tcp, req.addrinfo->ai_addr,
                      [](uv_connect_t* c, int status) {
                        auto* s = static_cast<Socket*>(c->data);
                        if (s->owner != nullptr) s->owner->on_connected(status);
                      });
  uv_freeaddrinfo(req.addrinfo);
  if (rc != 0) {
    LOG_WARNING("Unable to connect to MASTER: %s", uv_strerror(rc));
    drop("connect");
    return;
  }
  LOG_NOTICE("MASTER <-> REPLICA sync started");
}

void ReplicaLink::on_connected(int status) {
  if (status < 0) {
    LOG_WARNING("Error condition on socket for SYNC: %s", uv_strerror(status));
    drop("connect");
    return;
  }
  LOG_NOTICE("Non blocking connect for SYNC fired the event.");
  uv_tcp_nodelay(&socket_->tcp, 1);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&socket_->tcp), on_alloc, on_read_cb);
  state_ = State::kHandshake;
  state_since_ms_ = last_io_ms_ = util::mono_ms();
  in_.clear();
  in_pos_ = 0;
  step_ = Step::kPing;
  send_command({"PING"});
}

void ReplicaLink::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* s = static_cast<Socket*>(h->data);
  if (s->owner == nullptr) {
    static char sink[4096];
    *buf = uv_buf_init(sink, sizeof sink);
    return;
  }
  *buf = uv_buf_init(s->owner->read_chunk_, sizeof s->owner->read_chunk_);
}

void ReplicaLink::on_read_cb(uv_stream_t* st, ssize_t nread, const uv_buf_t* buf) {
  auto* s = static_cast<Socket*>(st->data);
  if (s->owner == nullptr) return;
  if (nread > 0) {
    s->owner->on_read(buf->base, static_cast<size_t>(nread));
  } else if (nread < 0) {
    if (s->owner->state_ == State::kConnected)
      LOG_NOTICE("Connection with master lost.");
    else
      LOG_WARNING("Error reading from MASTER: %s",
                  nread == UV_EOF ? "connection closed" : uv_strerror(static_cast<int>(nread)));
    s->owner->drop("read");
  }
}

void ReplicaLink::send(std::string bytes) {
  if (socket_ == nullptr) return;
  auto* w = new WriteReq;
  w->data = std::move(bytes);
  uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&socket_->tcp), &b, 1,
                    [](uv_write_t* r, int) { delete reinterpret_cast<WriteReq*>(r); });
  if (rc != 0) delete w;
}

void ReplicaLink::send_command(std::initializer_list<std::string_view> args) {
  std::string out;
  resp::Writer w(&out);
  w.array_header(args.size());
  for (auto a : args) w.bulk(a);
  send(std::move(out));
}

void ReplicaLink::new_master_client(int db) {
  // Ids far above connection ids: the master client lists last in CLIENT LIST, with flags=M.
  static uint64_t next_id = 1ULL << 48;
  Server& server = repl_.server();
  if (master_client_) server.unregister_client(*master_client_);
  master_client_ = std::make_unique<Client>();
  master_client_->id = next_id++;
  master_client_->flags = kClientMaster;
  master_client_->authenticated = true;
  master_client_->db = db;
  master_client_->created_ms = master_client_->last_interaction_ms = util::mono_ms();
  server.register_client(*master_client_);
}

void ReplicaLink::send_ack() {
  if (state_ != State::kConnected) return;
  last_ack_ms_ = util::mono_ms();
  send_command({"REPLCONF", "ACK", std::to_string(consistent_offset_)});
}

void ReplicaLink::drop(const char*) {
  if (socket_ != nullptr) {
    socket_->owner = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&socket_->tcp),
             [](uv_handle_t* h) { delete static_cast<Socket*>(h->data); });
    socket_ = nullptr;
  }
  int64_t now = util::mono_ms();
  if (state_ == State::kConnected) {
    down_since_ms_ = now;
    LOG_NOTICE("Caching the disconnected master state.");
  } else if (down_since_ms_ == 0) {
    down_since_ms_ = now;
  }
  // A transaction cut in the middle is dropped: the master resends it whole after our consistent offset.
  if (master_client_) {
    master_client_->flags &= ~static_cast<uint32_t>(kClientMulti | kClientDirtyCas | kClientDirtyExec);
    master_client_->multi_queue.clear();
  }
  multi_pending_.clear();
  applied_offset_ = consistent_offset_;
  in_.clear();
  in_pos_ = 0;
  parser_.reset();
  payload_.clear();
  bulk_len_ = -1;
  state_ = State::kConnect;
  state_since_ms_ = now;
  backoff_ms_ = std::min<int64_t>(backoff_ms_ ? backoff_ms_ * 2 : 100, 1000);
  next_attempt_ms_ = now + backoff_ms_;
}

void ReplicaLink::on_read(const char* data, size_t n) {
  last_io_ms_ = util::mono_ms();
  in_.append(data, n);
  process();
}

bool ReplicaLink::next_line(std::string& line) {
  size_t nl = in_.find('\n', in_pos_);
  if (nl == std::string::npos) return false;
  size_t end = nl > in_pos_ && in_[nl - 1] == '\r' ? nl - 1 : nl;
  line.assign(in_, in_pos_, end - in_pos_);
  in_pos_ = nl + 1;
  return true;
}

void ReplicaLink::process() {
  while (socket_ != nullptr) {
    bool progressed = false;
    if (state_ == State::kHandshake) {
      std::string line;
      if (!next_line(line)) break;
      // A master preparing a diskless transfer sends newlines before its reply to PSYNC, to keep the
      // link alive (Redis' slaveTryPartialResynchronization waits on them).
      if (line.empty() && step_ == Step::kPsync) continue;
      progressed = handshake_line(line);
    } else if (state_ == State::kTransfer) {
      progressed = transfer();
    } else if (state_ == State::kConnected) {
      apply_stream();
      break;
    }
    if (!progressed) break;
  }
  if (in_pos_ > 0 && socket_ != nullptr) {
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
}

bool ReplicaLink::handshake_line(std::string_view line) {
  auto [is_error, text] = parse_reply_line(line);
  const Settings& s = repl_.server().settings();
  switch (step_) {
    case Step::kPing:
      // A master asking for AUTH still proves it is alive.
      if (is_error && !starts_with(text, "NOAUTH") && !starts_with(text, "NOPERM") &&
          !starts_with(text, "ERR operation not permitted")) {
        LOG_WARNING("Error reply to PING from master: '%s'", text.c_str());
        drop("ping");
        return false;
      }
      LOG_NOTICE("Master replied to PING, replication can continue...");
      after_step(Step::kPing);
      return true;
    case Step::kAuth:
      if (is_error) {
        LOG_WARNING("Unable to AUTH to MASTER: -%s", text.c_str());
        drop("auth");
        return false;
      }
      after_step(Step::kAuth);
      return true;
    case Step::kPort:
      if (is_error)
        LOG_NOTICE("(Non critical) Master does not understand REPLCONF listening-port: -%s", text.c_str());
      after_step(Step::kPort);
      return true;
    case Step::kIp:
      if (is_error)
        LOG_NOTICE("(Non critical) Master does not understand REPLCONF ip-address: -%s", text.c_str());
      after_step(Step::kIp);
      return true;
    case Step::kCapa:
      if (is_error) LOG_NOTICE("(Non critical) Master does not understand REPLCONF capa: -%s", text.c_str());
      after_step(Step::kCapa);
      return true;
    case Step::kPsync: break;
  }
  (void)s;
  if (!is_error && starts_with(text, "FULLRESYNC")) {
    std::vector<std::string> parts;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t sp = text.find(' ', pos);
      if (sp == std::string::npos) sp = text.size();
      if (sp > pos) parts.push_back(text.substr(pos, sp - pos));
      pos = sp + 1;
    }
    auto off = parts.size() == 3 ? util::parse_int(parts[2]) : std::nullopt;
    if (!off || parts[1].size() != 40) {
      LOG_WARNING("Master replied with wrong +FULLRESYNC syntax.");
      drop("psync");
      return false;
    }
    master_replid_ = parts[1];
    master_initial_offset_ = *off;
    repl_.on_failover_psync_result(true);
    LOG_NOTICE("Full resync from master: %s:%lld", master_replid_.c_str(), static_cast<long long>(*off));
    state_ = State::kTransfer;
    state_since_ms_ = util::mono_ms();
    bulk_len_ = -1;
    payload_.clear();
    return true;
  }
  if (!is_error && starts_with(text, "CONTINUE")) {
    std::string new_id = text.size() > 9 ? text.substr(9, 40) : "";
    LOG_NOTICE("Successful partial resynchronization with master.");
    repl_.on_failover_psync_result(true);
    if (new_id.size() == 40) repl_.on_partial_sync(new_id);
    if (!master_client_) new_master_client(repl_.resume_db());
    state_ = State::kConnected;
    backoff_ms_ = 0;
    last_io_ms_ = util::mono_ms();
    LOG_NOTICE("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
    return true;
  }
  if (repl_.failover_in_progress()) {
    LOG_WARNING("Failover target refused PSYNC FAILOVER: %s%s", is_error ? "-" : "+", text.c_str());
    // The abort (from the cron: it makes us a master again, which destroys this link) is deferred.
    repl_.on_failover_psync_result(false);
    drop("psync");
    return false;
  }
  if (is_error && (starts_with(text, "NOMASTERLINK") || starts_with(text, "LOADING"))) {
    LOG_NOTICE("Master is currently unable to PSYNC but should be in the future: -%s", text.c_str());
    drop("psync");
    return false;
  }
  if (is_error && starts_with(text, "ERR"))
    LOG_NOTICE("Master does not support PSYNC or is in error state (reply: -%s)", text.c_str());
  else
    LOG_WARNING("Unexpected reply to PSYNC from master: %s%s", is_error ? "-" : "+", text.c_str());
  // As Redis, fall back to SYNC. A master that refuses us (NOAUTH: no masterauth set) refuses it too,
  // and transfer() logs that as "MASTER aborted replication with an error: ...". A master that accepts
  // it starts a new history: a fresh replication ID from offset 0.
  LOG_NOTICE("Retrying with SYNC...");
  send_command({"SYNC"});
  master_replid_ = random_replid();
  master_initial_offset_ = 0;
  state_ = State::kTransfer;
  state_since_ms_ = util::mono_ms();
  bulk_len_ = -1;
  payload_.clear();
  return true;
}

void ReplicaLink::after_step(Step done) {
  const Settings& s = repl_.server().settings();
  Step next = static_cast<Step>(static_cast<int>(done) + 1);
  if (next == Step::kAuth && s.masterauth.empty()) next = Step::kPort;
  if (next == Step::kIp && s.replica_announce_ip.empty()) next = Step::kCapa;
  step_ = next;
  switch (next) {
    case Step::kPing: break;
    case Step::kAuth:
      if (s.masteruser.empty())
        send_command({"AUTH", s.masterauth});
      else
        send_command({"AUTH", s.masteruser, s.masterauth});
      break;
    case Step::kPort: {
      int port = s.replica_announce_port ? s.replica_announce_port : s.port;
      send_command({"REPLCONF", "listening-port", std::to_string(port)});
      break;
    }
    case Step::kIp: send_command({"REPLCONF", "ip-address", s.replica_announce_ip}); break;
    case Step::kCapa: send_command({"REPLCONF", "capa", "eof", "capa", "psync2"}); break;
    case Step::kPsync: {
      auto [id, offset] = repl_.psync_position();
      std::string off = id == "?" ? "-1" : std::to_string(offset + 1);
      if (id == "?")
        LOG_NOTICE("Partial resynchronization not possible (no cached master)");
      else
        LOG_NOTICE("Trying a partial resynchronization (request %s:%s).", id.c_str(), off.c_str());
      // A master handing over (FAILOVER) asks its replica to take its history and become the master.
      if (repl_.failover_in_progress())
        send_command({"PSYNC", id, off, "FAILOVER"});
      else
        send_command({"PSYNC", id, off});
      break;
    }
  }
}

bool ReplicaLink::transfer() {
  if (bulk_len_ == -1) {
    std::string line;
    if (!next_line(line)) return false;
    // The master sends newlines to keep the link alive while it prepares the payload.
    if (line.empty()) return true;
    if (line[0] == '-') {
      LOG_WARNING("MASTER aborted replication with an error: %s", line.c_str() + 1);
      drop("transfer");
      return false;
    }
    if (line.size() >= 5 + 40 && starts_with(line, "$EOF:")) {
      eof_mark_ = line.substr(5, 40);
      bulk_len_ = -2;
      LOG_NOTICE("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to memory");
      return true;
    }
    auto len =
        line.size() > 1 && line[0] == '$' ? util::parse_int(std::string_view(line).substr(1)) : std::nullopt;
    if (!len || *len < 0) {
      LOG_WARNING(
          "Bad protocol from MASTER, the first byte is not '$' (we received '%s'), are you sure the host "
          "and port are right?",
          line.c_str());
      drop("transfer");
      return false;
    }
    bulk_len_ = *len;
    payload_.reserve(static_cast<size_t>(*len));
    LOG_NOTICE("MASTER <-> REPLICA sync: receiving %lld bytes from master to memory",
               static_cast<long long>(*len));
    return true;
  }
  size_t avail = in_.size() - in_pos_;
  if (bulk_len_ >= 0) {
    size_t want = static_cast<size_t>(bulk_len_) - payload_.size();
    size_t take = std::min(want, avail);
    payload_.append(in_, in_pos_, take);
    in_pos_ += take;
    if (payload_.size() < static_cast<size_t>(bulk_len_)) return false;
  } else {
    payload_.append(in_, in_pos_, avail);
    in_pos_ += avail;
    if (payload_.size() < eof_mark_.size() ||
        payload_.compare(payload_.size() - eof_mark_.size(), eof_mark_.size(), eof_mark_) != 0)
      return false;
    payload_.resize(payload_.size() - eof_mark_.size());
  }
  std::string rdb;
  rdb.swap(payload_);
  load_payload(std::move(rdb));
  return socket_ != nullptr;
}

void ReplicaLink::load_payload(std::string payload) {
  Server& server = repl_.server();
  int64_t started = util::mono_ms();
  server.set_loading(true);
  std::vector<store::Database> fresh;
  size_t n = server.databases().size();
  fresh.reserve(n);
  for (size_t i = 0; i < n; ++i) fresh.emplace_back(static_cast<int>(i));
  std::string bad_db;
  rdb::LoadInfo info;
  // Unlike a disk-loading Redis replica, the old data set stays until the new one loaded whole: a
  // payload we cannot load (a type we lack) leaves the replica stale rather than empty.
  LOG_NOTICE("MASTER <-> REPLICA sync: Loading DB in memory");
  std::string err = rdb::decode(
      payload,
      [&](int db, std::string key, store::Value value, int64_t expire_ms) {
        if (db < 0 || static_cast<size_t>(db) >= n) {
          bad_db = std::to_string(db);
          return;
        }
        fresh[static_cast<size_t>(db)].put(key, std::move(value));
        if (expire_ms >= 0) fresh[static_cast<size_t>(db)].set_expire(key, expire_ms);
      },
      &info);
  if (err.empty() && !bad_db.empty()) err = "database " + bad_db + " out of range";
  payload.clear();
  payload.shrink_to_fit();
  if (!err.empty()) {
    server.set_loading(false);
    LOG_WARNING(
        "Failed trying to load the MASTER synchronization DB from socket: %s; keeping the data set "
        "we had until a snapshot loads",
        err.c_str());
    repl_.set_history_valid(false);
    drop_after_failure("load", false);
    return;
  }
  LOG_NOTICE("MASTER <-> REPLICA sync: Flushing old data");
  server.touch_all(-1);
  for (size_t i = 0; i < n; ++i) server.db(static_cast<int>(i)).swap_contents(fresh[i]);
  fresh.clear();  // frees the old data set
  scripting_of(server).functions().replace_all(info.function_libraries);
  server.set_loading(false);

  int stream_db = 0;
  for (const auto& [k, v] : info.aux) {
    if (k != "repl-stream-db") continue;
    auto db = util::parse_int(v);
    if (db && *db >= 0 && static_cast<size_t>(*db) < n) stream_db = static_cast<int>(*db);
  }
  new_master_client(stream_db);
  parser_.reset();
  multi_pending_.clear();
  applied_offset_ = consistent_offset_ = master_initial_offset_;
  repl_.on_full_sync(master_replid_, master_initial_offset_);
  state_ = State::kConnected;
  backoff_ms_ = 0;
  last_io_ms_ = util::mono_ms();
  LOG_NOTICE("MASTER <-> REPLICA sync: Finished with success (%llu keys in %lld ms)",
             static_cast<unsigned long long>(info.keys), static_cast<long long>(util::mono_ms() - started));
  // A diskless master only starts the stream once it has our first ACK.
  send_ack();
}

void ReplicaLink::on_unapplied(std::string_view command) {
  repl_.unapplied_stream_commands++;
  std::string name = util::to_lower(command.substr(0, 64));
  // The first error line of the reply (EXEC's may be inside its array).
  size_t err = scratch_.starts_with('-') ? 0 : scratch_.find("\r\n-");
  err = err == std::string::npos ? 0 : (err == 0 ? 0 : err + 2);
  std::string reply = scratch_.substr(err, std::min<size_t>(scratch_.find('\r', err) - err, 200));
  LOG_WARNING(
      "Unable to apply the command '%s' from the MASTER stream at offset %lld (reply: %s): this replica "
      "no longer matches the master; dropping the link to ask for a full resynchronization",
      name.c_str(), static_cast<long long>(applied_offset_), reply.c_str());
  // Neither our data nor an offset past this point can be trusted for a partial resync: the history
  // is dropped (PSYNC ? -1) and the ACKs stop at the last offset fully applied.
  repl_.set_history_valid(false);
  drop_after_failure("unapplied command", true);
}

void ReplicaLink::drop_after_failure(const char* why, bool retry_at_once) {
  int64_t now = util::mono_ms();
  // Failures that repeat (the next full sync did not help) back off: 5 s doubling up to 60 s, so a
  // master whose data we cannot take is not asked for a snapshot every few hundred ms.
  if (now - last_failure_ms_ > kFailureMemoryMs) failure_streak_ = 0;
  int step = failure_streak_++ - (retry_at_once ? 1 : 0);
  last_failure_ms_ = now;
  drop(why);
  if (step < 0) return;
  int64_t delay = std::min<int64_t>(kFailureBackoffMs << std::min(step, 4), kFailureBackoffMaxMs);
  LOG_WARNING("Next attempt to synchronize with the MASTER in %lld seconds",
              static_cast<long long>(delay / 1000));
  next_attempt_ms_ = now + delay;
}

bool ReplicaLink::apply_stream() {
  Server& server = repl_.server();
  while (socket_ != nullptr && in_pos_ < in_.size()) {
    std::string_view buf(in_.data() + in_pos_, in_.size() - in_pos_);
    auto status = parser_.parse(buf);
    if (status == resp::RequestParser::Status::kNeedMore) break;
    if (status == resp::RequestParser::Status::kError) {
      LOG_WARNING("Protocol error from MASTER: %s", parser_.error().c_str());
      drop("protocol");
      return false;
    }
    size_t used = parser_.consumed();
    std::string_view raw = buf.substr(0, used);
    const auto& args = parser_.args();
    bool getack = args.size() >= 2 && util::iequals(args[0], "replconf") && util::iequals(args[1], "getack");
    if (getack) {
      send_ack();
    } else if (!args.empty()) {
      master_client_->last_interaction_ms = last_io_ms_;
      scratch_.clear();
      resp::Writer w(&scratch_);
      uint64_t errors_before = server.stats().total_error_replies;
      // The master decides what exists: keys that look expired here are still there for its commands.
      for (auto& db : server.databases()) db.set_master_view(true);
      server.execute(*master_client_, args, w);
      for (auto& db : server.databases()) db.set_master_view(false);
      // The master only propagates what it applied: an error here (a command or type we lack, another
      // arity, a transaction aborted) means our data set no longer matches the offset.
      if (server.stats().total_error_replies != errors_before) {
        on_unapplied(args[0]);
        return false;
      }
    }
    applied_offset_ += static_cast<int64_t>(used);
    // Bytes of a MULTI block are passed on (and count as consistent) only once its EXEC ran.
    if (master_client_->has(kClientMulti)) {
      multi_pending_.append(raw);
    } else if (!multi_pending_.empty()) {
      multi_pending_.append(raw);
      repl_.forward_stream(multi_pending_);
      consistent_offset_ += static_cast<int64_t>(multi_pending_.size());
      multi_pending_.clear();
    } else {
      repl_.forward_stream(raw);
      consistent_offset_ += static_cast<int64_t>(used);
    }
    in_pos_ += used;
  }
  return true;
}

}  // namespace datanode
