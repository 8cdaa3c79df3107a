#include "datanode/server/client_pause.h"

#include <algorithm>

#include "common/util/clock.h"
#include "datanode/server/client.h"
#include "datanode/server/server.h"

namespace datanode {

ClientPause::ClientPause(Server& server) : server_(server), timer_(new uv_timer_t) {
  uv_timer_init(server_.loop(), timer_);
  timer_->data = this;
  server_.add_client_close_listener([this](Client& c) { std::erase(parked_, c.id); });
  server_.add_shutdown_hook([this] { close_timer(); });
}

ClientPause::~ClientPause() { close_timer(); }

void ClientPause::close_timer() {
  if (timer_ == nullptr) return;
  uv_close(reinterpret_cast<uv_handle_t*>(timer_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  timer_ = nullptr;
}

void ClientPause::pause(PausePurpose purpose, int64_t until_ms, PauseType type) {
  Event& e = events_[static_cast<size_t>(purpose)];
  if (e.type != PauseType::kOff && e.until_ms >= util::mono_ms()) {
    e.type = std::max(e.type, type);
    e.until_ms = std::max(e.until_ms, until_ms);
  } else {
    e = Event{type, until_ms};
  }
  update();
}

void ClientPause::unpause(PausePurpose purpose) {
  events_[static_cast<size_t>(purpose)] = Event{};
  update();
}

PauseType ClientPause::type() {
  if (type_ != PauseType::kOff && until_ms_ < util::mono_ms()) update();
  return type_;
}

void ClientPause::update() {
  if (recompute()) release_ = true;
  arm();
}

bool ClientPause::recompute() {
  int64_t now = util::mono_ms();
  PauseType old = type_;
  PauseType strictest = PauseType::kOff;
  for (Event& e : events_) {
    if (e.type != PauseType::kOff && e.until_ms < now) e = Event{};
    strictest = std::max(strictest, e.type);
  }
  int64_t until = 0;
  for (const Event& e : events_)
    if (e.type == strictest && e.type != PauseType::kOff) until = std::max(until, e.until_ms);
  type_ = strictest;
  until_ms_ = until;
  return type_ < old;
}

// Held clients run from the timer, never inside the command that relaxed the pause; otherwise the timer
// wakes up at the effective pause's deadline.
void ClientPause::arm() {
  if (timer_ == nullptr) return;
  int64_t delay = -1;
  if (release_)
    delay = 0;
  else if (type_ != PauseType::kOff && until_ms_ != kForever)
    delay = std::max<int64_t>(until_ms_ - util::mono_ms() + 1, 0);
  if (delay < 0) {
    uv_timer_stop(timer_);
    return;
  }
  uv_timer_start(
      timer_, [](uv_timer_t* t) { static_cast<ClientPause*>(t->data)->on_timer(); },
      static_cast<uint64_t>(delay), 0);
}

void ClientPause::on_timer() {
  if (recompute()) release_ = true;
  if (release_) {
    release_ = false;
    // The released clients may be held again under a remaining, laxer pause.
    resume_all();
  }
  arm();
}

bool ClientPause::holds(Client& c, const command::Command<Context>& cmd) {
  if (type_ == PauseType::kOff || c.conn == nullptr || c.has(kClientReplica | kClientMaster)) return false;
  if (type() == PauseType::kOff) return false;
  bool writes = cmd.has(command::kWrite | command::kMayReplicate);
  if (!writes && cmd.name == "exec") {
    // EXEC is held when its queue would write.
    for (const QueuedCommand& q : c.multi_queue) {
      const auto* s = server_.commands().find(q.args[0]);
      writes = writes || (s != nullptr && s->has(command::kWrite | command::kMayReplicate));
    }
  }
  if (type_ != PauseType::kAll && !writes) return false;
  c.flags |= kClientPaused;
  if (std::find(parked_.begin(), parked_.end(), c.id) == parked_.end()) parked_.push_back(c.id);
  return true;
}

void ClientPause::resume_all() {
  std::vector<uint64_t> ids;
  ids.swap(parked_);
  for (uint64_t id : ids) {
    Client* c = server_.find_client(id);
    if (c == nullptr) continue;
    c->flags &= ~kClientPaused;
    if (c->conn != nullptr && !c->conn->closing()) server_.process_input(*c);
  }
}

}  // namespace datanode
