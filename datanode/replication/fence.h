// Demoted-master fencing. A master that may have been replaced by a failover while it could not see
// (restarted after a crash, resumed after SIGSTOP or a long stall, cut off from every replica when
// min-replicas-to-write does not already refuse writes then) refuses
// writes with -READONLY until someone who knows the topology settles its role:
//  - our sentinels confirm a master they still consider the master with REPLICAOF NO ONE (a no-op for a
//    Redis master, so nothing breaks with other tools), or repoint it with REPLICAOF host port;
//  - real Redis Sentinels know no confirmation: they repoint a demoted master (REPLICAOF host port),
//    and leave a legitimate one alone, so the fence also lifts by itself after master-fence-timeout ms
//    (0 disables fencing): a node without sentinels is never fenced for long.
// Reads are served while fenced; every refused write is counted (INFO replication, metrics).
//
// What the node knows about its role survives a crash in <dir>/replication-role.state, written to a
// temporary file, fsynced and renamed (then the directory fsynced) on every role change: a node that
// was a master with replicas when it stopped starts fenced; one that never had replicas (a standalone
// server: nobody could have been promoted in its place) does not.
//
// The failover epoch. Sentinels (ours and Redis') publish a hello on __sentinel__:hello to every
// instance they monitor, on the same connection they send REPLICAOF on, every 2 s:
// "ip,port,runid,current_epoch,master_name,master_ip,master_port,master_config_epoch". The node keeps
// the highest master_config_epoch it has seen (and the master it names) in the same state file, and
// the current_epoch of the last hello on each connection. REPLICAOF NO ONE (a promotion, or our
// sentinels' confirmation of a fenced master) from a connection whose sentinel's current_epoch is lower
// than that epoch is refused: that sentinel has not heard of the failover the node has seen, so its
// instruction is stale. A legitimate leader always has current_epoch >= every config epoch it knows.
// Connections that never published a hello (operators, scripts) are not judged.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "datanode/server/server.h"

namespace datanode {

class MasterFence {
 public:
  explicit MasterFence(Server& server);

  // Start-up, before serving: reads the persisted state; a node starting as a master that had replicas
  // when it went down comes back fenced.
  void on_start(bool starting_as_replica);
  // Every role change (REPLICAOF host port, REPLICAOF NO ONE on a replica, FAILOVER, a full sync done):
  // persisted, and any fence lifted (the change itself settled the role).
  void on_role_change(bool replica, const std::string& master_host, int master_port,
                      const std::string& replid);
  // REPLICAOF NO ONE received while already a master: a sentinel confirms the role.
  void confirm(const std::string& who);
  // Every 100 ms: stall and isolation detection, the bounded lift. `online_replicas`: replicas streaming
  // from us; `last_ack_ms`: the newest acknowledgement from any of them (0 if none).
  void tick(int64_t now_ms, bool is_replica, size_t online_replicas, int64_t last_ack_ms);

  // A PUBLISH on __sentinel__:hello from `c` (the master link's copies teach the epoch only).
  void on_sentinel_hello(const Client& c, std::string_view payload);
  // REPLICAOF NO ONE from `c`: "" or the error refusing a stale promotion (counted).
  std::string check_promotion(const Client& c);

  bool fenced() const { return fenced_; }
  uint64_t refusals() const { return refusals_; }
  void write_info(std::string& out) const;
  // A write while fenced: the -READONLY that refuses it (counted), else "" (the dispatcher's checks,
  // datanode/server/admission.cpp).
  std::string guard(const Client& c);

 private:
  void fence(const char* why, int64_t now_ms);
  void lift(const std::string& why);
  int64_t timeout_ms() const;
  std::string state_path() const;
  void persist();

  Server& server_;
  bool fenced_ = false;
  bool isolation_fence_ = false;  // fenced because every replica went silent
  int64_t fenced_since_ms_ = 0;
  uint64_t refusals_ = 0;
  uint64_t fences_ = 0;
  std::string last_reason_;
  int64_t last_tick_ms_ = 0;
  int64_t last_ack_seen_ms_ = 0;
  bool had_replicas_ = false;  // persisted: a failover could have promoted one of them
  bool replica_ = false;
  std::string master_host_;
  int master_port_ = 0;
  std::string replid_;
  int64_t failover_epoch_ = 0;      // persisted: highest master_config_epoch seen in a hello
  std::string epoch_master_;        // persisted: the master that hello named, "ip:port"
  std::map<uint64_t, int64_t> sentinel_epochs_;  // client id -> current_epoch of its last hello
  uint64_t stale_promotions_ = 0;
};

}  // namespace datanode
