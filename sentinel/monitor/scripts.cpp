#include "sentinel/monitor/scripts.h"

#include <csignal>

#include "common/log/log.h"
#include "common/util/clock.h"

namespace sentinel {

ScriptRunner::ScriptRunner(uv_loop_t* loop, SentinelState& st) : loop_(loop), st_(st) {}

ScriptRunner::~ScriptRunner() {
  // Children keep running; their handles just stop pointing at us.
  for (Job& j : jobs_)
    if (j.proc) j.proc->data = nullptr;
}

void ScriptRunner::update_counts() {
  int running = 0, queued = 0;
  for (const Job& j : jobs_) (j.proc ? running : queued)++;
  st_.running_scripts = running;
  st_.queued_scripts = queued;
}

void ScriptRunner::schedule(const std::string& path, std::vector<std::string> args) {
  if (path.empty()) return;
  if (jobs_.size() >= kMaxQueue) {
    LOG_WARNING("-script-error %s: too many scripts queued", path.c_str());
    return;
  }
  Job j;
  j.argv.push_back(path);
  for (auto& a : args) j.argv.push_back(std::move(a));
  j.owner = this;
  jobs_.push_back(std::move(j));
  tick(util::mono_ms());
}

void ScriptRunner::tick(int64_t now) {
  size_t running = 0;
  for (Job& j : jobs_) {
    if (j.proc == nullptr) continue;
    ++running;
    if (now - j.started > kMaxRuntime) {
      LOG_WARNING("-script-timeout %s", j.argv[0].c_str());
      uv_process_kill(j.proc, SIGKILL);
    }
  }
  for (Job& j : jobs_) {
    if (running >= kMaxRunning) break;
    if (j.proc != nullptr) continue;
    std::vector<char*> argv;
    for (std::string& a : j.argv) argv.push_back(a.data());
    argv.push_back(nullptr);
    uv_process_options_t opts{};
    opts.file = argv[0];
    opts.args = argv.data();
    opts.exit_cb = &ScriptRunner::on_exit;
    auto* proc = new uv_process_t;
    proc->data = &j;
    int rc = uv_spawn(loop_, proc, &opts);
    if (rc != 0) {
      LOG_WARNING("-script-error %s: %s", j.argv[0].c_str(), uv_strerror(rc));
      uv_close(reinterpret_cast<uv_handle_t*>(proc), [](uv_handle_t* h) { delete reinterpret_cast<uv_process_t*>(h); });
      j.argv.clear();  // marks it for removal below
      continue;
    }
    j.proc = proc;
    j.started = now;
    ++running;
  }
  jobs_.remove_if([](const Job& j) { return j.argv.empty(); });
  update_counts();
}

void ScriptRunner::on_exit(uv_process_t* p, int64_t status, int signal) {
  auto* j = static_cast<Job*>(p->data);
  uv_close(reinterpret_cast<uv_handle_t*>(p), [](uv_handle_t* h) { delete reinterpret_cast<uv_process_t*>(h); });
  if (j == nullptr) return;
  if (status != 0 || signal != 0)
    LOG_WARNING("-script-error %s %d %lld", j->argv[0].c_str(), signal, static_cast<long long>(status));
  ScriptRunner* self = j->owner;
  for (auto it = self->jobs_.begin(); it != self->jobs_.end(); ++it) {
    if (&*it == j) {
      self->jobs_.erase(it);
      break;
    }
  }
  self->update_counts();
}

}  // namespace sentinel
