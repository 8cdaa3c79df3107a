// Cluster lifecycle and the node table's rules: nodes.conf load/save, node creation/rename/deletion,
// roles, epochs (bump, collision), slot claims by configEpoch, cluster state, RESET, FORGET's blacklist.
#include "datanode/cluster/cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "common/util/fs.h"
#include "datanode/cluster/blocked_redirect.h"
#include "datanode/cluster/link.h"
#include "datanode/cluster/nodes_conf.h"
#include "datanode/replication/replication.h"
#include "datanode/server/pubsub.h"

namespace datanode {

using namespace cluster;

Cluster::Cluster(Server& server) : server_(server) {
  server_.db(0).enable_slot_index();
  server_.add_startup_hook([this] { return start(); });
  server_.add_periodic(100, [this](int64_t now) { cron(now); });
  server_.add_periodic(1000, [this](int64_t) { migrator_.close_idle(util::mono_ms()); });
  server_.add_periodic(250, [this](int64_t) { redirect_blocked_clients(*this); });
  server_.add_before_flush([this] { before_sleep(); });
  server_.add_shutdown_hook([this] { stop(); });
  server_.add_route_guard(
      [this](const Client& c, const CommandSpec& cmd, const Args& args) { return route(c, cmd, args); });
  // What the node announces about itself follows CONFIG SET at once (the next PING carries it).
  for (const char* name : {"cluster-announce-hostname", "cluster-announce-ip", "cluster-announce-port",
                           "cluster-announce-bus-port"}) {
    config::Option* o = server_.registry().find(name);
    if (o == nullptr) continue;
    o->on_change = [this] {
      if (st_.myself == nullptr) return std::string();
      const Settings& s = server_.settings();
      myself().hostname = s.cluster_announce_hostname;
      if (!s.cluster_announce_ip.empty()) myself().ip = s.cluster_announce_ip;
      myself().port = announced_port();
      myself().cport = announced_cport();
      todo_save(false);
      return std::string();
    };
  }
}

Cluster::~Cluster() {
  stop();
  if (lock_fd_ >= 0) close(lock_fd_);
}

std::string Cluster::config_path() const {
  return util::path_join(server_.settings().dir, server_.settings().cluster_config_file);
}

bool Cluster::start() {
  const Settings& s = server_.settings();
  if (!s.cluster_port && s.port > 55535) {
    LOG_WARNING(
        "Redis port number too high. Cluster communication port is 10,000 port numbers higher than your "
        "Redis port. Your Redis port number must be 55535 or less.");
    return false;
  }
  std::string path = config_path();
  std::string text;
  bool existed = util::read_file(path, &text) && !text.empty();
  std::string err;
  lock_fd_ = lock_nodes_conf(path, &err);
  if (lock_fd_ < 0) {
    LOG_WARNING("%s", err.c_str());
    return false;
  }
  if (existed) {
    err = parse_nodes_conf(text, st_);
    if (!err.empty()) {
      LOG_WARNING("Unrecoverable error: corrupted cluster config file \"%s\" (%s).", path.c_str(),
                  err.c_str());
      return false;
    }
    for (auto& [id, n] : st_.nodes) n->ctime_ms = util::unix_ms();
    LOG_NOTICE("Node configuration loaded, I'm %.40s", myself().id.c_str());
  } else {
    Node* me = create_node(random_node_id(), kMyself | kMaster);
    st_.myself = me;
    LOG_NOTICE("No cluster configuration found, I'm %.40s", me->id.c_str());
  }
  myself().port = announced_port();
  myself().cport = announced_cport();
  myself().hostname = s.cluster_announce_hostname;
  if (!s.cluster_announce_ip.empty()) myself().ip = s.cluster_announce_ip;
  if (!save_config()) return false;

  bus_ = std::make_unique<net::Server>(server_.loop(), this);
  int bus_port = s.cluster_port ? s.cluster_port : s.port + 10000;
  err = bus_->listen(s.bind, bus_port, s.tcp_backlog);
  if (!err.empty()) {
    LOG_WARNING("%s", err.c_str());
    return false;
  }
  if (myself().is_replica()) {
    if (Node* m = st_.master_of(myself()); m != nullptr && !m->ip.empty()) {
      bool already = false;
      server_.replication().set_master(m->ip, m->port, &already, "cluster");
    }
  }
  if (!verify_data()) return false;
  // Redis' clusterBeforeSleep: what the iteration changed is saved once before the loop sleeps.
  uv_prepare_init(server_.loop(), &prepare_);
  prepare_.data = this;
  uv_prepare_start(&prepare_, [](uv_prepare_t* h) { static_cast<Cluster*>(h->data)->before_sleep(); });
  started_ = true;
  update_state();
  return true;
}

// Redis' verifyClusterConfigWithData: keys only in DB 0, and a master claims unassigned slots that
// hold keys it loaded, and imports the ones another node owns.
bool Cluster::verify_data() {
  for (size_t i = 1; i < server_.databases().size(); ++i) {
    if (server_.db(static_cast<int>(i)).size() != 0) {
      LOG_WARNING("You can't have keys in a DB different than DB 0 when in Cluster mode. Exiting.");
      return false;
    }
  }
  const store::SlotIndex* idx = server_.db(0).slot_index();
  if (idx == nullptr || server_.db(0).size() == 0 || myself().is_replica()) return true;
  for (int s = 0; s < kSlots; ++s) {
    if (idx->count(s) == 0) continue;
    Node* owner = st_.owner[static_cast<size_t>(s)];
    if (owner == st_.myself || st_.importing_from[static_cast<size_t>(s)] != nullptr) continue;
    if (owner == nullptr) {
      LOG_WARNING("I have keys for unassigned slot %d. Taking responsibility for it.", s);
      st_.add_slot(st_.myself, s);
      todo_save();
    } else {
      LOG_WARNING(
          "I have keys for slot %d, but the slot is assigned to another node. Setting it to importing state.",
          s);
      st_.importing_from[static_cast<size_t>(s)] = owner;
      todo_save();
    }
  }
  before_sleep();
  return true;
}

void Cluster::stop() {
  if (!started_) return;
  started_ = false;
  before_sleep();
  uv_prepare_stop(&prepare_);
  uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), nullptr);
  for (auto& l : links_) l->close();
  if (bus_) {
    bus_->close_listeners();
    bus_->close_all();
  }
}

