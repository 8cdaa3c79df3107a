#include "datanode/persistence/shutdown.h"

#include <unistd.h>

#include <csignal>
#include <sstream>

#include "common/log/log.h"
#include "common/resp/writer.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "datanode/persistence/persistence.h"
#include "datanode/replication/replication.h"
#include "datanode/server/client_pause.h"
#include "datanode/server/server.h"

namespace datanode {

ShutdownSequence::ShutdownSequence(Server& server, Persistence& persistence)
    : server_(server), persistence_(persistence) {
  // Redis checks from serverCron (hz 10): as often as it.
  server_.add_periodic(100, [this](int64_t now_ms) { cron(now_ms); });
  server_.add_client_close_listener([this](Client& c) { std::erase(blocked_, c.id); });
}

int64_t ShutdownSequence::timeout_seconds() const {
  config::Option* o = server_.registry().find("shutdown-timeout");
  if (o == nullptr) return 10;
  return util::parse_int(o->get()).value_or(10);
}

int ShutdownSequence::flags_for_signal(int signum) const {
  config::Option* o = server_.registry().find(signum == SIGINT ? "shutdown-on-sigint" : "shutdown-on-sigterm");
  int flags = Persistence::kShutdownNoFlags;
  if (o == nullptr) return flags;
  std::istringstream in(o->get());
  for (std::string w; in >> w;) {
    if (w == "save") flags |= Persistence::kShutdownSave;
    else if (w == "nosave") flags |= Persistence::kShutdownNoSave;
    else if (w == "now") flags |= Persistence::kShutdownNow;
    else if (w == "force") flags |= Persistence::kShutdownForce;
  }
  return flags;
}

ShutdownSequence::Outcome ShutdownSequence::start(int flags, Client* blocker) {
  // A second SHUTDOWN while we wait joins the wait (Redis leaves it blocked).
  if (initiated()) {
    if (blocker) {
      blocker->flags |= kClientBlocked;
      blocked_.push_back(blocker->id);
    }
    return Outcome::kWaiting;
  }
  if (server_.loading()) flags = (flags & ~Persistence::kShutdownSave) | Persistence::kShutdownNoSave;
  flags_ = flags;
  LOG_WARNING("User requested shutdown...");
  Replication& repl = server_.replication();
  int64_t timeout = timeout_seconds();
  if (!(flags & Persistence::kShutdownNow) && timeout != 0 && !repl.replicas_caught_up()) {
    deadline_ms_ = util::mono_ms() + timeout * 1000;
    repl.request_getack();
    // Redis' PAUSE_DURING_SHUTDOWN of writes; replicas and the master link are never held.
    server_.client_pause().pause(PausePurpose::kShutdown, ClientPause::kForever, PauseType::kWrite);
    LOG_NOTICE("Waiting for replicas before shutting down.");
    if (blocker) {
      blocker->flags |= kClientBlocked;
      blocked_.push_back(blocker->id);
    }
    return Outcome::kWaiting;
  }
  return finish() ? Outcome::kExiting : Outcome::kFailed;
}

bool ShutdownSequence::finish() {
  server_.replication().log_replicas_at_shutdown();
  if (!persistence_.prepare_shutdown(flags_)) {
    cancel();
    return false;
  }
  server_.request_shutdown(false);
  return true;
}

void ShutdownSequence::cancel() {
  bool was_initiated = initiated();
  deadline_ms_ = 0;
  flags_ = 0;
  signal_pending_ = false;
  std::vector<uint64_t> ids;
  ids.swap(blocked_);
  for (uint64_t id : ids) {
    Client* c = server_.find_client(id);
    if (c == nullptr || c->conn == nullptr) continue;
    resp::Writer out(&c->conn->output());
    out.error("ERR Errors trying to SHUTDOWN. Check logs.");
    c->flags &= ~static_cast<uint32_t>(kClientBlocked);
    server_.flush_later(*c);
    if (!c->conn->closing()) server_.process_input(*c);
  }
  if (was_initiated) server_.client_pause().unpause(PausePurpose::kShutdown);
}

bool ShutdownSequence::abort() {
  if (initiated()) {
    cancel();
  } else if (signal_pending_) {
    signal_pending_ = false;
  } else {
    return false;
  }
  LOG_NOTICE("Shutdown manually aborted.");
  return true;
}

void ShutdownSequence::on_signal(int signum) {
  // A second SIGINT means "now": no save, no waiting for replicas (Redis' sigShutdownHandler).
  if ((signal_pending_ || initiated()) && signum == SIGINT) {
    LOG_WARNING("You insist... exiting now.");
    _exit(1);
  }
  LOG_WARNING("%s", server_.loading() ? "Received shutdown signal during loading, scheduling shutdown."
                    : signum == SIGINT ? "Received SIGINT scheduling shutdown..."
                                       : "Received SIGTERM scheduling shutdown...");
  if (initiated()) return;
  signal_pending_ = true;
  if (start(flags_for_signal(signum), nullptr) == Outcome::kFailed) signal_pending_ = false;
}

void ShutdownSequence::cron(int64_t now_ms) {
  if (!initiated()) return;
  if (now_ms >= deadline_ms_ || server_.replication().replicas_caught_up()) finish();
}

}  // namespace datanode
