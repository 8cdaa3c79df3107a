// Cluster mode of the datanode (cluster-enabled yes): the node table and epochs (node.h), nodes.conf
// (nodes_conf.h), the bus links and gossip (bus.cpp, gossip.cpp), and the router every keyed command
// passes (routing.cpp). One object, created by the Server only in cluster mode; its methods are split
// over those files by concern. Failure detection and failover (failure_detection.cpp, failover.cpp,
// manual_failover.cpp, replica_migration.cpp) keep their state in FailoverState (failover.h).
#pragma once

#include <uv.h>

#include <memory>
#include <string>
#include <vector>

#include "common/net/server.h"
#include "datanode/cluster/bus_codec.h"
#include "datanode/cluster/failover.h"
#include "datanode/cluster/migration.h"
#include "datanode/cluster/node.h"
#include "datanode/server/server.h"

namespace datanode {

class Server;

class Cluster : public net::ConnectionHandler {
 public:
  explicit Cluster(Server& server);
  ~Cluster() override;
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  cluster::State& state() { return st_; }
  Migrator& migrator() { return migrator_; }
  cluster::Node& myself() { return *st_.myself; }
  Server& server() { return server_; }

  // Start-up: load or create nodes.conf (locked), listen on the bus. false stops the start.
  bool start();
  void stop();

  // --- Configuration persistence (cluster.cpp) ---
  // Marks nodes.conf for saving once, before the loop sleeps or the next replies leave (Redis'
  // CLUSTER_TODO_SAVE_CONFIG); `fsync` only where Redis asks for CLUSTER_TODO_FSYNC_CONFIG (epochs,
  // votes, slot claims won by epoch, roles changed by the cluster, reset).
  void todo_save(bool fsync = true) { todo_save_ = true, todo_fsync_ = todo_fsync_ || fsync; }
  void todo_update_state() { todo_state_ = true; }
  // Does what was marked. Called once per loop iteration (a prepare handle), before replies are
  // flushed, and after bus input that asked for an fsync.
  void before_sleep();
  // After bus input: what must be durable (an fsync was asked) is saved at once, the rest waits for
  // the end of the iteration.
  void after_bus_input() {
    if (todo_fsync_) before_sleep();
  }
  bool save_config(bool fsync = true);
  std::string config_path() const;
  // The cluster state as CLUSTER INFO shows it and the routing uses.
  void update_state();

  // --- Node table (cluster.cpp) ---
  cluster::Node* create_node(const std::string& id, uint16_t flags);
  void delete_node(cluster::Node* n);
  void rename_node(cluster::Node* n, const std::string& new_id);
  void set_node_as_master(cluster::Node* n);
  // CLUSTER REPLICATE and demotion: follow `master` (replication link included).
  void set_my_master(cluster::Node* master);
  // Epochs: take a new unique configEpoch without agreement (BUMPEPOCH); true when it changed.
  bool bump_config_epoch();
  void handle_epoch_collision(cluster::Node* sender);
  // A master claims `slots` at `epoch`: rebinds the slots it wins (Redis' clusterUpdateSlotsConfigWith).
  void update_slots_with(cluster::Node* sender, uint64_t epoch, const cluster::SlotBitmap& slots);
  void reset(bool hard);
  bool blacklisted(const std::string& id);
  void blacklist_add(const std::string& id);
  // MEET ip port cport: starts a handshake; false when the address is invalid.
  bool start_handshake(const std::string& ip, int port, int cport);

  // --- Bus (bus.cpp) ---
  int announced_port() const;
  int announced_cport() const;
  void send(cluster::Link* link, const cluster::Message& m);
  void send_ping(cluster::Link* link, uint16_t type);
  void broadcast_pong();
  void broadcast(const cluster::Message& m);
  // PUBLISH in cluster mode: delivered by every node to its own subscribers.
  void publish(std::string_view channel, std::string_view message);
  // SPUBLISH in cluster mode: sent only to the other nodes of our shard.
  void publish_shard(std::string_view channel, std::string_view message);
  // Whether our shard (we, or the master we replicate) serves the slot.
  bool shard_serves(int slot) const;
  cluster::Message header(uint16_t type);
  void free_link(cluster::Link* link);
  size_t connection_count() const;
  void cron(int64_t now_ms);

  // net::ConnectionHandler: inbound bus links.
  bool on_accept(net::Connection& conn) override;
  void on_input(net::Connection& conn) override;
  void on_close(net::Connection& conn) override;

  // --- Gossip (gossip.cpp) ---
  // One decoded frame from a link; false when the link was freed while processing.
  bool process_message(cluster::Link* link, const cluster::Message& m);
  // Input bytes of a link: frames are cut and processed; false when the link was closed.
  bool process_input(cluster::Link* link, std::string& buf);

  // --- Routing (routing.cpp) ---
  // "" or the error for a command with these arguments from this client.
  std::string route(const Client& c, const CommandSpec& cmd, const Args& args);

  // The endpoint for MOVED and CLUSTER SLOTS.
  std::string endpoint(const cluster::Node& n) const;

  // --- Failure detection and failover (failure_detection.cpp, failover.cpp, manual_failover.cpp,
  // replica_migration.cpp) ---
  cluster::FailoverState& failover() { return fo_; }
  // PFAIL -> FAIL when a majority of masters reports it; the FAIL message is broadcast.
  void mark_failing_if_needed(cluster::Node* n);
  // A PONG from a FAIL node: Redis' rules for clearing the flag.
  void clear_failure_if_needed(cluster::Node* n, int64_t now_ms);
  // Called by the cron (and at once after a vote arrives): elections, manual failover, migration.
  void failover_cron(int64_t now_ms);
  void handle_replica_failover(int64_t now_ms);
  void handle_auth_request(cluster::Node* sender, const cluster::Message& m);
  void handle_auth_ack(cluster::Node* sender, const cluster::Message& m);
  void handle_mfstart(cluster::Link* link, cluster::Node* sender);
  // A header from our master flagged PAUSED during our manual failover carries the offset to reach.
  void note_master_offset(cluster::Node* sender, const cluster::Message& m);
  // CLUSTER FAILOVER [FORCE|TAKEOVER]: "" or the error text.
  std::string manual_failover(bool force, bool takeover);
  void reset_manual_failover();
  // The processed replication offset (a replica's rank and manual failover compare it).
  int64_t my_repl_offset() const;

 private:
  friend class cluster::Link;
  void on_outbound_connected(cluster::Link* link);
  bool verify_data();
  int replica_rank();
  void replace_my_master();
  void log_cant_failover(int reason, int64_t now_ms);
  void handle_manual_failover();
  void handle_replica_migration(int max_replicas, int64_t now_ms);

  Server& server_;
  cluster::State st_;
  Migrator migrator_;
  std::unique_ptr<net::Server> bus_;
  std::vector<std::unique_ptr<cluster::Link>> links_;
  int lock_fd_ = -1;
  bool todo_save_ = false, todo_fsync_ = false, todo_state_ = false;
  int64_t first_state_eval_ms_ = 0;
  int64_t last_ping_round_ms_ = 0;
  uv_prepare_t prepare_{};
  cluster::FailoverState fo_;
  int64_t minority_since_ms_ = 0;
  bool started_ = false;
};

}  // namespace datanode