bool Cluster::save_config(bool fsync) {
  std::string path = config_path();
  // Opened by name each time, as Redis does: a file removed under us is created again.
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  std::string err = fd < 0 ? std::string(strerror(errno))
                           : write_nodes_conf(fd, render_nodes_conf(st_, util::unix_ms()), fsync);
  if (fd >= 0) close(fd);
  if (!err.empty()) {
    LOG_WARNING("Could not save the cluster config file %s: %s", path.c_str(), err.c_str());
    return false;
  }
  return true;
}

void Cluster::before_sleep() {
  if (st_.myself == nullptr) return;
  if (todo_state_) {
    todo_state_ = false;
    update_state();
    // Shard channels follow their slots: subscribers of a slot our shard lost are told and dropped.
    server_.pubsub().drop_shard_channels(
        [this](std::string_view channel) { return !shard_serves(key_hash_slot(channel)); });
  }
  if (todo_save_) {
    bool fsync = todo_fsync_;
    todo_save_ = false;
    todo_fsync_ = false;
    // Synced to disk only when asked (Redis' CLUSTER_TODO_FSYNC_CONFIG).
    save_config(fsync);
  }
}

bool Cluster::shard_serves(int slot) const {
  const Node* owner = st_.owner[static_cast<size_t>(slot)];
  if (owner == nullptr) return false;
  return owner == st_.myself || (st_.myself->is_replica() && st_.myself->master_id == owner->id);
}

