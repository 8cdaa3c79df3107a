// Names and texts of the failover: state names, event messages, and the REPLICAOF transaction.
#include <string>

#include "sentinel/failover/failover.h"

namespace sentinel::failover {

const char* state_name(State s) {
  switch (s) {
    case State::kNone: return "none";
    case State::kWaitStart: return "wait_start";
    case State::kSelectSlave: return "select_slave";
    case State::kSendSlaveofNoone: return "send_slaveof_noone";
    case State::kWaitPromotion: return "wait_promotion";
    case State::kReconfSlaves: return "reconf_slaves";
    case State::kUpdateConfig: return "update_config";
  }
  return "unknown";
}

std::string format_event_message(const Event& e, const MasterView& m) {
  switch (e.about) {
    case Event::About::kMaster: return "master " + m.name + " " + m.ip + " " + std::to_string(m.port);
    case Event::About::kReplica: {
      const std::string port = std::to_string(e.replica.port);
      return "slave " + e.replica.ip + ":" + port + " " + e.replica.ip + " " + port + " @ " + m.name + " " +
             m.ip + " " + std::to_string(m.port);
    }
    case Event::About::kText: return e.text;
  }
  return e.text;
}

std::vector<std::vector<std::string>> replicaof_transaction(const std::optional<Addr>& new_master) {
  // SLAVEOF, as Redis Sentinel sends it: the ACL user Redis documents for a sentinel has +slaveof only.
  std::vector<std::string> replicaof = {"SLAVEOF", "NO", "ONE"};
  if (new_master) replicaof = {"SLAVEOF", new_master->ip, std::to_string(new_master->port)};
  return {{"MULTI"},
          std::move(replicaof),
          {"CONFIG", "REWRITE"},
          {"CLIENT", "KILL", "TYPE", "normal"},
          {"CLIENT", "KILL", "TYPE", "pubsub"},
          {"EXEC"}};
}

Event master_event(std::string_view type, bool warning) {
  Event e;
  e.type = type;
  e.warning = warning;
  e.about = Event::About::kMaster;
  return e;
}

Event replica_event(std::string_view type, const ReplicaView& r, bool warning) {
  Event e;
  e.type = type;
  e.warning = warning;
  e.about = Event::About::kReplica;
  e.replica = Addr{r.ip, r.port};
  return e;
}

Event text_event(std::string_view type, std::string text, bool warning) {
  Event e;
  e.type = type;
  e.warning = warning;
  e.about = Event::About::kText;
  e.text = std::move(text);
  return e;
}

}  // namespace sentinel::failover
