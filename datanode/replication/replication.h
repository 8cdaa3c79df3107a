// Master and replica sides of replication, as Redis 7 does them (PSYNC2):
//  - master side (master_side.cpp): replication ids, the backlog, replicas attached with PSYNC/SYNC
//    (+CONTINUE from the backlog, or +FULLRESYNC with an RDB snapshot serialised on the loop),
//    REPLCONF, PINGs to replicas, WAIT, min-replicas-to-write;
//  - replica side (replica_link.cpp): the link to our master, its handshake, full and partial sync,
//    the stream applied through Server::execute by a master client, ACKs, reconnects;
//  - this file: the shared state (ids, offsets), REPLICAOF, INFO replication and ROLE.
// A replica forwards the exact bytes it receives from its master to its own backlog and replicas, so
// offsets are the same across the whole chain and a promoted replica can serve PSYNC from its peers.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "datanode/server/context.h"
#include "datanode/replication/backlog.h"
#include "datanode/server/server.h"

namespace datanode {

class ReplicaLink;
class FullSync;
class MasterFence;

// A replica connected to us (a client that sent REPLCONF / PSYNC).
struct ReplicaPeer {
  Client* client = nullptr;
  bool online = false;  // has received its snapshot or backlog and now gets the stream
  bool capa_eof = false;
  bool capa_psync2 = false;
  bool rdb_only = false;   // REPLCONF rdb-only 1 (redis-cli --rdb): the snapshot, then the link closes
  bool pre_psync = false;  // came with SYNC: the payload comes without a +FULLRESYNC line
};

class Replication : public PropagationSink {
 public:
  explicit Replication(Server& server);
  ~Replication() override;
  Replication(const Replication&) = delete;
  Replication& operator=(const Replication&) = delete;

  // PropagationSink: a master encodes each write into the stream (SELECT when the db changes).
  void feed(int db, const std::vector<std::string_view>& argv) override;

  // --- Commands (commands/replication.cpp parses, these act) ---
  void sync_command(Context& ctx, bool psync);
  void replconf_command(Context& ctx);
  void wait_command(Context& ctx);
  void role_command(Context& ctx);
  // REPLICAOF host port: "" or an error text. Already following it: *already = true.
  std::string set_master(const std::string& host, int port, bool* already, const std::string& who);
  // REPLICAOF NO ONE.
  void unset_master(const std::string& who);
  // Failover epochs seen in sentinel hellos (fence.h): a hello published to us, and the check that
  // refuses REPLICAOF NO ONE from a sentinel that has not heard of the latest failover ("" if allowed).
  void on_sentinel_hello(const Client& c, std::string_view payload);
  std::string check_promotion(const Client& c);
  // FAILOVER (failover.cpp).
  void failover_command(Context& ctx);
  bool failover_pending() const { return failover_.state != FailoverState::kNone; }
  bool failover_in_progress() const { return failover_.state == FailoverState::kInProgress; }
  // The replica link's PSYNC FAILOVER got +CONTINUE / +FULLRESYNC (accepted) or anything else.
  void on_failover_psync_result(bool accepted);
  // A replica receiving PSYNC <replid> <offset> FAILOVER: "" (now a master) or the error text.
  std::string accept_failover_request(std::string_view replid, const Client& from);

  // --- State ---
  bool is_replica() const { return !master_host_.empty(); }
  const std::string& replid() const { return replid_; }
  int64_t master_repl_offset() const { return master_repl_offset_; }
  // Replica side: how long our master has been silent (link up) or unreachable (link down), in ms;
  // cluster elections measure the age of our data with it.
  int64_t master_silence_ms(int64_t now_mono_ms) const;
  void write_info(std::string& out) const;
  // A replica whose link is down with replica-serve-stale-data no, and what it refuses then (-MASTERDOWN
  // unless the command is allowed on a stale replica).
  bool running_stale() const;

  // --- The dispatcher's checks (datanode/server/admission.cpp): "" or the error refusing a command ---
  std::string stale_guard(const CommandSpec& cmd) const;  // -MASTERDOWN
  std::string replicas_guard() const;                     // a write: -NOREPLICAS (min-replicas-to-write)
  std::string read_only_guard(const Client& c);           // a write: -READONLY (replica, fenced master)

