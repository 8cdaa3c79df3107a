// The fault suite's cluster: node configs for both flavours, process control, the health check.
#include "cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "harness.h"
#include "netns.h"

namespace fault {

using namespace std::chrono_literals;

namespace {

constexpr int kDataPort = 6379;  // netns mode: every node has its own address
constexpr int kSentinelPort = 26379;
constexpr auto kSentinelTimeout = 300ms;
constexpr auto kDataTimeout = 1000ms;
constexpr auto kStartTimeout = 20s;

// TOML basic string / redis.conf quoted argument (both accept \" and \\).
std::string quoted(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

bool file_exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// A TCP connect within `timeout` (SO_SNDTIMEO bounds connect on Linux).
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

// A client with `timeout` on every request, or nullptr when the node does not accept a connection within
// `timeout` (harness::Client's own connect waits up to 5 s when SYNs are dropped, as they are by the full
// accept queue of a node stopped for long, hence the bounded probe first).
std::unique_ptr<harness::Client> connect_to(const Endpoint& ep, std::chrono::milliseconds timeout,
                                            const std::string& password = "") {
  if (!port_open(ep, timeout)) return nullptr;
  auto c = std::make_unique<harness::Client>(ep.port, ep.host);
  c->set_timeout(timeout);
  if (!password.empty()) c->command({"AUTH", password});
  return c;
}

// A field of an INFO reply, "" when absent.
using harness::info_field;

// A flat [k1, v1, k2, v2...] reply (what SENTINEL MASTER / REPLICAS entries are in RESP2).
std::map<std::string, std::string> fields(const harness::Reply& r) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) out[r.elements[i].str] = r.elements[i + 1].str;
  return out;
}

std::string toml_list(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + quoted(s);
  return out;
}

// What is wrong with `replica` in the master's INFO replication ("slaveN:ip=..,port=..,state=..,lag=.."),
// "" when it is online and acknowledged within the last 2 seconds.
std::string replica_entry_problem(const std::string& info, const Endpoint& replica) {
  const std::string key = "ip=" + replica.host + ",port=" + std::to_string(replica.port) + ",";
  size_t at = info.find(key);
  if (at == std::string::npos) return "is not in its replica list";
  std::string line = info.substr(at, info.find("\r\n", at) - at) + ",";
  auto value = [&](const std::string& k) {
    size_t p = line.find("," + k + "=");
    if (p == std::string::npos) return std::string();
    p += k.size() + 2;
    return line.substr(p, line.find(',', p) - p);
  };
  if (value("state") != "online") return "is in state " + value("state");
  if (value("lag").empty() || std::atoll(value("lag").c_str()) > 2) return "has lag " + value("lag");
  return "";
}

bool has_flag(const std::string& flags, const std::string& flag) {
  std::istringstream in(flags);
  std::string f;
  while (std::getline(in, f, ','))
    if (f == flag) return true;
  return false;
}

}  // namespace

struct Node {
  Kind kind = Kind::kData;
  int kind_index = 0;
  bool redis = false;  // redis-server / redis-sentinel rather than ours
  Endpoint ep;
  std::string dir;
  std::string ns;  // netns mode: the node's namespace
  harness::Process proc;
};

struct Cluster::Impl {
  std::unique_ptr<harness::TempDir> tmp;  // when no work_dir was given
  NetnsTopology net;
  std::vector<Node> nodes;
  std::string why_unhealthy;

  std::vector<std::string> binds(const Node& n) const {
    if (n.ep.host == "127.0.0.1") return {"127.0.0.1"};
    return {n.ep.host, "127.0.0.1"};
  }

  std::string config_name(const Node& n) const {
    if (n.kind == Kind::kData) return n.redis ? "redis.conf" : "datanode.toml";
    return n.redis ? "sentinel.conf" : "sentinel.toml";
  }

