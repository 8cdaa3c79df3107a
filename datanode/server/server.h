// The datanode process: one libuv loop, the listeners, the clients, the keyspace and the command table.
// Subsystems (AOF, replication, metrics) plug in through the hooks at the bottom: propagation sinks,
// periodic jobs and INFO sections, so the dispatch path stays one straight line.
#pragma once

#include <uv.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/command/table.h"
#include "common/config/registry.h"
#include "common/net/server.h"
#include "datanode/server/client.h"
#include "datanode/server/context.h"
#include "datanode/server/settings.h"
#include "datanode/store/database.h"

namespace datanode {

class Aof;
class Replication;
class Blocking;
class PubSub;
class Metrics;
class Watches;
class ShutdownSignals;
class Tracking;
class ClientPause;
class SlowLog;
class LatencyMonitor;
class Persistence;
class Cluster;
class AclState;
class Scripting;
class Memory;

using CommandTable = command::Table<Context>;
using CommandSpec = command::Command<Context>;

// Receives every change to the data set, once, in its deterministic RESP form (AOF, replica stream).
class PropagationSink {
 public:
  virtual ~PropagationSink() = default;
  virtual void feed(int db, const std::vector<std::string_view>& argv) = 0;
};

struct Stats {
  uint64_t total_connections = 0;
  uint64_t total_commands = 0;
  uint64_t rejected_connections = 0;
  uint64_t expired_keys = 0;
  uint64_t evicted_keys = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;
  uint64_t total_error_replies = 0;
  uint64_t unexpected_error_replies = 0;
  uint64_t pubsub_messages = 0;
  // Replicas served by a full snapshot, by a partial resync, and PSYNCs that had to fall back to full.
  uint64_t sync_full = 0;
  uint64_t sync_partial_ok = 0;
  uint64_t sync_partial_err = 0;
  uint64_t client_output_limit_disconnections = 0;
  uint64_t client_query_limit_disconnections = 0;
  // errorstats: count per error code ("ERR", "WRONGTYPE" ...).
  util::StringMap<uint64_t> errors_by_code;
};

// INFO commandstats of a subcommand ("config|set"): container commands count per subcommand.
struct CallStats {
  uint64_t calls = 0, usec = 0, failed_calls = 0;
};

// client-output-buffer-limit of one client class, parsed ("32mb 8mb 60").
struct OutputLimit {
  int64_t hard_bytes = 0;
  int64_t soft_bytes = 0;
  int64_t soft_seconds = 0;
};

class Server : public net::ConnectionHandler {
 public:
  Server(Settings& settings, config::Registry& registry);
  ~Server() override;

  // Listens, runs the loop until SHUTDOWN or a signal. Returns the process exit code.
  int run();
  void request_shutdown(bool save);

  Settings& settings() { return settings_; }
  config::Registry& registry() { return registry_; }
  uv_loop_t* loop() { return loop_; }
  CommandTable& commands() { return commands_; }
  store::Database& db(int index) { return dbs_[static_cast<size_t>(index)]; }
  std::vector<store::Database>& databases() { return dbs_; }
  Stats& stats() { return stats_; }
  const std::string& run_id() const { return run_id_; }
  int64_t start_time_ms() const { return start_time_ms_; }
  net::Server& network() { return *net_; }

  // Subsystems, each in its own directory/file; created in the constructor, in this order.
  PubSub& pubsub() { return *pubsub_; }
  Blocking& blocking() { return *blocking_; }
  Aof& aof() { return *aof_; }
  Replication& replication() { return *replication_; }
  Metrics& metrics() { return *metrics_; }
  Watches& watches() { return *watches_; }
  Tracking& tracking() { return *tracking_; }
  ClientPause& client_pause() { return *client_pause_; }
  SlowLog& slowlog() { return *slowlog_; }
  LatencyMonitor& latency() { return *latency_; }
  Persistence& persistence() { return *persistence_; }
  // Null unless cluster-enabled.
  Cluster* cluster() { return cluster_.get(); }
  // The ACL (datanode/acl/; AclState::of gives one to a server main did not attach one to).
  AclState* acl_state() { return acl_.get(); }
  void set_acl_state(std::unique_ptr<AclState> acl);
  // Lua scripts and functions (datanode/scripting/; scripting_of() creates it on first use).
  Scripting* scripting() const { return scripting_.get(); }
  void set_scripting(std::unique_ptr<Scripting> scripting);
  // maxmemory, eviction and client eviction (datanode/memory/); null until install_memory().
  Memory* memory() { return memory_; }
  void set_memory(Memory* memory) { memory_ = memory; }

