// The cluster's plain data: what this node knows about every node (address, role, slots, epochs,
// liveness) and the cluster-wide view (current epoch, slot owners, state). No I/O here.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "datanode/cluster/slots.h"

namespace cluster {

// Redis' node flags, with their wire values (they travel as is in the bus header and gossip).
enum NodeFlag : uint16_t {
  kMaster = 1,
  kSlave = 2,
  kPFail = 4,
  kFail = 8,
  kMyself = 16,
  kHandshake = 32,
  kNoAddr = 64,
  kMeet = 128,
  kMigrateTo = 256,
  kNoFailover = 512,
};

constexpr size_t kIdLen = 40;

class Link;

struct Node {
  std::string id;  // 40 hex characters
  std::string ip;
  int port = 0, pport = 0, cport = 0;
  std::string hostname;
  uint16_t flags = 0;
  uint64_t config_epoch = 0;
  SlotBitmap slots{};
  int numslots = 0;
  std::string master_id;  // when kSlave; may name a node we do not know yet
  int64_t ctime_ms = 0;
  int64_t ping_sent_ms = 0, pong_received_ms = 0, data_received_ms = 0, fail_time_ms = 0;
  int64_t repl_offset = 0;
  std::map<std::string, int64_t> fail_reports;  // reporter id -> time
  Link* link = nullptr;                         // ours to them: we send PING/MEET here
  Link* inbound_link = nullptr;                 // theirs to us

  bool has(uint16_t f) const { return (flags & f) != 0; }
  bool is_master() const { return has(kMaster); }
  bool is_replica() const { return has(kSlave); }
};

struct Stats {
  static constexpr int kTypes = 11;
  std::array<uint64_t, kTypes> sent{}, received{};
};

struct State {
  std::map<std::string, std::unique_ptr<Node>> nodes;  // by id (ordered: stable CLUSTER NODES)
  Node* myself = nullptr;
  uint64_t current_epoch = 0;
  uint64_t last_vote_epoch = 0;
  bool ok = false;
  int size = 0;  // masters serving at least one slot
  std::array<Node*, kSlots> owner{};
  // Open slots of a reshard (SETSLOT MIGRATING/IMPORTING): where our keys go, where they come from.
  std::array<Node*, kSlots> migrating_to{}, importing_from{};
  std::map<std::string, int64_t> blacklist;  // FORGET: id -> expiry (ms)
  Stats stats;

  Node* find(const std::string& id) {
    auto it = nodes.find(id);
    return it == nodes.end() ? nullptr : it->second.get();
  }
  Node* master_of(const Node& n) { return n.is_replica() ? find(n.master_id) : nullptr; }
  std::vector<Node*> replicas_of(const Node& m) {
    std::vector<Node*> out;
    for (auto& [id, n] : nodes)
      if (n->is_replica() && n->master_id == m.id) out.push_back(n.get());
    return out;
  }
  // Slot ownership: both the owner table and the owner's bitmap.
  void add_slot(Node* n, int s) {
    if (owner[static_cast<size_t>(s)] == n) return;
    if (owner[static_cast<size_t>(s)] != nullptr) del_slot(s);
    owner[static_cast<size_t>(s)] = n;
    slot_set(n->slots, s);
    n->numslots++;
  }
  void del_slot(int s) {
    Node* n = owner[static_cast<size_t>(s)];
    if (n == nullptr) return;
    owner[static_cast<size_t>(s)] = nullptr;
    slot_clear(n->slots, s);
    n->numslots--;
  }
  void del_node_slots(Node* n) {
    for (int s = 0; s < kSlots; ++s)
      if (owner[static_cast<size_t>(s)] == n) del_slot(s);
  }
  // A node leaving the table closes the open slots that name it (Redis' clusterDelNode).
  void forget_open_slots(const Node* n) {
    for (size_t s = 0; s < kSlots; ++s) {
      if (migrating_to[s] == n) migrating_to[s] = nullptr;
      if (importing_from[s] == n) importing_from[s] = nullptr;
    }
  }
  uint64_t max_config_epoch() const {
    uint64_t m = 0;
    for (auto& [id, n] : nodes) m = std::max(m, n->config_epoch);
    return m;
  }
};

// Flags as CLUSTER NODES prints them ("myself,master", "slave,fail?", "noflags").
std::string flags_text(uint16_t flags);
// One CLUSTER NODES / nodes.conf line (with "\n"); `connected` is the link state column.
std::string node_line(const State& st, const Node& n, bool connected, int64_t now_unix_ms);
std::string random_node_id();

}  // namespace cluster