  std::string data_config(const ClusterOptions& o, const Node& n) const {
    const Endpoint& master = nodes[0].ep;
    const bool replica = &n != &nodes[0];
    std::ostringstream c;
    if (!n.redis) {
      c << "port = " << n.ep.port << "\nbind = [";
      c << toml_list(binds(n)) << "]\nprotected-mode = false\ndir = " << quoted(n.dir)
        << "\nappendonly = true\nappendfsync = " << quoted(o.appendfsync)
        << "\nrepl-diskless-sync-delay = 0\nreplica-priority = 100\nmin-replicas-to-write = " << o.min_replicas_to_write
        << "\nmin-replicas-max-lag = " << o.min_replicas_max_lag << "\n";
      if (replica) c << "replicaof = " << quoted(master.host + " " + std::to_string(master.port)) << "\n";
      if (!o.password.empty())
        c << "requirepass = " << quoted(o.password) << "\nmasterauth = " << quoted(o.password) << "\n";
    } else {
      c << "port " << n.ep.port << "\nbind";
      for (const std::string& b : binds(n)) c << " " << b;
      c << "\nprotected-mode no\ndir " << quoted(n.dir) << "\nsave \"\"\nappendonly yes\nappendfsync "
        << o.appendfsync << "\nrepl-diskless-sync-delay 0\nreplica-priority 100\nmin-replicas-to-write "
        << o.min_replicas_to_write << "\nmin-replicas-max-lag " << o.min_replicas_max_lag << "\n";
      if (replica) c << "replicaof " << master.host << " " << master.port << "\n";
      if (!o.password.empty())
        c << "requirepass " << quoted(o.password) << "\nmasterauth " << quoted(o.password) << "\n";
    }
    return c.str();
  }

  std::string sentinel_config(const ClusterOptions& o, const Node& n) const {
    const Endpoint& master = nodes[0].ep;
    std::ostringstream c;
    if (!n.redis) {
      c << "port = " << n.ep.port << "\nbind = [";
      c << toml_list(binds(n)) << "]\ndir = " << quoted(n.dir)
        << "\n\n[[monitor]]\nname = " << quoted(o.master_name) << "\nhost = " << quoted(master.host)
        << "\nport = " << master.port << "\nquorum = " << o.quorum
        << "\ndown-after-milliseconds = " << o.down_after_ms
        << "\nfailover-timeout = " << o.failover_timeout_ms << "\nparallel-syncs = 1\n";
      if (!o.password.empty()) c << "auth-pass = " << quoted(o.password) << "\n";
    } else {
      const std::string& m = o.master_name;
      c << "port " << n.ep.port << "\nbind";
      for (const std::string& b : binds(n)) c << " " << b;
      c << "\nprotected-mode no\ndir " << quoted(n.dir) << "\nsentinel monitor " << m << " " << master.host
        << " " << master.port << " " << o.quorum << "\nsentinel down-after-milliseconds " << m << " "
        << o.down_after_ms << "\nsentinel failover-timeout " << m << " " << o.failover_timeout_ms
        << "\nsentinel parallel-syncs " << m << " 1\n";
      if (!o.password.empty()) c << "sentinel auth-pass " << m << " " << quoted(o.password) << "\n";
    }
    return c.str();
  }

  std::string binary(const ClusterOptions& o, const Node& n) const {
    if (n.kind == Kind::kData)
      return n.redis ? "/usr/bin/redis-server" : (o.datanode_bin.empty() ? DATANODE_BIN : o.datanode_bin);
    return n.redis ? "/usr/bin/redis-sentinel" : (o.sentinel_bin.empty() ? SENTINEL_BIN : o.sentinel_bin);
  }

