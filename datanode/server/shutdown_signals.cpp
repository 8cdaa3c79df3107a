#include "datanode/server/shutdown_signals.h"

#include <unistd.h>

#include <csignal>

#include "common/log/log.h"
#include "common/util/clock.h"

namespace datanode {
namespace {

// What the handler may touch: lock-free atomics and uv_async_send, both async-signal-safe. One instance per
// process (the server's), so these live at namespace scope.
std::atomic<int> g_signum{0};
std::atomic<int64_t> g_received_ms{0};    // when the first unanswered signal arrived (monotonic), 0: none
std::atomic<bool> g_loop_answered{true};  // the loop has taken the last signal
std::atomic<uv_async_t*> g_async{nullptr};

}  // namespace

ShutdownSignals::ShutdownSignals(uv_loop_t* loop, std::function<void(int)> on_signal, int64_t grace_ms)
    : async_(new uv_async_t), on_signal_(std::move(on_signal)), grace_ms_(grace_ms) {
  async_->data = this;
  uv_async_init(loop, async_, [](uv_async_t* h) {
    auto* self = static_cast<ShutdownSignals*>(h->data);
    g_loop_answered.store(true);
    g_received_ms.store(0);
    self->on_signal_(g_signum.load());
  });
  g_async.store(async_);
  struct sigaction sa {};
  sa.sa_handler = handle_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  watchdog_ = std::thread([this] { watch(); });
}

ShutdownSignals::~ShutdownSignals() { stop(); }

void ShutdownSignals::stop() {
  if (stopping_.exchange(true)) return;
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  g_async.store(nullptr);
  {
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_all();
  }
  if (watchdog_.joinable()) watchdog_.join();
  uv_close(reinterpret_cast<uv_handle_t*>(async_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
}

void ShutdownSignals::handle_signal(int signum) {
  g_signum.store(signum);
  int64_t expected = 0;
  g_received_ms.compare_exchange_strong(expected, util::mono_ms());
  g_loop_answered.store(false);
  if (uv_async_t* a = g_async.load()) uv_async_send(a);
}

void ShutdownSignals::watch() {
  std::unique_lock<std::mutex> lock(mu_);
  bool warned = false;
  while (!stopping_.load()) {
    cv_.wait_for(lock, std::chrono::milliseconds(100));
    const int64_t since = g_received_ms.load();
    if (since == 0 || g_loop_answered.load()) continue;
    if (util::mono_ms() - since < grace_ms_) continue;
    if (loop_shutdown_required_.load()) {
      if (!warned) LOG_WARNING("Shutdown waits for the running command: the final save must run on the loop");
      warned = true;
      continue;
    }
    // The loop is inside one long command. Nothing a client was told about is lost by ending here.
    LOG_WARNING(
        "Received %s during a command running for over %lld ms: exiting without waiting for it "
        "(every acknowledged write is already in the AOF)",
        g_signum.load() == SIGINT ? "SIGINT" : "SIGTERM", static_cast<long long>(grace_ms_));
    _exit(1);
  }
}

}  // namespace datanode