  // Clients by id, in connection order (CLIENT LIST prints them in this order).
  const std::map<uint64_t, Client*>& clients() const { return clients_; }
  Client* find_client(uint64_t id);
  void kill_client(Client& c);
  // Clients without a connection that CLIENT LIST and INFO still show (a replica's master link).
  void register_client(Client& c) { clients_[c.id] = &c; }
  void unregister_client(const Client& c) { clients_.erase(c.id); }

  // Runs one command for a client: lookup, checks, handler, propagation. Used by the network path, the
  // AOF loader and the replica stream alike.
  void execute(Client& c, const Args& args, resp::Writer& out) { execute(c, args, out, commands_.find(args[0])); }
  // The same with the command already looked up (null: unknown).
  void execute(Client& c, const Args& args, resp::Writer& out, const CommandSpec* cmd);
  // Queues a client's replies to be sent at the end of this loop iteration (after the AOF is written).
  void flush_later(Client& c);
  // Parses and runs whatever complete requests a client's input buffer holds.
  void process_input(Client& c);

  // --- Plug-in points for subsystems ---
  void add_sink(PropagationSink* sink) { sinks_.push_back(sink); }
  void remove_sink(PropagationSink* sink);
  void propagate(int db, const std::vector<std::string_view>& argv);
  // Runs every `period_ms` on the loop.
  void add_periodic(int64_t period_ms, std::function<void(int64_t now_ms)> job);
  // INFO sections beyond the built-in ones, in order of registration.
  void add_info_section(std::string name, std::function<void(std::string& out)> writer,
                        bool in_default = true);
  const std::vector<std::tuple<std::string, std::function<void(std::string&)>, bool>>& info_sections() const {
    return info_sections_;
  }
  // Runs after AUTH and before every other guard with the arguments (cluster routing: -MOVED,
  // -CROSSSLOT ...); skipped for the master link and the AOF. A refused EXEC is discarded and answered
  // with the router's error as is.
  void add_route_guard(std::function<std::string(const Client&, const CommandSpec&, const Args&)> guard) {
    route_guards_.push_back(std::move(guard));
  }
  // Called for each key a command modified (WATCH, blocked clients). Handlers call touch().
  void add_key_listener(std::function<void(int db, std::string_view key)> fn) {
    key_listeners_.push_back(std::move(fn));
  }
  void touch(int db, std::string_view key);
  // FLUSHDB/FLUSHALL/SWAPDB: every key of a database (-1: of every database) is about to change; WATCH
  // invalidates the watchers of keys that exist there. Call it BEFORE removing the data.
  void touch_all(int db);
  void add_flush_listener(std::function<void(int db)> fn) { flush_listeners_.push_back(std::move(fn)); }
  // Called after each command execution round, before replies are flushed (AOF fsync=always).
  void add_before_flush(std::function<void()> fn) { before_flush_.push_back(std::move(fn)); }
  // Called when a client goes away (pub/sub, blocking, replication state cleanup).
  void add_client_close_listener(std::function<void(Client&)> fn) {
    close_listeners_.push_back(std::move(fn));
  }
  // Called when a client's output buffer has drained (a snapshot transfer sends its next chunk).
  void add_drain_listener(std::function<void(Client&)> fn) { drain_listeners_.push_back(std::move(fn)); }
  // Called once when the server stops (flush the AOF, close links).
  void add_shutdown_hook(std::function<void()> fn) { shutdown_hooks_.push_back(std::move(fn)); }
  // Runs once in run() before listening (AOF load); returning false stops the start (exit code 1).
  void add_startup_hook(std::function<bool()> fn) { startup_hooks_.push_back(std::move(fn)); }

  bool is_replica() const { return is_replica_; }
  void set_replica(bool replica);
  // Wraps the writes of one EXEC as MULTI ... EXEC in the propagated stream (only if something was written).
  void begin_exec_propagation() { exec_depth_++; }
  void end_exec_propagation();
  // MONITOR: clients receiving every executed command.
  void add_monitor(Client& c);
  // Closes a client at the end of this loop iteration: safe while its own command runs.
  void close_client_async(Client& c);
  // Checks client-output-buffer-limit for a client whose output just grew; closes it when exceeded.
  bool check_output_limits(Client& c);
  void apply_output_limits();                // re-reads the client-output-buffer-limit options
  void count_error(std::string_view reply);  // errorstats, total_error_replies
  void reset_stats();
  int64_t lastsave_unix() const { return lastsave_unix_; }
  void set_lastsave_unix(int64_t t) { lastsave_unix_ = t; }
  int64_t ops_per_sec() const;
  uint64_t command_count() const { return stats_.total_commands; }
  // Memory as INFO reports it: the peak seen by the cron (and INFO), and what was in use at start.
  void note_memory_peak(int64_t used) { memory_peak_ = std::max(memory_peak_, used); }
  int64_t memory_peak() const { return memory_peak_; }
  int64_t memory_startup() const { return memory_startup_; }
  void remove_monitor(Client& c);
  const util::StringMap<CallStats>& subcommand_stats() const { return subcommand_stats_; }
  bool loading() const { return loading_; }
  void set_loading(bool on) { loading_ = on; }
  // DEBUG SET-ACTIVE-EXPIRE: whether the cron's expiry cycle runs (keys then expire only when touched).
  bool active_expire_enabled() const { return active_expire_enabled_; }
  void set_active_expire_enabled(bool on) { active_expire_enabled_ = on; }

