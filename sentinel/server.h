// The sentinel process: one libuv loop, listeners on port 26379, clients and their pub/sub
// subscriptions, the command table, the model and the monitor that keeps it current.
#pragma once

#include <uv.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/command/table.h"
#include "common/config/registry.h"
#include "common/net/server.h"
#include "common/resp/parser.h"
#include "common/resp/writer.h"
#include "sentinel/metrics/metrics.h"
#include "sentinel/model/sentinel_state.h"
#include "sentinel/monitor/monitor.h"
#include "sentinel/settings.h"

namespace sentinel {

struct Client {
  net::Connection* conn = nullptr;
  uint64_t id = 0;
  resp::RequestParser parser;
  bool authenticated = false;
  int resp = 2;  // HELLO 3 switches to RESP3
  std::string user = "default";  // the ACL user it authenticated as
  std::string name;
  int64_t created_ms = 0;
  int64_t last_cmd_ms = 0;
  std::string last_cmd = "NULL";
  std::set<std::string> channels, patterns;
  size_t subscriptions() const { return channels.size() + patterns.size(); }
};

class Server;

// Counters INFO reports in # Stats (the same fields Redis Sentinel has, so exporters see the same series).
struct SentinelStats {
  uint64_t total_connections = 0;
  uint64_t rejected_connections = 0;
  uint64_t total_commands = 0;
  uint64_t total_error_replies = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;
};

struct Context {
  Server& server;
  Client& client;
  const std::vector<std::string_view>& args;
  resp::Writer& out;
  std::string arg(size_t i) const { return std::string(args[i]); }
};

using CommandTable = command::Table<Context>;

class Server : public net::ConnectionHandler {
 public:
  Server(Settings& settings, config::Registry& registry);
  ~Server() override;
  // Loads [[monitor]] entries and learned state from the config file text; "" or the error.
  std::string load_state(const std::string& text, const std::string& path);
  int run();
  void request_shutdown();

  Settings& settings() { return settings_; }
  config::Registry& registry() { return registry_; }
  SentinelState& state() { return state_; }
  Monitor& monitor() { return *monitor_; }
  const CommandTable& commands() const { return commands_; }
  const std::map<uint64_t, Client*>& clients() const { return clients_; }
  int64_t start_ms() const { return start_ms_; }
  const std::string& run_id() const { return run_id_; }
  const SentinelStats& stats() const { return stats_; }
  SentinelAcl& acl() { return *acl_; }

  // Rewrites the config file with the learned state (after every topology change).
  void flush_config();
  // Pub/sub delivery to our clients (events; hello messages are not delivered, Redis neither).
  size_t publish(std::string_view channel, std::string_view message);
  void kill_client(Client& c);

  bool on_accept(net::Connection& conn) override;
  void on_input(net::Connection& conn) override;
  void on_close(net::Connection& conn) override;

 private:
  void execute(Client& c, const std::vector<std::string_view>& args, resp::Writer& out);

  Settings& settings_;
  config::Registry& registry_;
  uv_loop_t* loop_;
  SentinelState state_;
  std::unique_ptr<Monitor> monitor_;
  std::unique_ptr<SentinelMetrics> metrics_;
  std::unique_ptr<net::Server> net_;
  std::unique_ptr<SentinelAcl> acl_;
  CommandTable commands_;
  std::map<uint64_t, Client*> clients_;
  uv_signal_t sigterm_{}, sigint_{};
  int64_t start_ms_ = 0;
  std::string run_id_;
  SentinelStats stats_;
};

// Command registration, one function per file under sentinel/commands/.
void register_server_commands(CommandTable& t);
void register_pubsub_commands(CommandTable& t);
void register_sentinel_command(CommandTable& t);
void register_acl_command(CommandTable& t);

// A CLIENT LIST line (also the client-info of ACL LOG entries).
std::string client_line(const Client& c, int64_t now);

}  // namespace sentinel
