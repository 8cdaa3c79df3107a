// Is it down? SDOWN from our own PINGs, ODOWN when enough peers agree (asked with SENTINEL
// is-master-down-by-addr every second while SDOWN), and the answer we give peers, which doubles as our
// vote in their leader election (the rules live in sentinel/failover/election.h).
#include <hiredis/hiredis.h>

#include <cstdlib>
#include <vector>

#include "common/util/clock.h"
#include "sentinel/monitor/monitor.h"

namespace sentinel {

void Monitor::check_sdown(Instance& ri, int64_t now) {
  int64_t elapsed = 0;
  bool cc_active = ri.cc != nullptr && ri.cc->active();
  if (ri.act_ping_time != 0) elapsed = now - ri.act_ping_time;
  else if (!cc_active || !ri.cc->connected()) elapsed = now - ri.last_avail_time;
  const int64_t down_after = ri.down_after_period();
  // A connected link that stopped answering is recycled: the peer may be fine and the socket stuck.
  if (cc_active && ri.cc->connected() && now - ri.cc->connected_since_ms() >= kMinLinkReconnectPeriod &&
      ri.act_ping_time != 0 && now - ri.act_ping_time > down_after / 2 && now - ri.last_pong_time > down_after / 2)
    ri.cc->drop();
  if (ri.pc != nullptr && ri.pc->connected() && now - ri.pc->connected_since_ms() >= kMinLinkReconnectPeriod &&
      now - ri.pc_last_activity > kPublishPeriod * 3)
    ri.pc->drop();
  bool down = elapsed > down_after;
  // A master that says it is a replica for too long is as good as down.
  if (ri.is(kMaster) && ri.role_reported == kReplica && now - ri.role_reported_time > down_after + kInfoPeriod * 2)
    down = true;
  if (down) {
    if (!ri.is(kSDown)) {
      st_.events.emit(logx::Level::kWarning, "+sdown", &ri);
      ri.s_down_since = now;
      ri.flags |= kSDown;
    }
  } else if (ri.is(kSDown)) {
    st_.events.emit(logx::Level::kWarning, "-sdown", &ri);
    ri.flags &= ~(kSDown | kScriptKillPending);
  }
}

void Monitor::check_odown(Instance& m, int64_t now) {
  int quorum = 0;
  bool odown = false;
  if (m.is(kSDown)) {
    quorum = 1;
    for (auto& [k, s] : m.sentinels)
      if (s->is(kMasterDown)) ++quorum;
    odown = quorum >= m.quorum;
  }
  if (odown) {
    if (!m.is(kODown)) {
      st_.events.emit(logx::Level::kWarning, "+odown", &m,
                      "#quorum " + std::to_string(quorum) + "/" + std::to_string(m.quorum));
      m.flags |= kODown;
      m.o_down_since = now;
    }
  } else if (m.is(kODown)) {
    st_.events.emit(logx::Level::kWarning, "-odown", &m);
    m.flags &= ~kODown;
  }
}

void Monitor::ask_master_state(Instance& m, int64_t now, bool forced) {
  for (auto& [k, sp] : m.sentinels) {
    Instance& s = *sp;
    if (now - s.last_master_down_reply_time > kAskPeriod * 5) {
      s.flags &= ~kMasterDown;
      s.leader.clear();
    }
    if (!m.is(kSDown)) continue;
    if (s.cc == nullptr || !s.cc->active()) continue;
    if (!forced && now - s.last_master_down_reply_time < kAskPeriod) continue;
    if (s.cc->pending_commands() >= kMaxPendingCommands) continue;
    Instance* sp2 = &s;
    std::string runid = machine(m).asking_for_votes() ? st_.myid : "*";
    s.cc->command({"SENTINEL", "is-master-down-by-addr", m.addr.ip, std::to_string(m.addr.port),
                   std::to_string(st_.current_epoch), runid},
                  [sp2](redisReply* r) {
                    if (r == nullptr || sp2->dead) return;
                    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) return;
                    redisReply *down = r->element[0], *leader = r->element[1], *epoch = r->element[2];
                    if (down->type != REDIS_REPLY_INTEGER || leader->type != REDIS_REPLY_STRING ||
                        epoch->type != REDIS_REPLY_INTEGER)
                      return;
                    sp2->last_master_down_reply_time = util::mono_ms();
                    if (down->integer == 1) sp2->flags |= kMasterDown;
                    else sp2->flags &= ~kMasterDown;
                    std::string_view l(leader->str, leader->len);
                    if (l != "*") {
                      sp2->leader = std::string(l);
                      sp2->leader_epoch = static_cast<uint64_t>(epoch->integer);
                    }
                  });
  }
}

MasterDownReply Monitor::is_master_down_by_addr(std::string_view ip, int port, uint64_t epoch, std::string_view runid) {
  MasterDownReply reply;
  Instance* m = st_.find_master_by_addr(ip, port);
  if (m == nullptr) return reply;
  reply.down = !st_.tilt && m->is(kSDown);
  if (runid != "*") {
    uint64_t le = 0;
    std::string leader = vote_for(*m, epoch, runid, &le);
    reply.leader = leader.empty() ? "*" : leader;
    reply.leader_epoch = leader.empty() ? 0 : le;
  }
  return reply;
}

}  // namespace sentinel
