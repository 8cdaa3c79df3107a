// A 3-master cluster with one replica each, of datanodes, redis-server 7.0.15 nodes or both, built with
// CLUSTER ADDSLOTSRANGE / MEET / REPLICATE so each replica's master is known, and the views the
// failover tests need: CLUSTER NODES parsed, who serves a slot, a write that follows MOVED.
#pragma once

#include <signal.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cluster_lab.h"

namespace failoverlab {

using namespace std::chrono_literals;

struct NodeView {
  std::string id, addr, flags, master;
  int port = 0;
  bool has(const std::string& f) const {
    return ("," + flags + ",").find("," + f + ",") != std::string::npos;
  }
};

inline std::vector<NodeView> nodes_of(clusterlab::Node& n) {
  harness::Client c(n.port);
  c.set_timeout(1s);
  harness::Reply r = c.command({"CLUSTER", "NODES"});
  std::vector<NodeView> out;
  if (r.is_error()) return out;
  std::istringstream in(r.str);
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    NodeView v;
    f >> v.id >> v.addr >> v.flags >> v.master;
    size_t colon = v.addr.find(':'), at = v.addr.find('@');
    if (colon == std::string::npos) continue;
    v.port = std::atoi(v.addr.substr(colon + 1, at - colon - 1).c_str());
    out.push_back(v);
  }
  return out;
}

inline std::string myid(clusterlab::Node& n) { return n.client()->command({"CLUSTER", "MYID"}).str; }

inline std::string cluster_state(clusterlab::Node& n) {
  harness::Client c(n.port);
  c.set_timeout(1s);
  return harness::info_field(c.command({"CLUSTER", "INFO"}).str, "cluster_state");
}

inline std::string role(clusterlab::Node& n) {
  harness::Client c(n.port);
  c.set_timeout(1s);
  return harness::info_field(c, "replication", "role");
}

// Three masters (slots split in three) and a replica for each: replicas[i] follows masters[i].
struct Cluster {
  std::vector<clusterlab::Node*> masters, replicas;
  std::vector<clusterlab::Node*> all() const {
    std::vector<clusterlab::Node*> v = masters;
    v.insert(v.end(), replicas.begin(), replicas.end());
    return v;
  }
  // "" or what went wrong.
  std::string build() {
    const int ranges[3][2] = {{0, 5460}, {5461, 10922}, {10923, 16383}};
    for (size_t i = 0; i < masters.size(); ++i) {
      auto c = masters[i]->client();
      c->command({"CLUSTER", "SET-CONFIG-EPOCH", std::to_string(i + 1)});
      harness::Reply r = c->command(
          {"CLUSTER", "ADDSLOTSRANGE", std::to_string(ranges[i][0]), std::to_string(ranges[i][1])});
      if (r.is_error()) return masters[i]->name() + ": " + r.str;
    }
    for (clusterlab::Node* n : all()) {
      if (n == masters[0]) continue;
      harness::Reply r = masters[0]->client()->command(
          {"CLUSTER", "MEET", "127.0.0.1", std::to_string(n->port), std::to_string(n->bus_port)});
      if (r.is_error()) return "MEET " + n->name() + ": " + r.str;
    }
    auto everyone_knows_everyone = [&] {
      for (clusterlab::Node* n : all()) {
        std::vector<NodeView> v = nodes_of(*n);
        if (v.size() != all().size()) return false;
        for (const NodeView& x : v)
          if (x.has("handshake") || x.has("noaddr")) return false;
      }
      return true;
    };
    if (!harness::eventually(everyone_knows_everyone, 30s)) return "nodes did not meet";
    for (size_t i = 0; i < replicas.size(); ++i) {
      std::string id = myid(*masters[i]);
      harness::Reply r = replicas[i]->client()->command({"CLUSTER", "REPLICATE", id});
      if (r.is_error()) return "REPLICATE " + replicas[i]->name() + ": " + r.str;
    }
    auto settled = [&] {
      for (clusterlab::Node* n : all()) {
        if (cluster_state(*n) != "ok") return false;
        int replicas_seen = 0;
        for (const NodeView& x : nodes_of(*n))
          if (x.has("slave")) replicas_seen++;
        if (replicas_seen != static_cast<int>(replicas.size())) return false;
      }
      for (clusterlab::Node* r : replicas) {
        harness::Client c(r->port);
        if (harness::info_field(c, "replication", "master_link_status") != "up") return false;
      }
      return true;
    };
    if (!harness::eventually(settled, 40s)) return "cluster did not settle";
    return "";
  }
};

// SET key value through `entry`, following one MOVED; the reply of the node that answered.
inline harness::Reply set_following(const std::vector<clusterlab::Node*>& nodes, const std::string& key,
                                    const std::string& value, clusterlab::Node* entry) {
  harness::Client c(entry->port);
  c.set_timeout(1s);
  harness::Reply r = c.command({"SET", key, value});
  if (r.is_error() && r.str.rfind("MOVED ", 0) == 0) {
    int port = std::atoi(r.str.substr(r.str.rfind(':') + 1).c_str());
    for (clusterlab::Node* n : nodes)
      if (n->port == port) {
        harness::Client d(port);
        d.set_timeout(1s);
        return d.command({"SET", key, value});
      }
  }
  return r;
}

}  // namespace failoverlab