void Cluster::update_state() {
  const Settings& s = server_.settings();
  int64_t now = util::mono_ms();
  if (first_state_eval_ms_ == 0) first_state_eval_ms_ = now;
  bool ok = true;
  if (s.cluster_require_full_coverage) {
    for (Node* owner : st_.owner)
      if (owner == nullptr || owner->has(kFail)) {
        ok = false;
        break;
      }
  }
  int size = 0, reachable = 0;
  for (auto& [id, n] : st_.nodes) {
    if (!n->is_master() || n->numslots == 0) continue;
    size++;
    if (!n->has(kFail | kPFail)) reachable++;
  }
  st_.size = size;
  if (reachable < size / 2 + 1) {
    ok = false;
    minority_since_ms_ = now;
  }
  // A master waits a little after start before accepting writes, so it can learn of a newer config.
  if (ok && !st_.ok && myself().is_master() && now - first_state_eval_ms_ < 2000) return;
  // Back from a minority partition: give the majority time to tell us our slots moved on.
  int64_t rejoin_delay = std::clamp<int64_t>(s.cluster_node_timeout, 500, 5000);
  if (ok && !st_.ok && myself().is_master() && minority_since_ms_ != 0 &&
      now - minority_since_ms_ < rejoin_delay)
    return;
  if (ok != st_.ok) LOG_NOTICE("Cluster state changed: %s", ok ? "ok" : "fail");
  st_.ok = ok;
}

Node* Cluster::create_node(const std::string& id, uint16_t flags) {
  auto n = std::make_unique<Node>();
  n->id = id;
  n->flags = flags;
  n->ctime_ms = util::unix_ms();
  Node* raw = n.get();
  st_.nodes[id] = std::move(n);
  return raw;
}

void Cluster::delete_node(Node* n) {
  if (n == nullptr || n == st_.myself) return;
  for (auto& [id, other] : st_.nodes) other->fail_reports.erase(n->id);
  st_.del_node_slots(n);
  st_.forget_open_slots(n);
  if (n->link) free_link(n->link);
  if (n->inbound_link) free_link(n->inbound_link);
  st_.nodes.erase(n->id);
  todo_save(false);
  todo_update_state();
}

void Cluster::rename_node(Node* n, const std::string& new_id) {
  auto it = st_.nodes.find(n->id);
  if (it == st_.nodes.end()) return;
  std::unique_ptr<Node> owned = std::move(it->second);
  st_.nodes.erase(it);
  owned->id = new_id;
  st_.nodes[new_id] = std::move(owned);
}

void Cluster::set_node_as_master(Node* n) {
  if (n->is_master()) return;
  n->flags &= static_cast<uint16_t>(~kSlave);
  n->flags |= kMaster;
  n->master_id.clear();
  todo_save(false);
  todo_update_state();
}

void Cluster::set_my_master(Node* master) {
  Node& me = myself();
  if (me.is_master()) {
    st_.del_node_slots(&me);
    st_.migrating_to.fill(nullptr);  // a replica has no open slots (Redis' clusterCloseAllSlots)
    st_.importing_from.fill(nullptr);
    me.flags &= static_cast<uint16_t>(~(kMaster | kMigrateTo));
    me.flags |= kSlave;
  }
  me.master_id = master->id;
  reset_manual_failover();
  bool already = false;
  std::string err = server_.replication().set_master(master->ip, master->port, &already, "cluster");
  if (!err.empty())
    LOG_WARNING("Cluster: could not follow %s:%d: %s", master->ip.c_str(), master->port, err.c_str());
  todo_save();
  todo_update_state();
}

bool Cluster::bump_config_epoch() {
  uint64_t max = st_.max_config_epoch();
  Node& me = myself();
  if (me.config_epoch != 0 && me.config_epoch == max) return false;
  st_.current_epoch++;
  me.config_epoch = st_.current_epoch;
  todo_save();
  LOG_NOTICE("New configEpoch set to %llu", static_cast<unsigned long long>(me.config_epoch));
  return true;
}

void Cluster::handle_epoch_collision(Node* sender) {
  Node& me = myself();
  if (sender->config_epoch != me.config_epoch || !sender->is_master() || !me.is_master()) return;
  // The node with the smaller id takes a new epoch.
  if (sender->id <= me.id) return;
  st_.current_epoch++;
  me.config_epoch = st_.current_epoch;
  save_config();
  LOG_VERBOSE("WARNING: configEpoch collision with node %.40s. configEpoch set to %llu", sender->id.c_str(),
              static_cast<unsigned long long>(me.config_epoch));
}

