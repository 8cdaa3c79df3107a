#include "datanode/replication/full_sync.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "datanode/replication/replica_link.h"
#include "datanode/replication/replication.h"
#include "datanode/scripting/functions.h"
#include "datanode/scripting/scripting.h"

namespace datanode {
namespace {

constexpr size_t kChunk = 64 * 1024;
// A replica's socket gets the next chunk once its output holds less than this: the payload never sits
// in our memory beyond a few chunks per replica.
constexpr size_t kHighWater = 1024 * 1024;
constexpr size_t kPumpBudget = 4 * 1024 * 1024;

std::string random_mark() {
  static const char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::mt19937_64 rng(rd());
  std::string out(40, '0');
  for (char& c : out) c = kHex[rng() % 16];
  return out;
}

std::string name_of(const Client& c) {
  std::string ip =
      !c.replica_announced_ip.empty() ? c.replica_announced_ip : (c.conn ? c.conn->peer_ip() : "?");
  return ip + ":" + std::to_string(c.replica_listening_port);
}

}  // namespace

FullSync::FullSync(Server& server, Replication& repl) : server_(server), repl_(repl) {
  server_.add_drain_listener([this](Client& c) { on_drained(c); });
}

FullSync::~FullSync() {
  stop_pipe();
  if (kick_timer_ != nullptr) {
    uv_timer_stop(kick_timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(kick_timer_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  }
  for (auto& [id, t] : targets_)
    if (t.fd >= 0) ::close(t.fd);
}

void FullSync::ensure_listener() {
  if (listening_) return;
  listening_ = true;
  server_.persistence().set_child_listener(
      [this](Persistence::ChildKind kind, bool ok) { on_child_done(kind, ok); });
}

const char* FullSync::state_name(uint64_t id) const {
  auto it = targets_.find(id);
  if (it == targets_.end()) return "wait_bgsave";
  switch (it->second.state) {
    case State::kWaitStart:
    case State::kWaitEnd: return "wait_bgsave";
    case State::kSending: return "send_bulk";
    case State::kWaitAck: return "online";
  }
  return "online";
}

void FullSync::add(Client& c, const ReplicaPeer& peer, bool psync) {
  ensure_listener();
  Target t;
  t.client = &c;
  t.psync = psync;
  // SYNC clients (redis-cli --replica, old replicas) never send REPLCONF ACK, which an EOF-framed payload
  // waits for before streaming: they get the length-prefixed form.
  t.capa_eof = peer.capa_eof && psync;
  t.rdb_only = peer.rdb_only;
  t.since_ms = util::mono_ms();
  // A disk child already working for other replicas: this one shares its snapshot and, since they are
  // at the same fork point, a copy of the stream they have been keeping.
  if (server_.persistence().child_kind() == Persistence::ChildKind::kDisk) {
    for (auto& [id, other] : targets_) {
      if (other.state != State::kWaitEnd || other.socket) continue;
      t.state = State::kWaitEnd;
      t.pending = other.pending;
      LOG_NOTICE("Waiting for end of BGSAVE for SYNC");
      auto [it, inserted] = targets_.emplace(c.id, std::move(t));
      announce(it->second, fork_offset_, "");
      return;
    }
  }
  targets_.emplace(c.id, std::move(t));
  try_start(util::mono_ms());
}

void FullSync::try_start(int64_t now_ms) {
  if (server_.persistence().any_child_active()) return;
  size_t waiting = 0;
  bool all_eof = true;
  int64_t oldest = now_ms;
  for (auto& [id, t] : targets_) {
    if (t.state != State::kWaitStart) continue;
    ++waiting;
    all_eof &= t.capa_eof;
    oldest = std::min(oldest, t.since_ms);
  }
  if (waiting == 0) return;
  const Settings& s = server_.settings();
  if (!s.repl_diskless_sync || !all_eof) return start_disk();
  bool enough = s.repl_diskless_sync_max_replicas > 0 &&
                waiting >= static_cast<size_t>(s.repl_diskless_sync_max_replicas);
  if (enough || now_ms - oldest >= static_cast<int64_t>(s.repl_diskless_sync_delay) * 1000) start_socket();
}

rdb::SaveInfo FullSync::fork_point() {
  rdb::SaveInfo info;
  info.has_repl = true;
  info.repl_id = repl_.replid_;
  info.repl_offset = repl_.master_repl_offset_;
  fork_offset_ = repl_.master_repl_offset_;
  info.function_libraries = scripting_of(repl_.server()).functions().sources();
  if (repl_.is_replica()) {
    // A replica relays its master's bytes as they are: the snapshot says which database they are in.
    info.repl_stream_db = repl_.link_ ? repl_.link_->stream_db() : 0;
  } else {
    // Our own stream after the snapshot says which database its first command is for.
    info.repl_stream_db = 0;
    repl_.last_db_ = -1;
  }
  return info;
}

void FullSync::announce(Target& t, int64_t offset, const std::string& payload_header) {
  std::string& out = t.client->conn->output();
  if (t.psync) out += "+FULLRESYNC " + repl_.replid_ + " " + std::to_string(offset) + "\r\n";
  out += payload_header;
  server_.flush_later(*t.client);
}

void FullSync::start_disk() {
  rdb::SaveInfo info = fork_point();
  LOG_NOTICE("Starting BGSAVE for SYNC with target: disk");
  std::string err = server_.persistence().start_disk_save(info);
  std::vector<uint64_t> failed;
  for (auto& [id, t] : targets_) {
    if (t.state != State::kWaitStart) continue;
    if (!err.empty()) {
      failed.push_back(id);
      continue;
    }
    t.state = State::kWaitEnd;
    t.socket = false;
    announce(t, info.repl_offset, "");
  }
  for (uint64_t id : failed) drop(id, "BGSAVE failed");
}

void FullSync::start_socket() {
  rdb::SaveInfo info = fork_point();
  LOG_NOTICE("Starting BGSAVE for SYNC with target: replicas sockets");
  int fd = server_.persistence().start_socket_save(info);
  if (fd < 0) {
    std::vector<uint64_t> failed;
    for (auto& [id, t] : targets_)
      if (t.state == State::kWaitStart) failed.push_back(id);
    for (uint64_t id : failed) drop(id, "BGSAVE failed");
    return;
  }
  pipe_fd_ = fd;
  pipe_done_ = socket_child_done_ = socket_child_ok_ = false;
  eof_mark_ = random_mark();
  for (auto& [id, t] : targets_) {
    if (t.state != State::kWaitStart) continue;
    t.state = State::kWaitEnd;
    t.socket = true;
    announce(t, info.repl_offset, "$EOF:" + eof_mark_ + "\r\n");
  }
  poll_ = new uv_poll_t;
  uv_poll_init(server_.loop(), poll_, fd);
  poll_->data = this;
  uv_poll_start(poll_, UV_READABLE, on_pipe);
  poll_active_ = true;
}

void FullSync::on_pipe(uv_poll_t* h, int, int) { static_cast<FullSync*>(h->data)->read_pipe(); }

void FullSync::read_pipe() {
  char buf[kChunk];
  while (pipe_fd_ >= 0) {
    // Back-pressure: a replica that does not keep up pauses the child (it blocks on the full pipe).
    for (auto& [id, t] : targets_) {
      if (!t.socket || t.state != State::kWaitEnd || t.client->conn == nullptr) continue;
      if (t.client->conn->pending_output() >= kHighWater) {
        if (poll_active_) uv_poll_stop(poll_);
        poll_active_ = false;
        return;
      }
    }
    ssize_t n = ::read(pipe_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!poll_active_) uv_poll_start(poll_, UV_READABLE, on_pipe);
      poll_active_ = true;
      return;
    }
    if (n <= 0) {
      pipe_done_ = true;
      stop_pipe();
      finish_socket_if_done();
      return;
    }
    for (auto& [id, t] : targets_) {
      if (!t.socket || t.state != State::kWaitEnd || t.client->conn == nullptr) continue;
      t.client->conn->output().append(buf, static_cast<size_t>(n));
      // Written now: what stays pending is then really in flight, and its completion resumes us.
      t.client->conn->flush();
    }
  }
}

void FullSync::stop_pipe() {
  if (poll_ != nullptr) {
    uv_poll_stop(poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(poll_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }
  poll_active_ = false;
  if (pipe_fd_ >= 0) ::close(pipe_fd_);
  pipe_fd_ = -1;
}

void FullSync::finish_socket_if_done() {
  if (!pipe_done_ || !socket_child_done_) return;
  std::vector<uint64_t> ids;
  for (auto& [id, t] : targets_)
    if (t.socket && t.state == State::kWaitEnd) ids.push_back(id);
  for (uint64_t id : ids) {
    Target& t = targets_[id];
    if (!socket_child_ok_) {
      drop(id, "the diskless transfer failed");
      continue;
    }
    t.client->conn->output() += eof_mark_;
    server_.flush_later(*t.client);
    LOG_NOTICE(
        "Streamed RDB transfer with replica %s succeeded (socket). Waiting for REPLCONF ACK from replica "
        "to enable streaming",
        name_of(*t.client).c_str());
    if (t.rdb_only) {
      t.client->conn->close_after_flush();
      targets_.erase(id);
      continue;
    }
    t.state = State::kWaitAck;
  }
  pipe_done_ = socket_child_done_ = false;
  try_start(util::mono_ms());
}

void FullSync::on_child_done(Persistence::ChildKind kind, bool ok) {
  if (kind == Persistence::ChildKind::kSocket) {
    socket_child_done_ = true;
    socket_child_ok_ = ok;
    if (!ok) {
      pipe_done_ = true;
      stop_pipe();
    }
    finish_socket_if_done();
    return;
  }
  std::vector<uint64_t> ids;
  for (auto& [id, t] : targets_)
    if (!t.socket && t.state == State::kWaitEnd) ids.push_back(id);
  std::string path = server_.persistence().rdb_path();
  for (uint64_t id : ids) {
    Target& t = targets_[id];
    struct stat st {};
    int fd = ok ? ::open(path.c_str(), O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0 || fstat(fd, &st) != 0) {
      if (fd >= 0) ::close(fd);
      drop(id, ok ? "can't open the RDB file" : "BGSAVE failed");
      continue;
    }
    t.fd = fd;
    t.left = st.st_size;
    t.state = State::kSending;
    t.client->conn->output() += "$" + std::to_string(st.st_size) + "\r\n";
    pump(t);
  }
  try_start(util::mono_ms());
}

void FullSync::pump(Target& t) {
  net::Connection* conn = t.client->conn;
  if (conn == nullptr) return;
  char buf[kChunk];
  // A bounded amount per call: a fast local replica must not keep the loop busy for the whole file.
  size_t budget = kPumpBudget;
  while (t.left > 0 && budget > 0 && conn->pending_output() < kHighWater) {
    ssize_t n = ::read(t.fd, buf, static_cast<size_t>(std::min<int64_t>(t.left, sizeof buf)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      drop(t.client->id, "short read of the RDB file");
      return;
    }
    conn->output().append(buf, static_cast<size_t>(n));
    t.left -= n;
    budget -= std::min(budget, static_cast<size_t>(n));
    conn->flush();
  }
  if (t.left > 0) {
    // Either a write is in flight (its completion calls on_drained) or the budget ran out: come back on
    // the next loop iteration rather than wait for a drain that a synchronous write never reports.
    if (conn->pending_output() < kHighWater) kick();
    return;
  }
  server_.flush_later(*t.client);
  ::close(t.fd);
  t.fd = -1;
  uint64_t id = t.client->id;
  if (t.rdb_only) {
    conn->close_after_flush();
    targets_.erase(id);
    return;
  }
  go_online(id);
}

void FullSync::on_drained(Client& c) {
  auto it = targets_.find(c.id);
  if (it != targets_.end() && it->second.state == State::kSending) pump(it->second);
  if (pipe_fd_ >= 0 && !poll_active_) read_pipe();
}

void FullSync::on_stream(std::string_view bytes) {
  // The stream kept for a replica still waiting for its payload counts against its output buffer hard
  // limit, as in Redis: a replica whose sync outlasts what the master can hold starts over.
  std::string limit = server_.settings().client_output_buffer_limit_replica;
  auto hard = util::parse_memory(limit.substr(0, limit.find(' ')));
  std::vector<uint64_t> over;
  for (auto& [id, t] : targets_) {
    if (t.state == State::kWaitStart) continue;
    t.pending.append(bytes);
    if (hard && *hard > 0 && static_cast<int64_t>(t.pending.size()) >= *hard) over.push_back(id);
  }
  for (uint64_t id : over) drop(id, "output buffer limit reached while the snapshot was being transferred");
}

void FullSync::on_ack(Client& c) {
  auto it = targets_.find(c.id);
  if (it != targets_.end() && it->second.state == State::kWaitAck) go_online(c.id);
}

void FullSync::go_online(uint64_t id) {
  auto it = targets_.find(id);
  if (it == targets_.end()) return;
  Target& t = it->second;
  Client& c = *t.client;
  auto pit = repl_.peers_.find(id);
  if (c.conn != nullptr && pit != repl_.peers_.end()) {
    c.conn->output() += t.pending;
    pit->second.online = true;
    c.replica_ack_time_ms = util::mono_ms();
    server_.flush_later(c);
    LOG_NOTICE("Synchronization with replica %s succeeded", name_of(c).c_str());
  }
  targets_.erase(it);
}

void FullSync::drop(uint64_t id, const char* why) {
  auto it = targets_.find(id);
  if (it == targets_.end()) return;
  Client* c = it->second.client;
  LOG_WARNING("SYNC failed for replica %s: %s", name_of(*c).c_str(), why);
  if (it->second.fd >= 0) ::close(it->second.fd);
  targets_.erase(it);
  server_.close_client_async(*c);
}

void FullSync::on_close(Client& c) {
  auto it = targets_.find(c.id);
  if (it == targets_.end()) return;
  if (it->second.fd >= 0) ::close(it->second.fd);
  targets_.erase(it);
  // It may have been the replica that paused the pipe.
  if (pipe_fd_ >= 0 && !poll_active_) read_pipe();
}

void FullSync::periodic(int64_t now_ms) {
  ensure_listener();
  try_start(now_ms);
  resume();  // a safety net for a drain notification that did not come
}

void FullSync::resume() {
  std::vector<uint64_t> sending;
  for (auto& [id, t] : targets_)
    if (t.state == State::kSending) sending.push_back(id);
  for (uint64_t id : sending) {
    auto it = targets_.find(id);
    if (it != targets_.end() && it->second.client->conn &&
        it->second.client->conn->pending_output() < kHighWater)
      pump(it->second);
  }
  if (pipe_fd_ >= 0 && !poll_active_) read_pipe();
}

void FullSync::kick() {
  if (kick_timer_ == nullptr) {
    kick_timer_ = new uv_timer_t;
    uv_timer_init(server_.loop(), kick_timer_);
    kick_timer_->data = this;
  }
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(kick_timer_))) return;
  uv_timer_start(
      kick_timer_, [](uv_timer_t* h) { static_cast<FullSync*>(h->data)->resume(); }, 1, 0);
}

}  // namespace datanode
