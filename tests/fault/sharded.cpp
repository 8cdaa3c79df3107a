// The fault suite's Redis Cluster: node configs for both flavours, building the 3x2 cluster, process
// control, partitions and the health check.
#include "sharded.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness.h"
#include "netns.h"

namespace fault {

using namespace std::chrono_literals;

namespace {

constexpr int kDataPort = 6379;  // netns mode: every node has its own address
constexpr int kBusPort = 16379;
constexpr auto kTimeout = 1000ms;

bool port_open(const Endpoint& ep, std::chrono::milliseconds timeout) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(ep.port));
  bool ok = inet_pton(AF_INET, ep.host.c_str(), &addr.sin_addr) == 1 &&
            connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

std::unique_ptr<harness::Client> connect_within(const Endpoint& ep, std::chrono::milliseconds timeout) {
  if (!port_open(ep, timeout)) return nullptr;
  auto c = std::make_unique<harness::Client>(ep.port, ep.host);
  if (!c->connected()) return nullptr;
  c->set_timeout(timeout);
  return c;
}

bool ShardNode::has(const std::string& flag) const {
  return ("," + flags + ",").find("," + flag + ",") != std::string::npos;
}

struct ShardedCluster::Impl {
  std::unique_ptr<harness::TempDir> tmp;
  NetnsTopology net;
  struct Node {
    Endpoint ep;
    int bus_port = 0;
    std::string dir, ns;
    harness::Process proc;
  };
  std::vector<Node> nodes;
};

ShardedCluster::ShardedCluster(ShardedOptions opts)
    : opts_(std::move(opts)), impl_(std::make_unique<Impl>()) {
  std::string root = opts_.work_dir;
  if (root.empty()) {
    impl_->tmp = std::make_unique<harness::TempDir>();
    root = impl_->tmp->path();
  }
  std::vector<int> ports;
  auto fresh_port = [&] {
    int p;
    do p = harness::free_port();
    while (std::find(ports.begin(), ports.end(), p) != ports.end());
    ports.push_back(p);
    return p;
  };
  for (int i = 0; i < kNodes; ++i) {
    Impl::Node n;
    n.dir = root + "/node" + std::to_string(i);
    n.ep = {"127.0.0.1", fresh_port()};
    n.bus_port = fresh_port();
    impl_->nodes.push_back(std::move(n));
  }
}

ShardedCluster::~ShardedCluster() {
  for (auto& n : impl_->nodes) n.proc.kill(SIGKILL);
  for (auto& n : impl_->nodes) n.proc.wait(5s);
  impl_->net.heal();
}

std::string ShardedCluster::config(int node) const {
  const Impl::Node& n = impl_->nodes.at(static_cast<size_t>(node));
  std::ostringstream c;
  std::vector<std::string> binds = {n.ep.host};
  if (n.ep.host != "127.0.0.1") binds.push_back("127.0.0.1");
  if (opts_.flavour == Flavour::kOurs) {
    c << "port = " << n.ep.port << "\nbind = [";
    for (size_t i = 0; i < binds.size(); ++i) c << (i ? ", " : "") << "\"" << binds[i] << "\"";
    c << "]\nprotected-mode = false\ndir = \"" << n.dir << "\"\nappendonly = true\nappendfsync = \""
      << opts_.appendfsync
      << "\"\nrepl-diskless-sync-delay = 0\ncluster-enabled = true\ncluster-port = " << n.bus_port
      << "\ncluster-node-timeout = " << opts_.node_timeout_ms << "\n";
  } else {
    c << "port " << n.ep.port << "\nbind";
    for (const std::string& b : binds) c << " " << b;
    c << "\nprotected-mode no\ndir \"" << n.dir << "\"\nsave \"\"\nappendonly yes\nappendfsync "
      << opts_.appendfsync << "\nrepl-diskless-sync-delay 0\ncluster-enabled yes\ncluster-port " << n.bus_port
      << "\ncluster-node-timeout " << opts_.node_timeout_ms << "\n";
  }
  return c.str();
}

std::string ShardedCluster::start_node(int node) {
  Impl::Node& n = impl_->nodes.at(static_cast<size_t>(node));
  std::error_code ec;
  std::filesystem::create_directories(n.dir, ec);
  const bool ours = opts_.flavour == Flavour::kOurs;
  const std::string cfg = n.dir + (ours ? "/datanode.toml" : "/redis.conf");
  if (!std::filesystem::exists(cfg)) std::ofstream(cfg) << config(node);
  std::vector<std::string> args;
  if (ours) args.push_back("--config");
  args.push_back(cfg);
  std::string bin =
      ours ? (opts_.datanode_bin.empty() ? DATANODE_BIN : opts_.datanode_bin) : "/usr/bin/redis-server";
  if (!n.ns.empty()) {
    // `ip netns exec` execs the binary, so the PID is the node's own.
    args.insert(args.begin(), {"netns", "exec", n.ns, bin});
    bin = NetnsTopology::ip_binary();
  }
  n.proc = harness::Process(bin, args, n.dir + "/node.log");
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!n.proc.running()) return describe(node) + " exited at start; see " + n.dir + "/node.log";
    if (port_open(n.ep, 300ms)) return "";
    std::this_thread::sleep_for(50ms);
  }
  return describe(node) + " did not accept connections within 20 s";
}

