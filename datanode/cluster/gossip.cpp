// What a bus message means (Redis' clusterProcessPacket, 7.0): epochs from every known sender,
// PING/MEET answered with PONG, handshakes finished by the first PONG, roles and slot claims adopted
// by configEpoch, UPDATE sent to a node with a stale claim, gossip adding unknown nodes and carrying
// failure reports, FAIL and UPDATE; failover messages are handed to failover.cpp / manual_failover.cpp.
#include "common/log/log.h"
#include "common/util/clock.h"
#include "datanode/cluster/cluster.h"
#include "datanode/cluster/link.h"
#include "datanode/server/pubsub.h"

namespace datanode {

using namespace cluster;

namespace {

void process_gossip(Cluster& cl, Node* sender, const Message& m, int64_t now) {
  State& st = cl.state();
  for (const GossipEntry& g : m.gossip) {
    if (g.id.size() != kIdLen) continue;
    Node* n = st.find(g.id);
    if (n != nullptr) {
      if (sender && sender->is_master() && n != st.myself) {
        if (g.flags & (kFail | kPFail)) {
          if (n->fail_reports.insert_or_assign(sender->id, now).second)
            LOG_VERBOSE("Node %.40s reported node %.40s as not reachable.", sender->id.c_str(),
                        n->id.c_str());
          cl.mark_failing_if_needed(n);
        } else if (n->fail_reports.erase(sender->id) > 0) {
          LOG_VERBOSE("Node %.40s reported node %.40s is back online.", sender->id.c_str(), n->id.c_str());
        }
      }
      // Adopt a fresher pong time learnt from others, when we are not waiting on our own ping.
      if (!(g.flags & (kFail | kPFail)) && n->ping_sent_ms == 0 && n->fail_reports.empty()) {
        int64_t pong = static_cast<int64_t>(g.pong_received) * 1000;
        if (pong <= now + 500 && pong > n->pong_received_ms) n->pong_received_ms = pong;
      }
      // A node we think is failing may have moved: take the address others see.
      if (n->has(kFail | kPFail) && !(g.flags & kNoAddr) && n != st.myself &&
          (n->ip != g.ip || n->port != g.port || n->cport != g.cport)) {
        if (n->link) cl.free_link(n->link);
        n->ip = g.ip;
        n->port = g.port;
        n->cport = g.cport;
        n->pport = g.pport;
        n->flags &= static_cast<uint16_t>(~kNoAddr);
      }
    } else if (sender && !(g.flags & kNoAddr) && !cl.blacklisted(g.id)) {
      Node* added = cl.create_node(g.id, static_cast<uint16_t>(g.flags & ~kMyself));
      added->ip = g.ip;
      added->port = g.port;
      added->cport = g.cport;
      added->pport = g.pport;
      cl.todo_save(false);
    }
  }
}

}  // namespace

bool Cluster::process_message(Link* link, const Message& m) {
  int64_t now = util::unix_ms();
  if (m.type < cluster::Stats::kTypes) st_.stats.received[m.type]++;
  if (m.type > kMsgPublishShard) {
    LOG_VERBOSE("Received unknown packet type: %d", m.type);
    return true;
  }
  Node* sender = st_.find(m.sender);
  if (sender && sender->has(kHandshake)) sender = nullptr;
  if (sender) sender->data_received_ms = now;
  if (sender) {
    if (m.current_epoch > st_.current_epoch) {
      st_.current_epoch = m.current_epoch;
      todo_save(false);  // Redis does not even save here; what depends on it (votes) syncs itself
    }
    if (m.config_epoch > sender->config_epoch) {
      sender->config_epoch = m.config_epoch;
      todo_save();
    }
    sender->repl_offset = static_cast<int64_t>(m.offset);
    note_master_offset(sender, m);
  }

  bool ping_like = m.type == kMsgPing || m.type == kMsgMeet;
  if (ping_like) {
    // The first MEET teaches us our own address as the peer sees it.
    if ((m.type == kMsgMeet || myself().ip.empty()) && server_.settings().cluster_announce_ip.empty()) {
      std::string ip = link->local_ip();
      if (!ip.empty() && ip != myself().ip) {
        myself().ip = ip;
        LOG_NOTICE("IP address for this node updated to %s", ip.c_str());
        todo_save(false);
      }
    }
    if (!sender && m.type == kMsgMeet) {
      Node* n = create_node(random_node_id(), kHandshake);
      n->ip = m.myip.empty() ? link->peer_ip() : m.myip;
      n->port = m.port;
      n->pport = m.pport;
      n->cport = m.cport;
      process_gossip(*this, nullptr, m, now);
      todo_save(false);
    }
    if (sender && link->inbound() && link->node == nullptr) {
      if (sender->inbound_link && sender->inbound_link != link) free_link(sender->inbound_link);
      sender->inbound_link = link;
      link->node = sender;
    }
    send_ping(link, kMsgPong);
  }

  if (ping_like || m.type == kMsgPong) {
    if (!link->inbound() && link->node) {
      if (link->node->has(kHandshake)) {
        if (sender) {
          // We already know this node by its real id: the handshake entry was a duplicate.
          delete_node(link->node);
          return false;
        }
        LOG_VERBOSE("Handshake with node %.40s completed.", m.sender.c_str());
        rename_node(link->node, m.sender);
        link->node->flags &= static_cast<uint16_t>(~kHandshake);
        link->node->flags |= m.flags & (kMaster | kSlave);
        todo_save(false);
        sender = link->node;  // the header is now about a known node
      } else if (link->node->id != m.sender) {
        LOG_VERBOSE("PONG contains mismatching sender ID. About node %.40s added %d ms ago, having flags %d",
                    link->node->id.c_str(), static_cast<int>(now - link->node->ctime_ms), link->node->flags);
        link->node->flags |= kNoAddr;
        link->node->ip.clear();
        link->node->port = link->node->cport = 0;
        free_link(link);
        todo_save(false);
        return false;
      }
    }
    if (sender) {
      sender->flags = static_cast<uint16_t>((sender->flags & ~kNoFailover) | (m.flags & kNoFailover));
      // A PING on a link the sender opened tells where it is now (Redis' nodeUpdateAddressIfNeeded).
      if (m.type == kMsgPing && link != sender->link) {
        std::string ip = m.myip.empty() ? link->peer_ip() : m.myip;
        if (sender->ip != ip || sender->port != m.port || sender->cport != m.cport) {
          if (sender->link) free_link(sender->link);
          sender->ip = ip;
          sender->port = m.port;
          sender->cport = m.cport;
          sender->pport = m.pport;
          sender->flags &= static_cast<uint16_t>(~kNoAddr);
          todo_save(false);
        }
      }
    }
    if (!link->inbound() && link->node && m.type == kMsgPong) {
      Node* n = link->node;
      n->pong_received_ms = now;
      n->ping_sent_ms = 0;
      if (n->has(kPFail)) {
        n->flags &= static_cast<uint16_t>(~kPFail);
        todo_update_state();
      } else if (n->has(kFail)) {
        clear_failure_if_needed(n, now);
      }
    }
    if (sender) {
      if (m.slaveof.empty()) {
        set_node_as_master(sender);
      } else {
        if (sender->is_master()) {
          st_.del_node_slots(sender);
          sender->flags &= static_cast<uint16_t>(~(kMaster | kMigrateTo));
          sender->flags |= kSlave;
          todo_save(false);
          todo_update_state();
        }
        if (sender->master_id != m.slaveof) {
          sender->master_id = m.slaveof;
          todo_save(false);
        }
      }
      Node* sender_master = sender->is_master() ? sender : st_.master_of(*sender);
      bool dirty_slots = sender_master && sender_master->slots != m.myslots;
      if (sender->is_master() && dirty_slots) update_slots_with(sender, m.config_epoch, m.myslots);
      // The sender claims slots a newer configuration gave to someone else: tell it.
      if (dirty_slots) {
        for (int s = 0; s < kSlots; ++s) {
          if (!slot_test(m.myslots, s)) continue;
          Node* owner = st_.owner[static_cast<size_t>(s)];
          if (owner == sender || owner == nullptr) continue;
          if (owner->config_epoch > m.config_epoch) {
            LOG_VERBOSE("Node %.40s has old slots configuration, sending an UPDATE message about %.40s",
                        sender->id.c_str(), owner->id.c_str());
            Message up = header(kMsgUpdate);
            up.about = owner->id;
            up.update_epoch = owner->config_epoch;
            up.update_slots = owner->slots;
            send(link, up);
            break;
          }
        }
      }
      if (myself().is_master() && sender->is_master() && m.config_epoch == myself().config_epoch)
        handle_epoch_collision(sender);
      process_gossip(*this, sender, m, now);
      if (m.mflags & kMFlagExtData) sender->hostname = m.hostname;
    }
  } else if (m.type == kMsgFail) {
    if (sender) {
      Node* failing = st_.find(m.about);
      if (failing && !failing->has(kFail | kMyself)) {
        LOG_NOTICE("FAIL message received from %.40s about %.40s", m.sender.c_str(), m.about.c_str());
        failing->flags |= kFail;
        failing->fail_time_ms = now;
        failing->flags &= static_cast<uint16_t>(~kPFail);
        todo_save(false);
        todo_update_state();
      }
    }
  } else if (m.type == kMsgUpdate) {
    if (!sender) return true;
    Node* n = st_.find(m.about);
    if (n == nullptr || n->config_epoch >= m.update_epoch) return true;
    if (n->is_replica()) set_node_as_master(n);
    n->config_epoch = m.update_epoch;
    todo_save();
    update_slots_with(n, m.update_epoch, m.update_slots);
  } else if (m.type == kMsgPublish) {
    if (sender) server_.pubsub().publish(m.channel, m.payload);
  } else if (m.type == kMsgPublishShard) {
    if (sender) server_.pubsub().spublish(m.channel, m.payload);
  } else if (m.type == kMsgAuthRequest) {
    if (sender) handle_auth_request(sender, m);
  } else if (m.type == kMsgAuthAck) {
    if (sender) handle_auth_ack(sender, m);
  } else if (m.type == kMsgMfStart) {
    handle_mfstart(link, sender);
  }
  return !link->dead();
}

}  // namespace datanode
