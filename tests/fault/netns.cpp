#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "harness.h"

namespace fault {

namespace {

// Runs a shell command, stderr folded into the output; true on exit status 0.
bool sh(const std::string& cmd, std::string* out = nullptr) {
  int status = -1;
  std::string text = harness::run(cmd + " 2>&1", &status);
  if (out) *out = text;
  return status == 0;
}

std::vector<std::string> netns_names(const std::string& ip) {
  std::vector<std::string> names;
  std::istringstream in(harness::run(ip + " netns list 2>/dev/null"));
  std::string line;
  while (std::getline(in, line)) {
    std::string name = line.substr(0, line.find(' '));
    if (!name.empty()) names.push_back(name);
  }
  return names;
}

// "fs<pid>-..." -> pid, 0 for other names.
pid_t owner_of(const std::string& name) {
  if (name.rfind("fs", 0) != 0) return 0;
  size_t dash = name.find('-');
  if (dash == std::string::npos || dash == 2) return 0;
  pid_t pid = 0;
  for (size_t i = 2; i < dash; ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

// Namespaces left by a suite that died without its destructor (SIGKILL, crash), when nothing runs in them
// any more. Ones with processes inside are left alone: those processes are not ours to kill.
void remove_stale(const std::string& ip) {
  for (const std::string& name : netns_names(ip)) {
    pid_t owner = owner_of(name);
    if (owner <= 0 || owner == getpid()) continue;
    if (kill(owner, 0) == 0 || errno != ESRCH) continue;
    std::string pids;
    if (!sh(ip + " netns pids " + name, &pids) || !pids.empty()) continue;
    sh(ip + " netns del " + name);
  }
}

// A 10.b.0.0/16 no other suite's router uses, so that addresses in logs are unambiguous (the namespaces
// are separate network stacks, so a clash would not break anything).
int pick_subnet(const std::string& ip) {
  std::string used;
  for (const std::string& name : netns_names(ip))
    if (owner_of(name) > 0 && name.size() > 2 && name.compare(name.size() - 2, 2, "-r") == 0)
      used += harness::run(ip + " -n " + name + " -4 -o addr show 2>/dev/null");
  int first = 77 + static_cast<int>(getpid() % 23);
  for (int k = 0; k < 23; ++k) {
    int b = 77 + (first - 77 + k) % 23;
    if (used.find(" 10." + std::to_string(b) + ".") == std::string::npos) return b;
  }
  return first;
}

std::string single_quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

std::string NetnsTopology::ip_binary() {
  for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
    if (access(p, X_OK) == 0) return p;
  return "";
}

std::string NetnsTopology::unavailable_reason() {
  if (geteuid() != 0)
    return "network namespaces need root (running as uid " + std::to_string(geteuid()) + ")";
  std::string ip = ip_binary();
  if (ip.empty()) return "no `ip` binary (iproute2) in /usr/sbin, /sbin, /usr/bin or /bin";
  std::string probe = "fs" + std::to_string(getpid()) + "-probe", out;
  if (!sh(ip + " netns add " + probe, &out)) return "`ip netns add` fails: " + out;
  bool exec_ok = sh(ip + " netns exec " + probe + " true", &out);
  sh(ip + " netns del " + probe);
  if (!exec_ok) return "`ip netns exec` fails: " + out;
  return "";
}

std::string NetnsTopology::node_ip(int i) const {
  return "10." + std::to_string(subnet_) + "." + std::to_string(i + 1) + ".2";
}

std::string NetnsTopology::create(int nodes) {
  std::string ip = ip_binary();
  if (ip.empty()) return "no `ip` binary";
  if (nodes < 1 || nodes > 250) return "cannot build a topology of " + std::to_string(nodes) + " nodes";
  remove_stale(ip);
  subnet_ = pick_subnet(ip);
  std::string prefix = "fs" + std::to_string(getpid()) + "-";
  router_ = prefix + "r";
  const std::string r = " -n " + router_ + " ";
  // Recorded before the script runs so that a failure halfway still deletes what was made.
  created_.push_back(router_);
  std::string script = "set -e\n" + ip + " netns add " + router_ + "\n" + ip + r + "link set lo up\n" + ip +
                       " netns exec " + router_ + " sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'\n";
  for (int i = 0; i < nodes; ++i) {
    std::string ns = prefix + std::to_string(i), n = " -n " + ns + " ";
    std::string net = "10." + std::to_string(subnet_) + "." + std::to_string(i + 1) + ".";
    std::string veth = "v" + std::to_string(i);
    node_ns_.push_back(ns);
    created_.push_back(ns);
    script += ip + " netns add " + ns + "\n" + ip + r + "link add " + veth +
              " type veth peer name e0 netns " + ns + "\n" + ip + r + "addr add " + net + "1/24 dev " + veth +
              "\n" + ip + r + "link set " + veth + " up\n" + ip + n + "link set lo up\n" + ip + n +
              "addr add " + net + "2/24 dev e0\n" + ip + n + "link set e0 up\n" + ip + n +
              "route add default via " + net + "1\n";
  }
  std::string out;
  if (!sh("sh -c " + single_quoted(script), &out)) return "creating the namespaces failed: " + out;
  return "";
}

std::string NetnsTopology::enter_router() {
  if (home_ns_fd_ < 0) home_ns_fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  int fd = open(("/var/run/netns/" + router_).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "open /var/run/netns/" + router_ + ": " + strerror(errno);
  int rc = setns(fd, CLONE_NEWNET);
  int err = errno;
  close(fd);
  if (rc != 0) return "setns into " + router_ + ": " + strerror(err);
  return "";
}

bool NetnsTopology::rule(const char* op, int from, int to) {
  return sh(ip_binary() + " -n " + router_ + " rule " + op + " from " + node_ip(from) + " to " + node_ip(to) +
            " blackhole");
}

bool NetnsTopology::cut(int a, int b) {
  bool ok = true;
  for (auto [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
    bool present = false;
    for (const auto& c : cuts_) present = present || (c.first == from && c.second == to);
    if (present) continue;
    if (rule("add", from, to))
      cuts_.emplace_back(from, to);
    else
      ok = false;
  }
  return ok;
}

bool NetnsTopology::heal() {
  bool ok = true;
  for (const auto& [from, to] : cuts_) ok = rule("del", from, to) && ok;
  cuts_.clear();
  return ok;
}

NetnsTopology::~NetnsTopology() { destroy(); }

void NetnsTopology::destroy() {
  if (home_ns_fd_ >= 0) {
    if (setns(home_ns_fd_, CLONE_NEWNET) != 0) perror("fault: setns back to the original network namespace");
    close(home_ns_fd_);
    home_ns_fd_ = -1;
  }
  if (created_.empty()) return;
  std::string ip = ip_binary();
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) sh(ip + " netns del " + *it);
  for (const std::string& left : netns_names(ip))
    for (const std::string& mine : created_)
      if (left == mine) fprintf(stderr, "fault: network namespace %s could not be deleted\n", left.c_str());
  created_.clear();
}

}  // namespace fault