  // net::ConnectionHandler
  bool on_accept(net::Connection& conn) override;
  void on_input(net::Connection& conn) override;
  void on_close(net::Connection& conn) override;
  void on_drained(net::Connection& conn) override;

 private:
  void cron(int64_t now_ms);
  void feed_monitors(const Client& c, const Args& args);
  // Slow log, latency monitor and LATENCY HISTOGRAM: what one executed command took.
  void note_call_timing(const Client& c, const CommandSpec& cmd, const Args& args, int64_t usec);
  void track_ops(int64_t now_ms);
  void start_cron_timer();
  void flush_pending();
  void active_expire(int64_t now_ms);
  void close_idle_clients(int64_t now_ms);

  Settings& settings_;
  config::Registry& registry_;
  uv_loop_t* loop_;
  std::unique_ptr<net::Server> net_;
  CommandTable commands_;
  std::vector<store::Database> dbs_;
  std::map<uint64_t, Client*> clients_;
  Stats stats_;
  std::string run_id_;
  int64_t start_time_ms_ = 0;
  bool is_replica_ = false;
  bool loading_ = false;
  bool active_expire_enabled_ = true;
  bool shutdown_requested_ = false;

  std::unique_ptr<PubSub> pubsub_;
  std::unique_ptr<Blocking> blocking_;
  std::unique_ptr<Aof> aof_;
  std::unique_ptr<Replication> replication_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<Watches> watches_;
  std::unique_ptr<Tracking> tracking_;
  std::unique_ptr<ClientPause> client_pause_;
  std::unique_ptr<SlowLog> slowlog_;
  std::unique_ptr<LatencyMonitor> latency_;
  std::unique_ptr<Persistence> persistence_;
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<AclState> acl_;
  std::unique_ptr<Scripting> scripting_;
  Memory* memory_ = nullptr;  // owned by the guards and hooks install_memory() registers

  std::vector<PropagationSink*> sinks_;
  struct Periodic {
    int64_t period_ms;
    int64_t next_ms;
    std::function<void(int64_t)> job;
  };
  std::vector<Periodic> periodic_;
  std::vector<std::tuple<std::string, std::function<void(std::string&)>, bool>> info_sections_;
  std::vector<std::function<std::string(const Client&, const CommandSpec&, const Args&)>> route_guards_;
  std::vector<std::function<void(int, std::string_view)>> key_listeners_;
  std::vector<std::function<void()>> before_flush_;
  std::vector<std::function<void(Client&)>> close_listeners_;
  std::vector<std::function<void(Client&)>> drain_listeners_;
  std::vector<std::function<void()>> shutdown_hooks_;
  std::vector<std::function<bool()>> startup_hooks_;
  std::vector<std::function<void(int)>> flush_listeners_;
  std::vector<Client*> monitors_;
  std::vector<uint64_t> close_async_;
  int exec_depth_ = 0;
  bool exec_multi_sent_ = false;
  int exec_db_ = 0;
  OutputLimit limit_normal_, limit_pubsub_, limit_replica_;
  int64_t lastsave_unix_ = 0;
  util::StringMap<CallStats> subcommand_stats_;
  int64_t memory_peak_ = 0;
  int64_t memory_startup_ = 0;
  int64_t memory_sampled_ms_ = 0;
  // instantaneous_ops_per_sec: samples of the command counter, like Redis' 16-slot ring.
  int64_t ops_samples_[16] = {};
  size_t ops_sample_idx_ = 0;
  int64_t ops_last_ms_ = 0;
  uint64_t ops_last_count_ = 0;
  std::vector<Client*> pending_flush_;
  uv_timer_t cron_timer_{};
  uv_check_t flush_check_{};
  uv_prepare_t flush_prepare_{};
  std::unique_ptr<ShutdownSignals> signals_;
};

// Registers every command family (commands/*.cpp).
void register_all_commands(CommandTable& table);

}  // namespace datanode