void Cluster::update_slots_with(Node* sender, uint64_t epoch, const SlotBitmap& slots) {
  Node* me = st_.myself;
  if (sender == me) return;
  Node* curmaster = me->is_master() ? me : st_.master_of(*me);
  Node* new_master = nullptr;
  int migrated_our_slots = 0;
  std::vector<int> dirty;
  for (int s = 0; s < kSlots; ++s) {
    if (!slot_test(slots, s)) continue;
    Node* owner = st_.owner[static_cast<size_t>(s)];
    if (owner == sender) continue;
    // A slot we import is closed by SETSLOT NODE, not by gossip.
    if (st_.importing_from[static_cast<size_t>(s)] != nullptr) continue;
    if (owner == nullptr || owner->config_epoch < epoch) {
      const store::SlotIndex* idx = server_.db(0).slot_index();
      if (owner == me && idx && idx->count(s) > 0) dirty.push_back(s);
      if (owner != nullptr && owner == curmaster) {
        new_master = sender;
        migrated_our_slots++;
      }
      st_.del_slot(s);
      st_.add_slot(sender, s);
      todo_save();
      todo_update_state();
    }
  }
  if (new_master && curmaster && curmaster->numslots == 0 &&
      (server_.settings().cluster_allow_replica_migration || sender->numslots == migrated_our_slots)) {
    LOG_NOTICE("Configuration change detected. Reconfiguring myself as a replica of %.40s",
               sender->id.c_str());
    set_my_master(sender);
  } else if (!dirty.empty()) {
    // Keys in slots we lost but still hold are deleted (the new owner has the authority).
    store::Database& db = server_.db(0);
    for (int s : dirty) {
      std::vector<std::string> keys;
      for (std::string_view k : db.slot_index()->keys(s, SIZE_MAX)) keys.emplace_back(k);
      for (const std::string& k : keys) {
        db.erase(k);
        std::vector<std::string_view> del = {"DEL", k};
        server_.propagate(0, del);
      }
    }
  }
}

void Cluster::reset(bool hard) {
  Node& me = myself();
  if (me.is_replica()) {
    me.flags &= static_cast<uint16_t>(~kSlave);
    me.flags |= kMaster;
    me.master_id.clear();
    server_.replication().unset_master("cluster reset");
    server_.touch_all(-1);
    for (auto& db : server_.databases()) db.clear();
  }
  for (int s = 0; s < kSlots; ++s) st_.del_slot(s);
  st_.migrating_to.fill(nullptr);
  st_.importing_from.fill(nullptr);
  std::vector<Node*> others;
  for (auto& [id, n] : st_.nodes)
    if (n.get() != st_.myself) others.push_back(n.get());
  for (Node* n : others) delete_node(n);
  if (hard) {
    st_.current_epoch = 0;
    st_.last_vote_epoch = 0;
    me.config_epoch = 0;
    std::string old = me.id;
    rename_node(&me, random_node_id());
    LOG_NOTICE("Node hard reset, now I'm %.40s", me.id.c_str());
  }
  todo_save();
  todo_update_state();
}

bool Cluster::blacklisted(const std::string& id) {
  int64_t now = util::unix_ms();
  std::erase_if(st_.blacklist, [now](const auto& kv) { return kv.second < now; });
  return st_.blacklist.count(id) > 0;
}

void Cluster::blacklist_add(const std::string& id) { st_.blacklist[id] = util::unix_ms() + 60000; }

bool Cluster::start_handshake(const std::string& ip, int port, int cport) {
  unsigned char buf[sizeof(in6_addr)];
  char norm[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) {
    inet_ntop(AF_INET, buf, norm, sizeof norm);
  } else if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) {
    inet_ntop(AF_INET6, buf, norm, sizeof norm);
  } else {
    return false;
  }
  if (port <= 0 || port > 65535 || cport <= 0 || cport > 65535) return false;
  for (auto& [id, n] : st_.nodes)
    if (n->has(kHandshake) && n->ip == norm && n->port == port && n->cport == cport) return true;
  Node* n = create_node(random_node_id(), kHandshake | kMeet);
  n->ip = norm;
  n->port = port;
  n->cport = cport;
  return true;
}

std::string Cluster::endpoint(const Node& n) const {
  const std::string& type = server_.settings().cluster_preferred_endpoint_type;
  if (type == "hostname") return n.hostname.empty() ? "?" : n.hostname;
  if (type == "unknown-endpoint") return "";
  return n.ip;
}

}  // namespace datanode