std::string ShardedCluster::start() {
  if (opts_.flavour == Flavour::kRedis && access("/usr/bin/redis-server", X_OK) != 0)
    return "/usr/bin/redis-server is missing";
  if (opts_.net == Net::kNetns) {
    if (std::string err = impl_->net.create(kNodes); !err.empty()) return err;
    if (std::string err = impl_->net.enter_router(); !err.empty()) return err;
    for (int i = 0; i < kNodes; ++i) {
      auto& n = impl_->nodes[static_cast<size_t>(i)];
      n.ns = impl_->net.node_ns(i);
      n.ep = {impl_->net.node_ip(i), kDataPort};
      n.bus_port = kBusPort;
    }
  }
  for (int i = 0; i < kNodes; ++i)
    if (std::string err = start_node(i); !err.empty()) return err;
  const int ranges[3][2] = {{0, 5460}, {5461, 10922}, {10923, 16383}};
  for (int i = 0; i < 3; ++i) {
    auto c = connect_within(endpoint(i), 2s);
    if (!c) return describe(i) + " does not answer";
    c->command({"CLUSTER", "SET-CONFIG-EPOCH", std::to_string(i + 1)});
    harness::Reply r =
        c->command({"CLUSTER", "ADDSLOTSRANGE", std::to_string(ranges[i][0]), std::to_string(ranges[i][1])});
    if (r.is_error()) return describe(i) + ": ADDSLOTSRANGE: " + r.str;
  }
  auto first = connect_within(endpoint(0), 2s);
  if (!first) return describe(0) + " does not answer";
  for (int i = 1; i < kNodes; ++i) {
    const auto& n = impl_->nodes[static_cast<size_t>(i)];
    harness::Reply r =
        first->command({"CLUSTER", "MEET", n.ep.host, std::to_string(n.ep.port), std::to_string(n.bus_port)});
    if (r.is_error()) return "MEET " + describe(i) + ": " + r.str;
  }
  auto met = [&] {
    for (int i = 0; i < kNodes; ++i) {
      auto v = view(i);
      if (v.size() != kNodes) return false;
      for (const ShardNode& x : v)
        if (x.has("handshake") || x.has("noaddr")) return false;
    }
    return true;
  };
  if (!harness::eventually(met, 30s)) return "the nodes did not meet within 30 s";
  for (int i = 0; i < 3; ++i) {
    auto m = connect_within(endpoint(i), 2s);
    auto r = connect_within(endpoint(3 + i), 2s);
    if (!m || !r) return "a node does not answer";
    std::string id = m->command({"CLUSTER", "MYID"}).str;
    harness::Reply rep = r->command({"CLUSTER", "REPLICATE", id});
    if (rep.is_error()) return "REPLICATE " + describe(3 + i) + ": " + rep.str;
  }
  if (!wait_healthy(60s)) return "the cluster did not become healthy within 60 s: " + why_unhealthy_;
  return "";
}

Endpoint ShardedCluster::endpoint(int node) const { return impl_->nodes.at(static_cast<size_t>(node)).ep; }

std::vector<Endpoint> ShardedCluster::endpoints() const {
  std::vector<Endpoint> out;
  for (const auto& n : impl_->nodes) out.push_back(n.ep);
  return out;
}

int ShardedCluster::index_of(const Endpoint& ep) const {
  for (int i = 0; i < kNodes; ++i)
    if (impl_->nodes[static_cast<size_t>(i)].ep == ep) return i;
  return -1;
}