  // Starts node i, writing its config only the first time (afterwards the file holds what the node or
  // CONFIG REWRITE put there), and waits until it accepts connections. "" or what went wrong.
  std::string start_node(const ClusterOptions& o, int i, const std::string& name) {
    Node& n = nodes[static_cast<size_t>(i)];
    std::error_code ec;
    std::filesystem::create_directories(n.dir, ec);
    const std::string config = n.dir + "/" + config_name(n);
    if (!file_exists(config)) {
      std::ofstream(config) << (n.kind == Kind::kData ? data_config(o, n) : sentinel_config(o, n));
    }
    std::vector<std::string> args;
    if (!n.redis) args.push_back("--config");
    args.push_back(config);
    const std::string bin = binary(o, n),
                      log = n.dir + "/" + (n.kind == Kind::kData ? "data.log" : "sentinel.log");
    if (n.ns.empty()) {
      n.proc = harness::Process(bin, args, log);
    } else {
      // `ip netns exec` execs the binary, so the PID is the node's own.
      std::vector<std::string> wrapped = {"netns", "exec", n.ns, bin};
      wrapped.insert(wrapped.end(), args.begin(), args.end());
      n.proc = harness::Process(NetnsTopology::ip_binary(), wrapped, log);
    }
    auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!n.proc.running()) {
        std::string text = n.proc.log();
        if (text.size() > 2000) text = text.substr(text.size() - 2000);
        return name + " exited at start; log:\n" + text;
      }
      if (port_open(n.ep, 300ms)) return "";
      std::this_thread::sleep_for(50ms);
    }
    return name + " did not accept connections within 20 s";
  }
};

Cluster::Cluster(ClusterOptions opts) : opts_(std::move(opts)), impl_(std::make_unique<Impl>()) {
  std::string root = opts_.work_dir;
  if (root.empty()) {
    impl_->tmp = std::make_unique<harness::TempDir>();
    root = impl_->tmp->path();
  }
  std::vector<int> ports;
  for (int i = 0; i < opts_.data_nodes + opts_.sentinels; ++i) {
    Node n;
    n.kind = i < opts_.data_nodes ? Kind::kData : Kind::kSentinel;
    n.kind_index = n.kind == Kind::kData ? i : i - opts_.data_nodes;
    n.redis = opts_.flavour == Flavour::kRedis ||
              (n.kind == Kind::kSentinel && n.kind_index >= opts_.sentinels - opts_.redis_sentinels);
    n.dir = root + "/" + (n.kind == Kind::kData ? "data" : "sentinel") + std::to_string(n.kind_index);
    n.ep.host = "127.0.0.1";
    // Distinct even if free_port() returns a port twice before anyone binds it.
    do n.ep.port = harness::free_port();
    while (std::find(ports.begin(), ports.end(), n.ep.port) != ports.end());
    ports.push_back(n.ep.port);
    impl_->nodes.push_back(std::move(n));
  }
}

Cluster::~Cluster() {
  // All the SIGKILLs first, then the waits, so teardown does not take one exit after another.
  for (Node& n : impl_->nodes) n.proc.kill(SIGKILL);
  for (Node& n : impl_->nodes) n.proc.wait(5s);
  impl_->net.heal();
  // impl_->net's destructor then returns this thread to its namespace and deletes the namespaces.
}

std::string Cluster::netns_unavailable_reason() { return NetnsTopology::unavailable_reason(); }

std::string Cluster::start() {
  if (opts_.data_nodes < 1) return "a cluster needs at least one data node";
  for (const Node& n : impl_->nodes)
    if (n.redis && access(impl_->binary(opts_, n).c_str(), X_OK) != 0)
      return impl_->binary(opts_, n) + " is missing";
  if (opts_.net == Net::kNetns) {
    if (std::string err = impl_->net.create(size()); !err.empty()) return err;
    if (std::string err = impl_->net.enter_router(); !err.empty()) return err;
    for (int i = 0; i < size(); ++i) {
      Node& n = impl_->nodes[static_cast<size_t>(i)];
      n.ns = impl_->net.node_ns(i);
      n.ep = {impl_->net.node_ip(i), n.kind == Kind::kData ? kDataPort : kSentinelPort};
    }
  }
  for (int i = 0; i < size(); ++i)
    if (std::string err = impl_->start_node(opts_, i, describe(i)); !err.empty()) return err;
  if (!wait_healthy(60s)) return "the cluster did not become healthy within 60 s: " + why_unhealthy();
  if (agreed_master() != 0) return "the sentinels agree on a master other than data#0";
  return "";
}

