#include "datanode/cluster/nodes_conf.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <sstream>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "datanode/cluster/link.h"

namespace cluster {
namespace {

std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    size_t j = line.find(' ', i);
    if (j == std::string_view::npos) j = line.size();
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool parse_u64(std::string_view s, uint64_t* out) {
  auto v = util::parse_int(s);
  if (!v || *v < 0) return false;
  *out = static_cast<uint64_t>(*v);
  return true;
}

}  // namespace

std::string random_node_id() {
  static const char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  std::string out(kIdLen, '0');
  for (char& c : out) c = kHex[rng() % 16];
  return out;
}

std::string flags_text(uint16_t flags) {
  static const std::pair<uint16_t, const char*> kNames[] = {
      {kMyself, "myself"}, {kMaster, "master"},       {kSlave, "slave"},   {kPFail, "fail?"},
      {kFail, "fail"},     {kHandshake, "handshake"}, {kNoAddr, "noaddr"}, {kNoFailover, "nofailover"}};
  std::string out;
  for (auto [f, name] : kNames) {
    if (!(flags & f)) continue;
    if (!out.empty()) out.push_back(',');
    out += name;
  }
  return out.empty() ? "noflags" : out;
}

std::string node_line(const State& st, const Node& n, bool connected, int64_t) {
  std::string out = n.id + " " + n.ip + ":" + std::to_string(n.port) + "@" + std::to_string(n.cport);
  if (!n.hostname.empty()) out += "," + n.hostname;
  out += " " + flags_text(n.flags) + " ";
  out += n.is_replica() && !n.master_id.empty() ? n.master_id : std::string("-");
  out += " " + std::to_string(n.ping_sent_ms) + " " + std::to_string(n.pong_received_ms) + " ";
  // A replica shows its master's configEpoch.
  uint64_t epoch = n.config_epoch;
  if (n.is_replica()) {
    auto it = st.nodes.find(n.master_id);
    if (it != st.nodes.end()) epoch = it->second->config_epoch;
  }
  out += std::to_string(epoch);
  out += connected ? " connected" : " disconnected";
  if (n.numslots > 0) out += " " + slot_runs_text(n.slots);
  // Only our own line carries the open slots (Redis does the same: others' are not known).
  if (n.has(kMyself)) {
    for (size_t s = 0; s < kSlots; ++s) {
      if (const Node* to = st.migrating_to[s])
        out += " [" + std::to_string(s) + "->-" + to->id + "]";
      else if (const Node* from = st.importing_from[s])
        out += " [" + std::to_string(s) + "-<-" + from->id + "]";
    }
  }
  out += "\n";
  return out;
}

std::string render_nodes_conf(const State& st, int64_t now) {
  std::string out;
  for (const auto& [id, n] : st.nodes) {
    if (n->has(kHandshake)) continue;
    bool connected = n->has(kMyself) || (n->link != nullptr && n->link->connected());
    out += node_line(st, *n, connected, now);
  }
  out += "vars currentEpoch " + std::to_string(st.current_epoch) + " lastVoteEpoch " +
         std::to_string(st.last_vote_epoch) + "\n";
  return out;
}

std::string parse_nodes_conf(const std::string& text, State& st) {
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  // Per node line, a bitmap (not a list of slots): "0-16383" repeated on a hostile line stays small.
  std::vector<std::pair<Node*, SlotBitmap>> slot_claims;
  // [slot->-id] / [slot-<-id]: resolved once every node line is read (the peer may come later).
  struct OpenSlot {
    int slot;
    bool migrating;
    std::string peer;
  };
  std::vector<OpenSlot> open_slots;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto f = split_spaces(line);
    if (f.empty()) continue;
    std::string where = "line " + std::to_string(lineno) + ": ";
    if (f[0] == "vars") {
      for (size_t i = 1; i + 1 < f.size(); i += 2) {
        uint64_t v = 0;
        if (!parse_u64(f[i + 1], &v)) return where + "bad value for " + std::string(f[i]);
        if (f[i] == "currentEpoch")
          st.current_epoch = v;
        else if (f[i] == "lastVoteEpoch")
          st.last_vote_epoch = v;
      }
      continue;
    }
    if (f.size() < 8) return where + "fewer than 8 fields";
    if (f[0].size() != kIdLen) return where + "node id is not 40 characters";
    auto node = std::make_unique<Node>();
    node->id = std::string(f[0]);
    // ip:port@cport[,hostname]
    std::string_view addr = f[1];
    size_t comma = addr.find(',');
    if (comma != std::string_view::npos) {
      node->hostname = std::string(addr.substr(comma + 1));
      addr = addr.substr(0, comma);
    }
    size_t at = addr.rfind('@');
    std::string_view hostport = at == std::string_view::npos ? addr : addr.substr(0, at);
    size_t colon = hostport.rfind(':');
    if (colon == std::string_view::npos) return where + "bad address";
    node->ip = std::string(hostport.substr(0, colon));
    auto port = util::parse_int(hostport.substr(colon + 1));
    if (!port || *port < 0 || *port > 65535) return where + "bad port";
    node->port = static_cast<int>(*port);
    if (at != std::string_view::npos) {
      auto cport = util::parse_int(addr.substr(at + 1));
      if (!cport || *cport < 0 || *cport > 65535) return where + "bad bus port";
      node->cport = static_cast<int>(*cport);
    } else {
      node->cport = node->port + 10000;
    }
    std::vector<std::string_view> flag_words;
    for (size_t i = 0; i <= f[2].size();) {
      size_t j = f[2].find(',', i);
      if (j == std::string_view::npos) j = f[2].size();
      flag_words.push_back(f[2].substr(i, j - i));
      i = j + 1;
    }
    for (std::string_view flag : flag_words) {
      if (flag == "myself")
        node->flags |= kMyself;
      else if (flag == "master")
        node->flags |= kMaster;
      else if (flag == "slave")
        node->flags |= kSlave;
      else if (flag == "fail?")
        node->flags |= kPFail;
      else if (flag == "fail")
        node->flags |= kFail;
      else if (flag == "handshake")
        node->flags |= kHandshake;
      else if (flag == "noaddr")
        node->flags |= kNoAddr;
      else if (flag == "nofailover")
        node->flags |= kNoFailover;
      else if (flag != "noflags")
        return where + "unknown flag " + std::string(flag);
    }
    if (f[3] != "-") node->master_id = std::string(f[3]);
    // As Redis: the ping/pong columns only say whether there was one; they restart from now.
    if (f[4] != "0") node->ping_sent_ms = util::unix_ms();
    if (f[5] != "0") node->pong_received_ms = util::unix_ms();
    uint64_t epoch = 0;
    if (!parse_u64(f[6], &epoch)) return where + "bad config epoch";
    node->config_epoch = node->is_replica() ? 0 : epoch;
    if (node->has(kMyself)) {
      if (st.myself != nullptr) return where + "two myself lines";
      st.myself = node.get();
    }
    SlotBitmap claimed{};
    bool claims = false;
    for (size_t i = 8; i < f.size(); ++i) {
      std::string_view tok = f[i];
      if (tok.starts_with('[')) {
        size_t arrow = tok.find("->-"), back = tok.find("-<-");
        size_t at = std::min(arrow, back);
        if (!node->has(kMyself) || at == std::string_view::npos || !tok.ends_with(']'))
          return where + "bad open slot";
        auto slot = util::parse_int(tok.substr(1, at - 1));
        std::string_view peer = tok.substr(at + 3, tok.size() - at - 4);
        if (!slot || *slot < 0 || *slot >= kSlots || peer.size() != kIdLen) return where + "bad open slot";
        open_slots.push_back({static_cast<int>(*slot), at == arrow, std::string(peer)});
        continue;
      }
      size_t dash = tok.find('-');
      auto a = util::parse_int(tok.substr(0, dash));
      auto z = dash == std::string_view::npos ? a : util::parse_int(tok.substr(dash + 1));
      if (!a || !z || *a < 0 || *z >= kSlots || *a > *z) return where + "bad slot range";
      for (int64_t s = *a; s <= *z; ++s) slot_set(claimed, static_cast<int>(s));
      claims = true;
    }
    if (st.nodes.count(node->id)) return where + "duplicate node id";
    if (claims) slot_claims.emplace_back(node.get(), claimed);
    std::string id = node->id;
    st.nodes.emplace(id, std::move(node));
  }
  if (st.myself == nullptr) return "no myself line";
  for (const auto& [n, claimed] : slot_claims)
    for (int s = 0; s < kSlots; ++s)
      if (slot_test(claimed, s)) st.add_slot(n, s);
  for (const OpenSlot& o : open_slots) {
    auto it = st.nodes.find(o.peer);
    if (it == st.nodes.end()) {
      // As Redis: a peer named only here is created blank; gossip fills it in.
      auto blank = std::make_unique<Node>();
      blank->id = o.peer;
      it = st.nodes.emplace(o.peer, std::move(blank)).first;
    }
    (o.migrating ? st.migrating_to : st.importing_from)[static_cast<size_t>(o.slot)] = it->second.get();
  }
  st.current_epoch = std::max(st.current_epoch, st.max_config_epoch());
  return "";
}