std::string ShardedCluster::describe(int node) const {
  const auto& n = impl_->nodes.at(static_cast<size_t>(node));
  return "node#" + std::to_string(node) + " " + n.ep.str() +
         (n.proc.pid() > 0 ? " pid " + std::to_string(n.proc.pid()) : " not running");
}

void ShardedCluster::signal(int node, int sig) {
  auto& n = impl_->nodes.at(static_cast<size_t>(node));
  n.proc.kill(sig);
  if (sig == SIGKILL) n.proc.wait(5s);
}

void ShardedCluster::restart(int node) {
  auto& n = impl_->nodes.at(static_cast<size_t>(node));
  if (n.proc.running()) signal(node, SIGKILL);
  if (std::string err = start_node(node); !err.empty())
    fprintf(stderr, "fault: restart failed: %s\n", err.c_str());
}

bool ShardedCluster::isolate(int node) {
  if (opts_.net != Net::kNetns) return false;
  bool ok = true;
  for (int i = 0; i < kNodes; ++i)
    if (i != node) ok = impl_->net.cut(node, i) && ok;
  return ok;
}

void ShardedCluster::heal() {
  if (opts_.net == Net::kNetns && !impl_->net.heal())
    fprintf(stderr, "fault: removing a partition rule failed\n");
}

std::vector<ShardNode> ShardedCluster::view(int observer) {
  std::vector<ShardNode> out;
  auto c = connect_within(endpoint(observer), kTimeout);
  if (!c) return out;
  harness::Reply r = c->command({"CLUSTER", "NODES"});
  if (r.is_error()) return out;
  std::istringstream in(r.str);
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    ShardNode n;
    f >> n.id >> n.addr >> n.flags >> n.master_id;
    if (n.addr.empty()) continue;
    n.addr = n.addr.substr(0, n.addr.find('@'));
    out.push_back(n);
  }
  return out;
}

std::string ShardedCluster::role(int node) {
  auto c = connect_within(endpoint(node), kTimeout);
  if (!c) return "";
  harness::Reply r = c->command({"ROLE"});
  return r.elements.empty() ? "" : r.elements[0].str;
}

std::vector<int> ShardedCluster::masters_seen_by(int observer) {
  std::vector<int> out;
  for (const ShardNode& n : view(observer)) {
    if (!n.has("master") || n.has("fail")) continue;
    for (int i = 0; i < kNodes; ++i)
      if (endpoint(i).str() == n.addr) out.push_back(i);
  }
  return out;
}

int ShardedCluster::replica_of(int master, int observer) {
  std::vector<ShardNode> v = view(observer);
  std::string id;
  for (const ShardNode& n : v)
    if (n.addr == endpoint(master).str()) id = n.id;
  for (const ShardNode& n : v)
    if (!id.empty() && n.master_id == id && n.has("slave"))
      for (int i = 0; i < kNodes; ++i)
        if (endpoint(i).str() == n.addr) return i;
  return -1;
}

bool ShardedCluster::wait_healthy(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    why_unhealthy_ = unhealthy_reason();
    if (why_unhealthy_.empty()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(200ms);
  }
}

std::string ShardedCluster::unhealthy_reason() {
  int masters = 0;
  for (int i = 0; i < kNodes; ++i) {
    if (!impl_->nodes[static_cast<size_t>(i)].proc.running()) return describe(i) + " is not running";
    auto c = connect_within(endpoint(i), kTimeout);
    if (!c) return describe(i) + " does not answer";
    std::string info = c->command({"CLUSTER", "INFO"}).str;
    if (harness::info_field(info, "cluster_state") != "ok")
      return describe(i) + " says cluster_state is not ok";
    std::string repl = c->command({"INFO", "replication"}).str;
    std::string role = harness::info_field(repl, "role");
    if (role == "master") {
      ++masters;
      if (harness::info_field(repl, "connected_slaves") != "1")
        return describe(i) + " (master) has " + harness::info_field(repl, "connected_slaves") + " replicas";
    } else if (harness::info_field(repl, "master_link_status") != "up") {
      return describe(i) + " (replica) has its master link down";
    }
    std::vector<ShardNode> v = view(i);
    if (v.size() != kNodes) return describe(i) + " knows " + std::to_string(v.size()) + " nodes";
    for (const ShardNode& n : v)
      if (n.has("fail") || n.has("fail?") || n.has("handshake"))
        return describe(i) + " sees " + n.addr + " as " + n.flags;
  }
  if (masters != 3) return std::to_string(masters) + " masters instead of 3";
  return "";
}

}  // namespace fault
