// CLUSTER SETSLOT: opening a slot for a move (MIGRATING on the source, IMPORTING on the target), closing
// it (STABLE) and handing it over (NODE). Taking a slot we were importing bumps our configEpoch without
// agreement, so our claim wins when it travels by gossip (Redis' clusterBumpConfigEpochWithoutConsensus).
#include "common/log/log.h"
#include "common/util/strings.h"
#include "datanode/commands/cluster_migration.h"

namespace datanode {

using namespace cluster;

void cluster_setslot(Context& ctx, Cluster& cl) {
  State& st = cl.state();
  Node& me = cl.myself();
  if (me.is_replica()) return ctx.out.error("ERR Please use SETSLOT only with masters.");
  auto parsed = util::parse_int(ctx.arg(2));
  if (!parsed || *parsed < 0 || *parsed >= kSlots) return ctx.out.error("ERR Invalid or out of range slot");
  int slot = static_cast<int>(*parsed);
  auto s = static_cast<size_t>(slot);
  std::string action = util::to_lower(ctx.arg(3));
  size_t argc = ctx.argc();
  std::string id = argc == 5 ? std::string(ctx.arg(4)) : std::string();
  const store::SlotIndex* idx = ctx.server.db(0).slot_index();
  size_t keys_here = idx ? idx->count(slot) : 0;

  if ((action == "migrating" || action == "importing") && argc == 5) {
    bool migrating = action == "migrating";
    if (migrating && st.owner[s] != &me)
      return ctx.out.error("ERR I'm not the owner of hash slot " + std::to_string(slot));
    if (!migrating && st.owner[s] == &me)
      return ctx.out.error("ERR I'm already the owner of hash slot " + std::to_string(slot));
    Node* n = st.find(id);
    if (n == nullptr) return ctx.out.error("ERR I don't know about node " + id);
    if (n->is_replica()) return ctx.out.error("ERR Target node is not a master");
    (migrating ? st.migrating_to : st.importing_from)[s] = n;
  } else if (action == "stable" && argc == 4) {
    st.importing_from[s] = nullptr;
    st.migrating_to[s] = nullptr;
  } else if (action == "node" && argc == 5) {
    Node* n = st.find(id);
    if (n == nullptr) return ctx.out.error("ERR Unknown node " + id);
    if (n->is_replica()) return ctx.out.error("ERR Target node is not a master");
    bool was_mine = st.owner[s] == &me;
    if (was_mine && n != &me && keys_here != 0) {
      return ctx.out.error("ERR Can't assign hashslot " + std::to_string(slot) +
                           " to a different node while I still hold keys for this hash slot.");
    }
    if (keys_here == 0) st.migrating_to[s] = nullptr;
    st.del_slot(slot);
    st.add_slot(n, slot);
    if (was_mine && n != &me && me.numslots == 0 && ctx.server.settings().cluster_allow_replica_migration) {
      LOG_WARNING("Configuration change detected. Reconfiguring myself as a replica of %.40s", n->id.c_str());
      cl.set_my_master(n);
    }
    if (n == &me && st.importing_from[s] != nullptr) {
      if (cl.bump_config_epoch()) LOG_WARNING("configEpoch updated after importing slot %d", slot);
      st.importing_from[s] = nullptr;
      // The other nodes learn of the move at once rather than at the next ping round.
      cl.broadcast_pong();
    }
  } else {
    return ctx.out.error("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
  }
  // As Redis: saved before the reply leaves, not synced (an epoch bump above asked for its own fsync).
  cl.todo_save(false);
  cl.todo_update_state();
  ctx.out.simple("OK");
}

}  // namespace datanode
