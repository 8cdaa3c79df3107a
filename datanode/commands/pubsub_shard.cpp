// Sharded pub/sub commands: SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH. The cluster router sends a channel to
// the shard serving its slot (its replicas included), and SPUBLISH reaches that shard's other nodes. Confirmations carry the client's shard subscription
// count, and are pushes in RESP3, as in Redis 7.
#include "common/util/strings.h"
#include "datanode/cluster/cluster.h"
#include "datanode/commands/families.h"
#include "datanode/server/pubsub.h"

namespace datanode {
namespace {

using namespace command;

void reply_shard_subscription(Context& ctx, std::string_view kind, const std::string_view* channel) {
  ctx.out.push_header(3);
  ctx.out.bulk(kind);
  if (channel)
    ctx.out.bulk(*channel);
  else
    ctx.out.null();
  ctx.out.integer(static_cast<int64_t>(ctx.server.pubsub().shard_subscription_count(ctx.client)));
}

void cmd_ssubscribe(Context& ctx) {
  // Inside EXEC (or a script) a client expects one reply per command: it cannot enter subscribed state.
  if (ctx.client.has(kClientDenyBlocking))
    return ctx.out.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view ch = ctx.arg(i);
    ctx.server.pubsub().ssubscribe(ctx.client, ch);
    reply_shard_subscription(ctx, "ssubscribe", &ch);
  }
}

void cmd_sunsubscribe(Context& ctx) {
  PubSub& ps = ctx.server.pubsub();
  if (ctx.argc() > 1) {
    for (size_t i = 1; i < ctx.argc(); ++i) {
      std::string_view ch = ctx.arg(i);
      ps.sunsubscribe(ctx.client, ch);
      reply_shard_subscription(ctx, "sunsubscribe", &ch);
    }
    return;
  }
  std::vector<std::string> mine = ps.shard_channels_of(ctx.client);
  if (mine.empty()) return reply_shard_subscription(ctx, "sunsubscribe", nullptr);
  for (const std::string& ch : mine) {
    ps.sunsubscribe(ctx.client, ch);
    std::string_view v = ch;
    reply_shard_subscription(ctx, "sunsubscribe", &v);
  }
}

void cmd_spublish(Context& ctx) {
  int64_t n = ctx.server.pubsub().spublish(ctx.arg(1), ctx.arg(2));
  // In cluster mode the other nodes of the shard get it over the bus instead of the replication stream.
  if (Cluster* cl = ctx.server.cluster())
    cl->publish_shard(ctx.arg(1), ctx.arg(2));
  else
    ctx.changed();  // replicas deliver it to their own shard subscribers (the AOF leaves it out)
  ctx.out.integer(n);
}

}  // namespace

void register_shard_pubsub_commands(CommandTable& t) {
  t.add("ssubscribe", -2, kPubSubOk | kLoading | kStale, cmd_ssubscribe, 1, -1, 1);
  t.add("sunsubscribe", -1, kPubSubOk | kLoading | kStale, cmd_sunsubscribe, 1, -1, 1);
  t.add("spublish", 3, kMayReplicate | kFast | kLoading | kStale, cmd_spublish, 1, 1, 1);
}

}  // namespace datanode
