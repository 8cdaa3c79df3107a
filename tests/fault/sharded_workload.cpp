// The cluster fault campaign's writers and read-back (sharded_workload.h).
#include "sharded_workload.h"

#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <thread>

#include "harness.h"
#include "sharded.h"

namespace fault {

namespace {

using namespace std::chrono_literals;

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// "MOVED 3999 127.0.0.1:6381" -> 127.0.0.1:6381.
std::optional<Endpoint> moved_to(const std::string& err) {
  if (!starts_with(err, "MOVED ") && !starts_with(err, "ASK ")) return std::nullopt;
  size_t sp = err.rfind(' '), colon = err.rfind(':');
  if (sp == std::string::npos || colon == std::string::npos || colon < sp) return std::nullopt;
  return Endpoint{err.substr(sp + 1, colon - sp - 1), std::atoi(err.c_str() + colon + 1)};
}

Endpoint next_node(const std::vector<Endpoint>& nodes, const Endpoint& ep) {
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i] == ep) return nodes[(i + 1) % nodes.size()];
  return nodes.front();
}

}  // namespace

std::string key_name(int key) { return "fault:k" + std::to_string(key); }

harness::Reply routed(const std::vector<Endpoint>& nodes, const std::vector<std::string>& args,
                      Endpoint start, Endpoint* served_by, std::chrono::milliseconds timeout) {
  Endpoint ep = start;
  harness::Reply last;
  last.type = harness::Reply::Type::kError;
  last.str = "IO no node answered";
  for (int hop = 0; hop < 8; ++hop) {
    auto c = connect_within(ep, timeout);
    if (!c) {
      ep = next_node(nodes, ep);
      continue;
    }
    last = c->command(args);
    if (served_by) *served_by = ep;
    if (!last.is_error()) return last;
    if (auto to = moved_to(last.str)) {
      ep = *to;
      continue;
    }
    if (starts_with(last.str, "IO") || starts_with(last.str, "CLUSTERDOWN") ||
        starts_with(last.str, "TRYAGAIN")) {
      ep = next_node(nodes, ep);
      continue;
    }
    return last;
  }
  return last;
}

ShardedWorkload::ShardedWorkload(ShardedWorkloadOptions opts, std::function<int64_t()> now_ms)
    : opts_(std::move(opts)), now_ms_(std::move(now_ms)) {}

ShardedWorkload::~ShardedWorkload() { stop(); }

void ShardedWorkload::start() {
  for (int i = 0; i < opts_.clients; ++i) threads_.emplace_back([this, i] { writer(i); });
}

void ShardedWorkload::stop() {
  stop_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void ShardedWorkload::writer(int client) {
  const auto timeout = std::chrono::milliseconds(opts_.op_timeout_ms);
  std::map<std::string, std::unique_ptr<harness::Client>> conns;
  std::map<int, Endpoint> owner;
  std::map<int, int64_t> seqs;
  for (int k = client; k < opts_.keys; k += opts_.clients)
    owner[k] = opts_.nodes[static_cast<size_t>(k) % opts_.nodes.size()];
  while (!stop_) {
    for (auto& [key, ep] : owner) {
      if (stop_) break;
      auto& conn = conns[ep.str()];
      if (!conn) conn = connect_within(ep, timeout);
      if (!conn) {
        ep = next_node(opts_.nodes, ep);
        std::this_thread::sleep_for(20ms);
        continue;
      }
      Op op;
      op.client = key;
      op.seq = ++seqs[key];
      op.node = ep.str();
      op.start_ms = now_ms_();
      harness::Reply r = conn->command({"RPUSH", key_name(key), std::to_string(op.seq)});
      bool drop = false;
      if (r.is_error()) {
        op.error = r.str;
        if (starts_with(r.str, "IO")) {
          op.outcome = Outcome::kUnknown;
          drop = true;
          ep = next_node(opts_.nodes, ep);
        } else {
          op.outcome = Outcome::kFailed;
          if (auto to = moved_to(r.str))
            ep = *to;
          else
            ep = next_node(opts_.nodes, ep);
        }
      } else if (opts_.wait_replicas > 0) {
        harness::Reply w = conn->command(
            {"WAIT", std::to_string(opts_.wait_replicas), std::to_string(opts_.wait_timeout_ms)});
        op.outcome = !w.is_error() && w.integer >= opts_.wait_replicas ? Outcome::kOk : Outcome::kUnknown;
        if (w.is_error()) op.error = w.str;
        drop = starts_with(w.str, "IO");
      } else {
        op.outcome = Outcome::kOk;
      }
      op.end_ms = now_ms_();
      const bool ok = op.outcome == Outcome::kOk;
      if (ok) acked_++;
      if (drop) conns.erase(op.node);
      writes_.add(std::move(op));
      if (opts_.pause_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(opts_.pause_us));
      if (!ok) std::this_thread::sleep_for(10ms);
    }
  }
}

std::map<int, std::vector<int64_t>> read_back_keys(const std::vector<Endpoint>& nodes, int keys) {
  std::map<int, std::vector<int64_t>> out;
  for (int k = 0; k < keys; ++k) {
    harness::Reply r;
    // A node that just rejoined may still redirect through a stale view: a few tries.
    for (int attempt = 0; attempt < 10; ++attempt) {
      r = routed(nodes, {"LRANGE", key_name(k), "0", "-1"}, nodes.front(), nullptr, 2s);
      if (r.type == harness::Reply::Type::kArray) break;
      std::this_thread::sleep_for(200ms);
    }
    if (r.type != harness::Reply::Type::kArray) return {};
    auto& list = out[k];
    for (const harness::Reply& e : r.elements) list.push_back(std::atoll(e.str.c_str()));
  }
  return out;
}

}  // namespace fault
