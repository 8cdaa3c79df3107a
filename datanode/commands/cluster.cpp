// CLUSTER subcommands, ASKING, READONLY, READWRITE (Redis 7.0 texts). The work is in datanode/cluster/;
// this file parses arguments and writes replies.
#include "datanode/cluster/cluster.h"

#include <cstring>

#include "common/command/help.h"
#include "common/util/clock.h"
#include "datanode/cluster/link.h"
#include "datanode/cluster/nodes_conf.h"
#include "datanode/commands/cluster_migration.h"
#include "datanode/commands/cluster_replies.h"
#include "datanode/commands/families.h"
#include "datanode/replication/replication.h"

namespace datanode {

using namespace cluster;
using command::kAdmin;
using command::kFast;
using command::kLoading;
using command::kStale;
using command::kSubcommands;

namespace {

constexpr const char* kDisabled = "ERR This instance has cluster support disabled";

// Slot argument, or -1 with "Invalid or out of range slot" sent.
int slot_arg(Context& ctx, std::string_view a) {
  auto v = util::parse_int(a);
  if (!v || *v < 0 || *v >= kSlots) {
    ctx.out.error("ERR Invalid or out of range slot");
    return -1;
  }
  return static_cast<int>(*v);
}

// Redis' addReplySubcommandSyntaxError, for a known subcommand with extra arguments.
void subcommand_syntax_error(Context& ctx) {
  ctx.out.error("ERR unknown subcommand or wrong number of arguments for '" +
                std::string(ctx.arg(1).substr(0, 128)) + "'. Try CLUSTER HELP.");
}

// ADDSLOTS/DELSLOTS and their RANGE forms share the checks: all parsed, none busy (or all assigned),
// none twice; then applied.
void change_slots(Context& ctx, Cluster& cl, bool del, bool ranges) {
  State& st = cl.state();
  if (ranges && ctx.argc() % 2 == 1) {
    ctx.out.error(command::wrong_sub_arity_error("cluster", ctx.arg(1)));
    return;
  }
  std::vector<std::pair<int, int>> spans;
  size_t step = ranges ? 2 : 1;
  for (size_t i = 2; i < ctx.argc(); i += step) {
    int a = slot_arg(ctx, ctx.arg(i));
    if (a < 0) return;
    int z = a;
    if (ranges) {
      z = slot_arg(ctx, ctx.arg(i + 1));
      if (z < 0) return;
      if (a > z) {
        ctx.out.error("ERR start slot number " + std::to_string(a) + " is greater than end slot number " +
                      std::to_string(z));
        return;
      }
    }
    spans.emplace_back(a, z);
  }
  std::vector<uint8_t> seen(kSlots, 0);
  for (auto [a, z] : spans) {
    for (int s = a; s <= z; ++s) {
      Node* owner = st.owner[static_cast<size_t>(s)];
      if (del && owner == nullptr) {
        ctx.out.error("ERR Slot " + std::to_string(s) + " is already unassigned");
        return;
      }
      if (!del && owner != nullptr) {
        ctx.out.error("ERR Slot " + std::to_string(s) + " is already busy");
        return;
      }
      if (seen[static_cast<size_t>(s)]++ == 1) {
        ctx.out.error("ERR Slot " + std::to_string(s) + " specified multiple times");
        return;
      }
    }
  }
  for (int s = 0; s < kSlots; ++s) {
    if (!seen[static_cast<size_t>(s)]) continue;
    if (del)
      st.del_slot(s);
    else
      st.add_slot(st.myself, s);
  }
  cl.todo_save(false);
  cl.todo_update_state();
  ctx.out.simple("OK");
}

struct Sub {
  const char* name;
  int arity;
};
constexpr Sub kSubs[] = {
    {"addslots", -3},
    {"addslotsrange", -4},
    {"bumpepoch", 2},
    {"count-failure-reports", 3},
    {"countkeysinslot", 3},
    {"delslots", -3},
    {"delslotsrange", -4},
    {"failover", -2},
    {"flushslots", 2},
    {"forget", 3},
    {"getkeysinslot", 4},
    {"info", 2},
    {"keyslot", 3},
    {"links", 2},
    {"meet", -4},
    {"myid", 2},
    {"nodes", 2},
    {"replicas", 3},
    {"replicate", 3},
    {"reset", -2},
    {"saveconfig", 2},
    {"set-config-epoch", 3},
    {"setslot", -4},
    {"shards", 2},
    {"slaves", 3},
    {"slots", 2},
    {"help", 2},
};

void cmd_cluster(Context& ctx) {
  std::string sub = util::to_lower(ctx.arg(1));
  const Sub* spec = nullptr;
  for (const Sub& s : kSubs)
    if (sub == s.name) spec = &s;
  if (spec == nullptr) {
    ctx.out.error(command::unknown_subcommand_error(ctx.arg(1), "cluster"));
    return;
  }
  size_t argc = ctx.argc();
  if (spec->arity > 0 ? argc != static_cast<size_t>(spec->arity) : argc < static_cast<size_t>(-spec->arity)) {
    ctx.out.error(command::wrong_sub_arity_error("cluster", ctx.arg(1)));
    return;
  }
  Cluster* clp = ctx.server.cluster();
  if (clp == nullptr) {
    ctx.out.error(kDisabled);
    return;
  }
  Cluster& cl = *clp;
  State& st = cl.state();
  Node& me = cl.myself();
  store::Database& db0 = ctx.server.db(0);

  if (sub == "help") {
    command::reply_help(
        ctx.out, "cluster",
        {"ADDSLOTS <slot> [<slot> ...]",
         "    Assign slots to current node.",
         "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
         "    Assign slots which are between <start-slot> and <end-slot> to current node.",
         "BUMPEPOCH",
         "    Advance the cluster config epoch.",
         "COUNT-FAILURE-REPORTS <node-id>",
         "    Return number of failure reports for <node-id>.",
         "COUNTKEYSINSLOT <slot>",
         "    Return the number of keys in <slot>.",
         "DELSLOTS <slot> [<slot> ...]",
         "    Delete slots information from current node.",
         "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
         "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
         "FAILOVER [FORCE|TAKEOVER]",
         "    Promote current replica node to being a master.",
         "FORGET <node-id>",
         "    Remove a node from the cluster.",
         "GETKEYSINSLOT <slot> <count>",
         "    Return key names stored by current node in a slot.",
         "FLUSHSLOTS",
         "    Delete current node own slots information.",
         "INFO",
         "    Return information about the cluster.",
         "KEYSLOT <key>",
         "    Return the hash slot for <key>.",
         "MEET <ip> <port> [<bus-port>]",
         "    Connect nodes into a working cluster.",
         "MYID",
         "    Return the node id.",
         "NODES",
         "    Return cluster configuration seen by node. Output format:",
         "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
         "REPLICATE <node-id>",
         "    Configure current node as replica to <node-id>.",
         "RESET [HARD|SOFT]",
         "    Reset current node (default: soft).",
         "SET-CONFIG-EPOCH <epoch>",
         "    Set config epoch of current node.",
         "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
         "    Set slot state.",
         "REPLICAS <node-id>",
         "    Return <node-id> replicas.",
         "SAVECONFIG",
         "    Force saving cluster configuration on disk.",
         "SLOTS",
         "    Return information about slots range mappings. Each range is made of:",
         "    start, end, master and replicas IP addresses, ports and ids",
         "SHARDS",
         "    Return information about slot range mappings and the nodes associated with them.",
         "LINKS",
         "    Return information about all network links between this node and its peers.",
         "    Output format is an array where each array element is a map containing attributes of a link"});
  } else if (sub == "meet") {
    if (argc > 5) return subcommand_syntax_error(ctx);
    auto port = util::parse_int(ctx.arg(3));
    if (!port) {
      ctx.out.error("ERR Invalid TCP base port specified: " + std::string(ctx.arg(3)));
      return;
    }
    int64_t cport = *port + 10000;
    if (argc == 5) {
      auto c = util::parse_int(ctx.arg(4));
      if (!c) {
        ctx.out.error("ERR Invalid TCP bus port specified: " + std::string(ctx.arg(4)));
        return;
      }
      cport = *c;
    }
    if (*port > 65535 || cport > 65535 ||
        !cl.start_handshake(std::string(ctx.arg(2)), static_cast<int>(*port), static_cast<int>(cport))) {
      ctx.out.error("ERR Invalid node address specified: " + std::string(ctx.arg(2)) + ":" +
                    std::string(ctx.arg(3)));
      return;
    }
    ctx.out.simple("OK");
  } else if (sub == "nodes") {
    ctx.out.verbatim(cluster_nodes_text(cl));
  } else if (sub == "myid") {
    ctx.out.bulk(me.id);
  } else if (sub == "slots") {
    cluster_slots(ctx, cl);
  } else if (sub == "shards") {
    cluster_shards(ctx, cl);
  } else if (sub == "flushslots") {
    if (db0.size() != 0) {
      ctx.out.error("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
      return;
    }
    st.del_node_slots(&me);
    cl.todo_save(false);
    cl.todo_update_state();
    ctx.out.simple("OK");
  } else if (sub == "addslots" || sub == "delslots") {
    change_slots(ctx, cl, sub == "delslots", false);
  } else if (sub == "addslotsrange" || sub == "delslotsrange") {
    change_slots(ctx, cl, sub == "delslotsrange", true);
  } else if (sub == "setslot") {
    cluster_setslot(ctx, cl);
  } else if (sub == "bumpepoch") {
    bool bumped = cl.bump_config_epoch();
    ctx.out.simple(std::string(bumped ? "BUMPED " : "STILL ") + std::to_string(me.config_epoch));
  } else if (sub == "info") {
    cluster_info(ctx, cl);
  } else if (sub == "saveconfig") {
    if (cl.save_config())
      ctx.out.simple("OK");
    else
      ctx.out.error(std::string("ERR error saving the cluster node config: ") + strerror(errno));
  } else if (sub == "keyslot") {
    ctx.out.integer(key_hash_slot(ctx.arg(2)));
  } else if (sub == "countkeysinslot" || sub == "getkeysinslot") {
    auto slot = util::parse_int(ctx.arg(2));
    if (!slot) return ctx.not_integer();
    int64_t max = 0;
    if (sub == "getkeysinslot") {
      auto m = util::parse_int(ctx.arg(3));
      if (!m) return ctx.not_integer();
      max = *m;
      if (*slot < 0 || *slot >= kSlots || max < 0) {
        ctx.out.error("ERR Invalid slot or number of keys");
        return;
      }
    } else if (*slot < 0 || *slot >= kSlots) {
      ctx.out.error("ERR Invalid slot");
      return;
    }
    const store::SlotIndex* idx = db0.slot_index();
    int s = static_cast<int>(*slot);
    if (sub == "countkeysinslot") {
      ctx.out.integer(idx ? static_cast<int64_t>(idx->count(s)) : 0);
      return;
    }
    std::vector<std::string_view> keys;
    if (idx) keys = idx->keys(s, static_cast<size_t>(max));
    ctx.out.array_header(keys.size());
    for (std::string_view k : keys) ctx.out.bulk(k);
  } else if (sub == "forget") {
    Node* n = st.find(std::string(ctx.arg(2)));
    if (n == nullptr) {
      ctx.out.error("ERR Unknown node " + std::string(ctx.arg(2)));
    } else if (n == &me) {
      ctx.out.error("ERR I tried hard but I can't forget myself...");
    } else if (me.is_replica() && me.master_id == n->id) {
      ctx.out.error("ERR Can't forget my master!");
    } else {
      cl.blacklist_add(n->id);
      cl.delete_node(n);
      ctx.out.simple("OK");
    }
  } else if (sub == "replicate") {
    Node* n = st.find(std::string(ctx.arg(2)));
    if (n == nullptr) {
      ctx.out.error("ERR Unknown node " + std::string(ctx.arg(2)));
    } else if (n == &me) {
      ctx.out.error("ERR Can't replicate myself");
    } else if (n->is_replica()) {
      ctx.out.error("ERR I can only replicate a master, not a replica.");
    } else if (me.is_master() && (me.numslots != 0 || db0.size() != 0)) {
      ctx.out.error("ERR To set a master the node must be empty and without assigned slots.");
    } else {
      cl.set_my_master(n);
      ctx.out.simple("OK");
    }
  } else if (sub == "slaves" || sub == "replicas") {
    Node* n = st.find(std::string(ctx.arg(2)));
    if (n == nullptr) {
      ctx.out.error("ERR Unknown node " + std::string(ctx.arg(2)));
    } else if (n->is_replica()) {
      ctx.out.error("ERR The specified node is not a master");
    } else {
      auto replicas = st.replicas_of(*n);
      ctx.out.array_header(replicas.size());
      int64_t now = util::unix_ms();
      for (Node* r : replicas) {
        std::string line = node_line(st, *r, r->has(kMyself) || (r->link && r->link->connected()), now);
        line.pop_back();  // without the "\n" CLUSTER NODES puts between lines
        ctx.out.bulk(line);
      }
    }
  } else if (sub == "count-failure-reports") {
    Node* n = st.find(std::string(ctx.arg(2)));
    if (n == nullptr)
      ctx.out.error("ERR Unknown node " + std::string(ctx.arg(2)));
    else
      ctx.out.integer(static_cast<int64_t>(n->fail_reports.size()));
  } else if (sub == "failover") {
    bool force = false, takeover = false;
    if (argc == 3) {
      std::string mode = util::to_lower(ctx.arg(2));
      if (mode == "force")
        force = true;
      else if (mode == "takeover")
        force = takeover = true;
      else
        return ctx.syntax_error();
    } else if (argc > 3) {
      return subcommand_syntax_error(ctx);
    }
    std::string err = cl.manual_failover(force, takeover);
    if (err.empty())
      ctx.out.simple("OK");
    else
      ctx.out.error("ERR " + err);
  } else if (sub == "set-config-epoch") {
    auto epoch = util::parse_int(ctx.arg(2));
    if (!epoch) return ctx.not_integer();
    if (*epoch < 0) {
      ctx.out.error("ERR Invalid config epoch specified: " + std::to_string(*epoch));
    } else if (st.nodes.size() > 1) {
      ctx.out.error(
          "ERR The user can assign a config epoch only when the node does not know any other node.");
    } else if (me.config_epoch != 0) {
      ctx.out.error("ERR Node config epoch is already non-zero");
    } else {
      me.config_epoch = static_cast<uint64_t>(*epoch);
      if (st.current_epoch < me.config_epoch) st.current_epoch = me.config_epoch;
      cl.todo_save(false);
      cl.todo_update_state();
      ctx.out.simple("OK");
    }
  } else if (sub == "reset") {
    bool hard = false;
    if (argc == 3) {
      std::string mode = util::to_lower(ctx.arg(2));
      if (mode == "hard")
        hard = true;
      else if (mode != "soft")
        return ctx.syntax_error();
    } else if (argc > 3) {
      return subcommand_syntax_error(ctx);
    }
    if (me.is_master() && ctx.db().size() != 0) {
      ctx.out.error("ERR CLUSTER RESET can't be called with master nodes containing keys");
      return;
    }
    cl.reset(hard);
    ctx.out.simple("OK");
  } else if (sub == "links") {
    cluster_links(ctx, cl);
  }
}

void cmd_asking(Context& ctx) {
  if (ctx.server.cluster() == nullptr) return ctx.out.error(kDisabled);
  ctx.client.flags |= kClientAsking;
  ctx.out.simple("OK");
}

void cmd_readonly(Context& ctx) {
  if (ctx.server.cluster() == nullptr) return ctx.out.error(kDisabled);
  ctx.client.flags |= kClientReadOnly;
  ctx.out.simple("OK");
}

void cmd_readwrite(Context& ctx) {
  if (ctx.server.cluster() == nullptr) return ctx.out.error(kDisabled);
  ctx.client.flags &= ~kClientReadOnly;
  ctx.out.simple("OK");
}

}  // namespace

void register_cluster_commands(CommandTable& t) {
  t.add("cluster", -2, kAdmin | kStale | kSubcommands, cmd_cluster);
  t.add("asking", 1, kFast, cmd_asking);
  t.add("readonly", 1, kFast | kLoading | kStale, cmd_readonly);
  t.add("readwrite", 1, kFast | kLoading | kStale, cmd_readwrite);
}

}  // namespace datanode
