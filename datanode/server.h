// The datanode process: one libuv loop, the listeners, the clients, the keyspace and the command table.
// Subsystems (AOF, replication, metrics) plug in through the hooks at the bottom: propagation sinks,
// periodic jobs and INFO sections, so the dispatch path stays one straight line.
#pragma once

#include <uv.h>

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
#include "datanode/client.h"
#include "datanode/context.h"
#include "datanode/settings.h"
#include "datanode/store/database.h"

namespace datanode {

class Aof;
class Replication;
class Blocking;
class PubSub;
class Metrics;

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

  // Clients by id, in connection order (CLIENT LIST prints them in this order).
  const std::map<uint64_t, Client*>& clients() const { return clients_; }
  Client* find_client(uint64_t id);
  void kill_client(Client& c);

  // Runs one command for a client: lookup, checks, handler, propagation. Used by the network path, the
  // AOF loader and the replica stream alike.
  void execute(Client& c, const Args& args, resp::Writer& out);
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
  void add_info_section(std::string name, std::function<void(std::string& out)> writer, bool in_default = true);
  const std::vector<std::tuple<std::string, std::function<void(std::string&)>, bool>>& info_sections() const {
    return info_sections_;
  }
  // Called before a write command runs; returns "" or the error that refuses it (-READONLY, -MISCONF,
  // -NOREPLICAS ...). Registered by replication and AOF.
  void add_write_guard(std::function<std::string(const Client&, const CommandSpec&)> guard) {
    write_guards_.push_back(std::move(guard));
  }
  // Called for each key a command modified (WATCH, blocked clients). Handlers call touch().
  void add_key_listener(std::function<void(int db, std::string_view key)> fn) { key_listeners_.push_back(std::move(fn)); }
  void touch(int db, std::string_view key);
  // Called after each command execution round, before replies are flushed (AOF fsync=always).
  void add_before_flush(std::function<void()> fn) { before_flush_.push_back(std::move(fn)); }
  // Called when a client goes away (pub/sub, blocking, replication state cleanup).
  void add_client_close_listener(std::function<void(Client&)> fn) { close_listeners_.push_back(std::move(fn)); }
  // Called once when the server stops (flush the AOF, close links).
  void add_shutdown_hook(std::function<void()> fn) { shutdown_hooks_.push_back(std::move(fn)); }

  bool is_replica() const { return is_replica_; }
  void set_replica(bool replica);
  bool loading() const { return loading_; }
  void set_loading(bool on) { loading_ = on; }

  // net::ConnectionHandler
  bool on_accept(net::Connection& conn) override;
  void on_input(net::Connection& conn) override;
  void on_close(net::Connection& conn) override;
  void on_drained(net::Connection& conn) override;

 private:
  void cron(int64_t now_ms);
  void flush_pending();
  void active_expire(int64_t now_ms);
  void close_idle_clients(int64_t now_ms);
  static void on_signal(uv_signal_t* h, int signum);

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
  bool shutdown_requested_ = false;

  std::unique_ptr<PubSub> pubsub_;
  std::unique_ptr<Blocking> blocking_;
  std::unique_ptr<Aof> aof_;
  std::unique_ptr<Replication> replication_;
  std::unique_ptr<Metrics> metrics_;

  std::vector<PropagationSink*> sinks_;
  struct Periodic {
    int64_t period_ms;
    int64_t next_ms;
    std::function<void(int64_t)> job;
  };
  std::vector<Periodic> periodic_;
  std::vector<std::tuple<std::string, std::function<void(std::string&)>, bool>> info_sections_;
  std::vector<std::function<std::string(const Client&, const CommandSpec&)>> write_guards_;
  std::vector<std::function<void(int, std::string_view)>> key_listeners_;
  std::vector<std::function<void()>> before_flush_;
  std::vector<std::function<void(Client&)>> close_listeners_;
  std::vector<std::function<void()>> shutdown_hooks_;
  std::vector<Client*> pending_flush_;
  uv_timer_t cron_timer_{};
  uv_check_t flush_check_{};
  uv_prepare_t flush_prepare_{};
  uv_signal_t sigterm_{}, sigint_{};
};

// Registers every command family (commands/*.cpp).
void register_all_commands(CommandTable& table);

}  // namespace datanode
