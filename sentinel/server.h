// The sentinel process: one libuv loop, listeners on port 26379, the command table. Monitoring and
// failover plug in here (later work).
#pragma once

#include <uv.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/command/table.h"
#include "common/config/registry.h"
#include "common/net/server.h"
#include "common/resp/parser.h"
#include "common/resp/writer.h"

namespace sentinel {

struct Settings {
  int port = 26379;
  std::vector<std::string> bind = {"0.0.0.0"};
  std::string dir = ".";
  std::string logfile;
  std::string loglevel = "notice";
  std::string requirepass;
};

void register_settings(Settings& s, config::Registry& r);

struct Client {
  net::Connection* conn = nullptr;
  uint64_t id = 0;
  resp::RequestParser parser;
  bool authenticated = false;
  std::string name;
};

class Server;

struct Context {
  Server& server;
  Client& client;
  const std::vector<std::string_view>& args;
  resp::Writer& out;
};

using CommandTable = command::Table<Context>;

class Server : public net::ConnectionHandler {
 public:
  Server(Settings& settings, config::Registry& registry);
  int run();
  void request_shutdown();
  Settings& settings() { return settings_; }

  bool on_accept(net::Connection& conn) override;
  void on_input(net::Connection& conn) override;
  void on_close(net::Connection& conn) override;

 private:
  void execute(Client& c, const std::vector<std::string_view>& args, resp::Writer& out);

  Settings& settings_;
  config::Registry& registry_;
  uv_loop_t* loop_;
  std::unique_ptr<net::Server> net_;
  CommandTable commands_;
  std::map<uint64_t, Client*> clients_;
  uv_signal_t sigterm_{}, sigint_{};
};

}  // namespace sentinel