int lock_nodes_conf(const std::string& path, std::string* error) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "Can't open " + path + " in order to acquire a lock: " + strerror(errno);
    return -1;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      *error =
          "Sorry, the cluster configuration file " + path +
          " is already used by a different Redis Cluster node. Please make sure that different nodes use "
          "different cluster configuration files.";
    } else {
      *error = "Impossible to lock " + path + ": " + strerror(errno);
    }
    close(fd);
    return -1;
  }
  return fd;
}

std::string write_nodes_conf(int fd, const std::string& text, bool sync) {
  struct stat sb {};
  if (fstat(fd, &sb) != 0) return std::string("fstat: ") + strerror(errno);
  // Padded to the old length: until the truncate, the old tail reads as empty lines.
  std::string data = text;
  if (sb.st_size > static_cast<off_t>(data.size())) data.append(static_cast<size_t>(sb.st_size) - data.size(), '\n');
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = pwrite(fd, data.data() + off, data.size() - off, static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::string("write: ") + strerror(n < 0 ? errno : EIO);
    off += static_cast<size_t>(n);
  }
  if (sync && fsync(fd) != 0) return std::string("fsync: ") + strerror(errno);
  // Not critical when it fails: the padding is only empty lines.
  if (data.size() != text.size() && ftruncate(fd, static_cast<off_t>(text.size())) != 0) return "";
  return "";
}

}  // namespace cluster
