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

void ClientPause::pause(int64_t until_ms, bool all) {
  int64_t now = util::mono_ms();
  if (active_ && until_ms_ > now) {
    until_ms_ = std::max(until_ms_, until_ms);
    all_ = all_ || all;
  } else {
    until_ms_ = until_ms;
    all_ = all;
  }
  active_ = until_ms_ > now;
  schedule(active_ ? until_ms_ - now : 0);
}

void ClientPause::unpause() {
  active_ = false;
  all_ = false;
  schedule(0);
}

// Held clients run from the timer, never inside the command that ended the pause.
void ClientPause::schedule(int64_t delay_ms) {
  if (timer_ == nullptr) return;
  uv_timer_start(
      timer_, [](uv_timer_t* t) { static_cast<ClientPause*>(t->data)->on_timer(); },
      static_cast<uint64_t>(delay_ms), 0);
}

void ClientPause::on_timer() {
  int64_t now = util::mono_ms();
  if (active_ && now < until_ms_) return schedule(until_ms_ - now);
  active_ = false;
  all_ = false;
  resume_all();
}

bool ClientPause::holds(Client& c, const command::Command<Context>& cmd) {
  if (!active_ || c.conn == nullptr || c.has(kClientReplica | kClientMaster)) return false;
  if (util::mono_ms() >= until_ms_) {
    unpause();
    return false;
  }
  bool writes = cmd.has(command::kWrite | command::kMayReplicate);
  if (!writes && cmd.name == "exec") {
    // EXEC is held when its queue would write.
    for (const QueuedCommand& q : c.multi_queue) {
      const auto* s = server_.commands().find(q.args[0]);
      writes = writes || (s != nullptr && s->has(command::kWrite | command::kMayReplicate));
    }
  }
  if (!all_ && !writes) return false;
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