  // --- Used by the replica link ---
  // The stream position our data corresponds to (replid, offset), to ask for PSYNC; replid "?"
  // when we have no usable history.
  std::pair<std::string, int64_t> psync_position() const;
  // +FULLRESYNC accepted and the snapshot loaded: adopt the master's history.
  void on_full_sync(const std::string& master_replid, int64_t offset);
  // +CONTINUE: the master may have a new replication id (it was promoted).
  void on_partial_sync(const std::string& new_replid);
  // Bytes of the master's stream that were applied: into our backlog and to our replicas as is.
  void forward_stream(std::string_view bytes);
  void set_history_valid(bool valid) { have_history_ = valid; }
  void disconnect_replicas();
  // SHUTDOWN waiting for replicas (persistence/shutdown.cpp), as Redis' isReadyToShutdown: every
  // attached replica acknowledged our whole stream. log_replicas_at_shutdown() logs the laggards and
  // the "n of m in sync" line of finishShutdown; request_getack() asks each replica for its offset.
  bool replicas_caught_up() const;
  void log_replicas_at_shutdown() const;
  void request_getack() { getack_pending_ = true; }
  Server& server() { return server_; }
  int resume_db() const { return resume_db_; }
  // Commands of our master's stream that we could not apply (each one forced a full resync).
  uint64_t unapplied_stream_commands = 0;

 private:
  friend class ReplicaLink;
  friend class FullSync;
  // Master side.
  ReplicaPeer& peer_for(Client& c);
  void append_stream(std::string_view bytes);
  void create_backlog_if_needed();
  bool try_partial_resync(Client& c, std::string_view replid, int64_t offset);
  void full_resync(Client& c, bool psync);
  void handle_ack(Client& c, int64_t offset);
  size_t count_acked(int64_t offset) const;
  int good_replicas(int64_t now_ms) const;
  void check_waiters(int64_t now_ms);
  void send_getack();
  void periodic(int64_t now_ms);
  void on_client_close(Client& c);

  void change_replid();
  void shift_replid();

  // Coordinated failover (failover.cpp), Redis' FAILOVER_WAIT_FOR_SYNC / FAILOVER_IN_PROGRESS.
  enum class FailoverState { kNone, kWaitForSync, kInProgress };
  struct Failover {
    FailoverState state = FailoverState::kNone;
    std::string host;  // target; empty until one is chosen
    int port = 0;
    int64_t end_ms = 0;  // 0: no timeout
    bool force = false;
    bool rejected = false;  // the target refused PSYNC FAILOVER
  };
  const char* failover_state_name() const;
  Client* find_replica(const std::string& host, int port) const;
  void update_failover(int64_t now_ms);
  void start_failover_psync();
  void abort_failover(const std::string& why);
  void clear_failover();
  Failover failover_;

  // Replica snapshot (snapshot.cpp): a dump with our replication position so a restarted replica
  // can partially resync.
  std::string snapshot_path() const;
  bool load_snapshot_on_start();
  void maybe_save_snapshot(int64_t now_ms);
  bool save_snapshot_now();
  void reap_snapshot_child();

  Server& server_;
  std::string replid_;
  std::string replid2_ = std::string(40, '0');
  int64_t master_repl_offset_ = 0;
  int64_t second_replid_offset_ = -1;
  std::unique_ptr<ReplicationBacklog> backlog_;
  int64_t backlog_idle_since_ms_ = 0;
  int last_db_ = -1;  // database of the last command in the stream; -1 forces a SELECT
  std::map<uint64_t, ReplicaPeer> peers_;  // by client id, in connection order
  std::unique_ptr<FullSync> full_sync_;    // replicas getting a snapshot (full_sync.cpp), made on first use
  int64_t last_ping_ms_ = 0;

  struct Waiter {
    uint64_t client_id;
    int64_t offset;
    int64_t numreplicas;
    int64_t deadline_ms;  // 0: no timeout
  };
  std::vector<Waiter> waiters_;
  bool getack_pending_ = false;

  // Replica side.
  std::string master_host_;
  int master_port_ = 0;
  std::unique_ptr<ReplicaLink> link_;
  bool have_history_ = true;
  int resume_db_ = 0;  // database the master's stream had selected, for a partial resync after restart

  std::unique_ptr<MasterFence> fence_;  // demoted-master fencing (fence.h)

  // Snapshot child.
  pid_t snapshot_child_ = -1;
  int64_t snapshot_offset_ = -1;  // offset of the last snapshot written (or being written)
  int64_t last_snapshot_ms_ = 0;
};

}  // namespace datanode
