// Where a keyed command may run (Redis' getNodeByQuery, 7.0): every key in one slot (else CROSSSLOT),
// the slot served (else CLUSTERDOWN), the cluster up (or reads allowed when down), and the slot ours
// (or a READONLY read on a replica of its owner) — otherwise MOVED to the owner. During a move the
// source serves the keys it still has and sends the others to the target with ASK; the target serves
// ASKING clients (and RESTORE-ASKING); a multi-key command split between the two gets TRYAGAIN.
#include "common/util/strings.h"
#include "datanode/cluster/cluster.h"
#include "datanode/cluster/keys.h"

namespace datanode {

using namespace cluster;

std::string Cluster::route(const Client& c, const CommandSpec& cmd, const Args& args) {
  int slot = -1;
  bool is_write = false;
  bool has_keys = false, multiple_keys = false, open_slot = false;
  int missing = 0, existing = 0;
  std::string first_key;
  std::string error;
  const auto& table = server_.db(0).keys_table();
  // One command's keys; returns false when routing already failed.
  auto visit = [&](const CommandSpec& spec, const std::vector<std::string_view>& argv) {
    std::vector<size_t> keys = command_key_positions(spec, argv);
    if (keys.empty()) return true;
    is_write = is_write || spec.has(command::kWrite);
    for (size_t pos : keys) {
      int s = key_hash_slot(argv[pos]);
      if (!has_keys) {
        has_keys = true;
        slot = s;
        first_key = argv[pos];
        Node* owner = st_.owner[static_cast<size_t>(s)];
        if (owner == nullptr) {
          error = "CLUSTERDOWN Hash slot not served";
          return false;
        }
        open_slot = (owner == st_.myself && st_.migrating_to[static_cast<size_t>(s)] != nullptr) ||
                    st_.importing_from[static_cast<size_t>(s)] != nullptr;
      } else if (argv[pos] != first_key) {
        if (s != slot) {
          error = "CROSSSLOT Keys in request don't hash to the same slot";
          return false;
        }
        multiple_keys = true;
      }
      // Presence is what decides during a move: expired-but-present keys count as present, as in Redis.
      if (open_slot) (table.lookup(argv[pos]) != nullptr ? existing : missing)++;
    }
    return true;
  };
  if (cmd.name == "exec") {
    if (!c.has(kClientMulti)) return "";
    for (const QueuedCommand& q : c.multi_queue) {
      const CommandSpec* spec = server_.commands().find(q.args[0]);
      if (spec == nullptr) continue;
      std::vector<std::string_view> argv(q.args.begin(), q.args.end());
      if (!visit(*spec, argv)) return error;
    }
  } else if (!visit(cmd, args)) {
    return error;
  }
  if (!has_keys) return "";
  // Shard channels are served by every node of the shard, replicas without READONLY too (Redis 7.0).
  bool shard_pubsub = cmd.name == "ssubscribe" || cmd.name == "sunsubscribe" || cmd.name == "spublish";
  if (!st_.ok) {
    if (shard_pubsub) {
      if (!server_.settings().cluster_allow_pubsubshard_when_down) return "CLUSTERDOWN The cluster is down";
    } else if (!server_.settings().cluster_allow_reads_when_down) {
      return "CLUSTERDOWN The cluster is down";
    } else if (is_write) {
      return "CLUSTERDOWN The cluster is down and only accepts read commands";
    }
  }
  auto s = static_cast<size_t>(slot);
  Node* owner = st_.owner[s];
  bool migrating = owner == st_.myself && st_.migrating_to[s] != nullptr;
  bool importing = !migrating && st_.importing_from[s] != nullptr;
  // MIGRATE moves keys freely while the slot is open.
  if ((migrating || importing) && cmd.name == "migrate") return "";
  if (migrating && missing > 0) {
    if (existing > 0) return "TRYAGAIN Multiple keys request during rehashing of slot";
    Node* to = st_.migrating_to[s];
    return "ASK " + std::to_string(slot) + " " + endpoint(*to) + ":" + std::to_string(to->port);
  }
  if (importing && (c.has(kClientAsking) || cmd.name == "restore-asking")) {
    if (multiple_keys && missing > 0) return "TRYAGAIN Multiple keys request during rehashing of slot";
    return "";
  }
  if (owner == st_.myself) return "";
  if ((c.has(kClientReadOnly) || shard_pubsub) && !is_write && myself().is_replica() &&
      myself().master_id == owner->id)
    return "";
  return "MOVED " + std::to_string(slot) + " " + endpoint(*owner) + ":" + std::to_string(owner->port);
}

}  // namespace datanode
