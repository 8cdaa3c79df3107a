#include "datanode/replication/fence.h"

#include <optional>
#include <string_view>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/fs.h"
#include "common/util/strings.h"
#include "datanode/replication/hello_payload.h"

namespace datanode {
namespace {

const char* const kStateFile = "replication-role.state";
// A loop that did not run for this long may have been stopped (SIGSTOP, a VM pause) long enough for
// the sentinels to replace it.
constexpr int64_t kStallMs = 1500;
// A master whose replicas all went silent for this long may be on the wrong side of a partition.
constexpr int64_t kIsolatedMs = 3000;

}  // namespace

MasterFence::MasterFence(Server& server) : server_(server) {
  server_.add_client_close_listener([this](Client& c) { sentinel_epochs_.erase(c.id); });
}

std::string MasterFence::state_path() const { return util::path_join(server_.settings().dir, kStateFile); }

int64_t MasterFence::timeout_ms() const {
  config::Option* opt = server_.registry().find("master-fence-timeout");
  if (opt == nullptr) return 30000;
  auto v = util::parse_int(opt->get());
  return v ? *v : 30000;
}

void MasterFence::on_start(bool starting_as_replica) {
  std::string text;
  if (!util::read_file(state_path(), &text)) {
    // First start (or a directory from before this file existed): nothing to fence against.
    on_role_change(starting_as_replica, "", 0, "");
    return;
  }
  text = "\n" + text;
  bool was_master = text.find("\nrole master\n") != std::string::npos;
  bool had = text.find("\nhad-replicas yes\n") != std::string::npos;
  if (size_t at = text.find("\nfailover-epoch "); at != std::string::npos) {
    size_t end = text.find('\n', at + 1);
    std::string line = text.substr(at + 16, end == std::string::npos ? std::string::npos : end - at - 16);
    size_t space = line.find(' ');
    failover_epoch_ = util::parse_int(line.substr(0, space)).value_or(0);
    epoch_master_ = space == std::string::npos ? "" : line.substr(space + 1);
  }
  had_replicas_ = had;
  replica_ = starting_as_replica;
  last_tick_ms_ = 0;  // loading the data set is not a stall
  if (!starting_as_replica && was_master && had && timeout_ms() > 0) {
    fence("restarted as a master that had replicas", util::mono_ms());
  } else if (starting_as_replica != !was_master) {
    persist();
  }
}

void MasterFence::on_role_change(bool replica, const std::string& master_host, int master_port,
                                 const std::string& replid) {
  replica_ = replica;
  master_host_ = master_host;
  master_port_ = master_port;
  replid_ = replid;
  had_replicas_ = false;
  if (fenced_)
    lift(replica ? "now a replica of " + master_host + ":" + std::to_string(master_port) : "role set");
  persist();
}

void MasterFence::confirm(const std::string& who) {
  if (!fenced_) return;
  lift("master role confirmed by " + who);
}

void MasterFence::tick(int64_t now_ms, bool is_replica, size_t online_replicas, int64_t last_ack_ms) {
  int64_t gap = last_tick_ms_ ? now_ms - last_tick_ms_ : 0;
  last_tick_ms_ = now_ms;
  if (is_replica) return;
  if (last_ack_ms > last_ack_seen_ms_) last_ack_seen_ms_ = last_ack_ms;
  if (online_replicas > 0 && !had_replicas_) {
    had_replicas_ = true;
    last_ack_seen_ms_ = now_ms;
    persist();
  }
  if (fenced_ && isolation_fence_ && last_ack_ms > fenced_since_ms_) {
    // A replica acknowledges our stream again: it still follows us, so the sentinels did not move the
    // replicas to a new master while we were cut off (they would have repointed it first).
    lift("a replica acknowledges again");
    return;
  }
  if (fenced_) {
    int64_t limit = timeout_ms();
    if (limit <= 0 || now_ms - fenced_since_ms_ >= limit)
      lift("no sentinel repointed it within master-fence-timeout (" + std::to_string(limit) + " ms)");
    return;
  }
  if (!had_replicas_ || timeout_ms() <= 0) return;
  if (gap > kStallMs) return fence("the event loop did not run for a while (stopped or stalled)", now_ms);
  // With min-replicas-to-write the master already refuses writes when its replicas go silent.
  if (server_.settings().min_replicas_to_write == 0 && now_ms - last_ack_seen_ms_ > kIsolatedMs) {
    fence("no replica has acknowledged for a while (isolated, or its replicas were moved)", now_ms);
    isolation_fence_ = true;
  }
}

void MasterFence::fence(const char* why, int64_t now_ms) {
  fenced_ = true;
  isolation_fence_ = false;
  fenced_since_ms_ = now_ms;
  last_reason_ = why;
  ++fences_;
  LOG_WARNING(
      "Fenced: writes refused until a sentinel confirms or repoints this master, or %lld ms pass (%s)",
      static_cast<long long>(timeout_ms()), why);
}

void MasterFence::lift(const std::string& why) {
  fenced_ = false;
  // Settled: fencing re-arms once replicas stream from this master again, so a master whose replicas
  // are gone for good is fenced once, not over and over.
  if (had_replicas_ && !replica_) {
    had_replicas_ = false;
    persist();
  }
  LOG_NOTICE("Fence lifted: %s (%llu writes refused while fenced)", why.c_str(),
             static_cast<unsigned long long>(refusals_));
}

std::string MasterFence::guard(const Client& c) {
  if (!fenced_ || c.has(kClientMaster)) return "";
  ++refusals_;
  return "READONLY You can't write against a fenced master (it may have been replaced by a failover).";
}

void MasterFence::persist() {
  std::string text = std::string("role ") + (replica_ ? "slave" : "master") + "\n";
  if (replica_) text += "master " + master_host_ + " " + std::to_string(master_port_) + "\n";
  if (!replid_.empty()) text += "replid " + replid_ + "\n";
  text += std::string("had-replicas ") + (had_replicas_ ? "yes" : "no") + "\n";
  if (failover_epoch_ > 0) text += "failover-epoch " + std::to_string(failover_epoch_) + " " + epoch_master_ + "\n";
  std::string err = util::write_file_atomic(state_path(), text);
  if (!err.empty()) LOG_WARNING("Could not persist the replication role: %s", err.c_str());
}

void MasterFence::on_sentinel_hello(const Client& c, std::string_view payload) {
  std::optional<SentinelHello> hello = parse_sentinel_hello(payload);
  if (!hello) return;
  if (!c.has(kClientMaster)) sentinel_epochs_[c.id] = hello->current_epoch;
  if (hello->master_config_epoch <= failover_epoch_) return;
  failover_epoch_ = hello->master_config_epoch;
  epoch_master_ = hello->master_ip + ":" + hello->master_port;
  LOG_NOTICE("Failover epoch %lld seen (master %s in the sentinels' configuration)",
             static_cast<long long>(failover_epoch_), epoch_master_.c_str());
  persist();
}

std::string MasterFence::check_promotion(const Client& c) {
  auto it = sentinel_epochs_.find(c.id);
  if (it == sentinel_epochs_.end() || it->second >= failover_epoch_) return "";
  ++stale_promotions_;
  LOG_WARNING("Refused REPLICAOF NO ONE from a sentinel at epoch %lld: this node has seen failover epoch %lld (%s)",
              static_cast<long long>(it->second), static_cast<long long>(failover_epoch_), epoch_master_.c_str());
  return "ERR REPLICAOF NO ONE refused: the sentinel's epoch " + std::to_string(it->second) +
         " is older than failover epoch " + std::to_string(failover_epoch_) + " seen by this node";
}

void MasterFence::write_info(std::string& out) const {
  out += "master_fenced:" + std::to_string(fenced_ ? 1 : 0) + "\r\n";
  out += "master_fenced_write_refusals:" + std::to_string(refusals_) + "\r\n";
  out += "master_fences:" + std::to_string(fences_) + "\r\n";
  out += "master_failover_epoch:" + std::to_string(failover_epoch_) + "\r\n";
  out += "master_stale_promotions_refused:" + std::to_string(stale_promotions_) + "\r\n";
}

}  // namespace datanode