int Cluster::size() const { return static_cast<int>(impl_->nodes.size()); }
Kind Cluster::kind(int node) const { return impl_->nodes.at(static_cast<size_t>(node)).kind; }
Endpoint Cluster::endpoint(int node) const { return impl_->nodes.at(static_cast<size_t>(node)).ep; }

std::vector<Endpoint> Cluster::data_endpoints() const {
  std::vector<Endpoint> out;
  for (int i : data_indexes()) out.push_back(endpoint(i));
  return out;
}

std::vector<Endpoint> Cluster::sentinel_endpoints() const {
  std::vector<Endpoint> out;
  for (int i : sentinel_indexes()) out.push_back(endpoint(i));
  return out;
}

std::vector<int> Cluster::data_indexes() const {
  std::vector<int> out;
  for (int i = 0; i < opts_.data_nodes; ++i) out.push_back(i);
  return out;
}

std::vector<int> Cluster::sentinel_indexes() const {
  std::vector<int> out;
  for (int i = opts_.data_nodes; i < size(); ++i) out.push_back(i);
  return out;
}

std::string Cluster::describe(int node) const {
  const Node& n = impl_->nodes.at(static_cast<size_t>(node));
  std::string pid = n.proc.pid() > 0 ? "pid " + std::to_string(n.proc.pid()) : "not running";
  return (n.kind == Kind::kData ? "data#" : "sentinel#") + std::to_string(n.kind_index) + " " + n.ep.str() +
         " " + pid;
}

void Cluster::signal(int node, int sig) {
  Node& n = impl_->nodes.at(static_cast<size_t>(node));
  n.proc.kill(sig);
  // Reaped right away so that running() and describe() tell the truth as soon as this returns.
  if (sig == SIGKILL) n.proc.wait(5s);
}

void Cluster::restart(int node) {
  Node& n = impl_->nodes.at(static_cast<size_t>(node));
  if (n.proc.running()) signal(node, SIGKILL);
  if (std::string err = impl_->start_node(opts_, node, describe(node)); !err.empty())
    fprintf(stderr, "fault: restart failed: %s\n", err.c_str());
}

bool Cluster::running(int node) { return impl_->nodes.at(static_cast<size_t>(node)).proc.running(); }

std::optional<int> Cluster::agreed_master() {
  std::map<std::string, int> votes;
  for (const Endpoint& s : sentinel_endpoints()) {
    auto c = connect_to(s, kSentinelTimeout);
    if (!c) continue;
    harness::Reply r = c->command({"SENTINEL", "get-master-addr-by-name", opts_.master_name});
    if (r.type == harness::Reply::Type::kArray && r.elements.size() == 2)
      votes[r.elements[0].str + ":" + r.elements[1].str]++;
  }
  for (const auto& [addr, n] : votes) {
    if (n * 2 <= opts_.sentinels) continue;
    for (int i : data_indexes())
      if (endpoint(i).str() == addr) return i;
  }
  return std::nullopt;
}

std::string Cluster::why_unhealthy() const { return impl_->why_unhealthy; }

