#include "sentinel/model/instance.h"

namespace sentinel {

const char* failover_state_name(FailoverState s) {
  switch (s) {
    case FailoverState::kNone: return "none";
    case FailoverState::kWaitStart: return "wait_start";
    case FailoverState::kSelectSlave: return "select_slave";
    case FailoverState::kSendSlaveofNoone: return "send_slaveof_noone";
    case FailoverState::kWaitPromotion: return "wait_promotion";
    case FailoverState::kReconfSlaves: return "reconf_slaves";
    case FailoverState::kUpdateConfig: return "update_config";
  }
  return "unknown";
}

const char* instance_type(const Instance& ri) {
  if (ri.is(kMaster)) return "master";
  if (ri.is(kReplica)) return "slave";
  if (ri.is(kSentinel)) return "sentinel";
  return "unknown";
}

std::string flags_text(const Instance& ri) {
  std::string f;
  auto add = [&f](const char* s) { f += f.empty() ? s : std::string(",") + s; };
  if (ri.is(kSDown)) add("s_down");
  if (ri.is(kODown)) add("o_down");
  if (ri.is(kMaster)) add("master");
  if (ri.is(kReplica)) add("slave");
  if (ri.is(kSentinel)) add("sentinel");
  if (ri.cc == nullptr || !ri.cc->active() || (!ri.is(kSentinel) && (ri.pc == nullptr || !ri.pc->active())))
    add("disconnected");
  if (ri.is(kMasterDown)) add("master_down");
  if (ri.is(kFailoverInProgress)) add("failover_in_progress");
  if (ri.is(kPromoted)) add("promoted");
  if (ri.is(kReconfSent)) add("reconf_sent");
  if (ri.is(kReconfInprog)) add("reconf_inprog");
  if (ri.is(kReconfDone)) add("reconf_done");
  if (ri.is(kForceFailover)) add("force_failover");
  return f;
}

}  // namespace sentinel