bool Cluster::wait_healthy(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::string why = unhealthy_reason();
    impl_->why_unhealthy = why;
    if (why.empty()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
}

std::string Cluster::unhealthy_reason() {
  for (int i = 0; i < size(); ++i)
    if (!running(i)) return describe(i) + " is not running";
  std::optional<int> m = agreed_master();
  if (!m) return "no majority of sentinels agrees on a data node as master";
  const Endpoint master = endpoint(*m);
  const std::string port = std::to_string(master.port);

  for (int i : data_indexes()) {
    auto c = connect_to(endpoint(i), kDataTimeout, opts_.password);
    if (!c) return describe(i) + " does not accept connections";
    harness::Reply r = c->command({"INFO", "replication"});
    if (r.type != harness::Reply::Type::kString) return describe(i) + ": INFO replication failed: " + r.str;
    const std::string info = "\r\n" + r.str;
    if (i == *m) {
      if (info_field(info, "role") != "master")
        return describe(i) + " is the agreed master but says role " + info_field(info, "role");
      if (info_field(info, "connected_slaves") != std::to_string(opts_.data_nodes - 1))
        return describe(i) + " (master) has " + info_field(info, "connected_slaves") + " replicas connected";
      // A link that looks connected may be stalled (a healed partition, before TCP retransmits): every
      // replica must have acknowledged (REPLCONF ACK, once a second) recently.
      for (int j : data_indexes()) {
        if (j == i) continue;
        if (std::string why = replica_entry_problem(info, endpoint(j)); !why.empty())
          return describe(i) + " (master): " + describe(j) + " " + why;
      }
      continue;
    }
    if (info_field(info, "role") != "slave" || info_field(info, "master_host") != master.host ||
        info_field(info, "master_port") != port || info_field(info, "master_link_status") != "up")
      return describe(i) + " is not an up replica of " + master.str() + " (role " + info_field(info, "role") +
             ", master " + info_field(info, "master_host") + ":" + info_field(info, "master_port") +
             ", link " + info_field(info, "master_link_status") + ")";
  }

  for (int s : sentinel_indexes()) {
    auto c = connect_to(endpoint(s), kSentinelTimeout);
    const std::string who = describe(s);
    if (!c) return who + " does not accept connections";
    harness::Reply addr = c->command({"SENTINEL", "get-master-addr-by-name", opts_.master_name});
    if (addr.elements.size() != 2 || addr.elements[0].str != master.host || addr.elements[1].str != port)
      return who + " does not report " + master.str() + " as master";
    auto mf = fields(c->command({"SENTINEL", "master", opts_.master_name}));
    if (mf["flags"] != "master") return who + " flags the master " + mf["flags"];
    if (mf["num-other-sentinels"] != std::to_string(opts_.sentinels - 1))
      return who + " knows " + mf["num-other-sentinels"] + " other sentinels";
    for (const harness::Reply& e : c->command({"SENTINEL", "sentinels", opts_.master_name}).elements) {
      auto f = fields(e);
      if (has_flag(f["flags"], "s_down") || has_flag(f["flags"], "disconnected"))
        return who + " sees sentinel " + f["ip"] + ":" + f["port"] + " as " + f["flags"];
    }
    harness::Reply replicas = c->command({"SENTINEL", "replicas", opts_.master_name});
    for (int i : data_indexes()) {
      if (i == *m) continue;
      const Endpoint ep = endpoint(i);
      std::map<std::string, std::string> f;
      for (const harness::Reply& e : replicas.elements) {
        auto ef = fields(e);
        if (ef["ip"] == ep.host && ef["port"] == std::to_string(ep.port)) f = ef;
      }
      const std::string what = who + " sees " + describe(i);
      if (f.empty()) return who + " does not list " + describe(i) + " as a replica";
      for (const char* flag : {"s_down", "o_down", "disconnected"})
        if (has_flag(f["flags"], flag)) return what + " as " + f["flags"];
      if (f["master-link-status"] != "ok")
        return what + " with master-link-status " + f["master-link-status"];
      if (f["master-host"] != master.host || f["master-port"] != port)
        return what + " replicating from " + f["master-host"] + ":" + f["master-port"];
      // Failover candidates need a PING reply within the last 5 s (Redis: 5 * ping period).
      if (std::atoll(f["last-ok-ping-reply"].c_str()) > 3000) return what + " with an old PING reply";
    }
  }
  return "";
}

bool Cluster::partition(const std::vector<int>& a, const std::vector<int>& b) {
  if (opts_.net != Net::kNetns) return false;
  bool ok = true;
  for (int x : a)
    for (int y : b)
      if (x != y) ok = impl_->net.cut(x, y) && ok;
  return ok;
}

void Cluster::heal() {
  if (opts_.net == Net::kNetns && !impl_->net.heal())
    fprintf(stderr, "fault: removing a partition rule failed\n");
}

}  // namespace fault
