// Pub/sub commands: (P)SUBSCRIBE, (P)UNSUBSCRIBE, PUBLISH and PUBSUB introspection, with Redis' RESP2
// replies (one "subscribe"/"unsubscribe" array per channel, carrying the client's subscription count;
// a RESP3 client gets them as pushes).
#include "common/command/help.h"
#include "datanode/cluster/cluster.h"
#include "datanode/commands/families.h"
#include "datanode/replication/replication.h"
#include "datanode/server/pubsub.h"

namespace datanode {
namespace {

using namespace command;

void reply_subscription(Context& ctx, std::string_view kind, const std::string_view* name) {
  ctx.out.push_header(3);
  ctx.out.bulk(kind);
  if (name) ctx.out.bulk(*name);
  else ctx.out.null();
  ctx.out.integer(static_cast<int64_t>(ctx.client.subscription_count()));
}

void cmd_subscribe(Context& ctx) {
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view ch = ctx.arg(i);
    ctx.server.pubsub().subscribe(ctx.client, ch);
    reply_subscription(ctx, "subscribe", &ch);
  }
}

void cmd_psubscribe(Context& ctx) {
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view p = ctx.arg(i);
    ctx.server.pubsub().psubscribe(ctx.client, p);
    reply_subscription(ctx, "psubscribe", &p);
  }
}

// UNSUBSCRIBE and PUNSUBSCRIBE: named ones, or all of the client's when none are named.
template <bool kPattern>
void unsubscribe_some(Context& ctx) {
  PubSub& ps = ctx.server.pubsub();
  std::string_view kind = kPattern ? "punsubscribe" : "unsubscribe";
  auto remove = [&](std::string_view name) {
    if constexpr (kPattern) ps.punsubscribe(ctx.client, name);
    else ps.unsubscribe(ctx.client, name);
  };
  if (ctx.argc() > 1) {
    for (size_t i = 1; i < ctx.argc(); ++i) {
      std::string_view name = ctx.arg(i);
      remove(name);
      reply_subscription(ctx, kind, &name);
    }
    return;
  }
  const util::StringSet& own = kPattern ? ctx.client.patterns : ctx.client.channels;
  if (own.empty()) return reply_subscription(ctx, kind, nullptr);
  std::vector<std::string> names(own.begin(), own.end());
  for (const std::string& n : names) {
    remove(n);
    std::string_view v = n;
    reply_subscription(ctx, kind, &v);
  }
}

void cmd_unsubscribe(Context& ctx) { unsubscribe_some<false>(ctx); }
void cmd_punsubscribe(Context& ctx) { unsubscribe_some<true>(ctx); }

void cmd_publish(Context& ctx) {
  int64_t n = ctx.server.pubsub().publish(ctx.arg(1), ctx.arg(2));
  // A sentinel's hello tells the failover epoch it knows (replication/fence.h).
  if (ctx.arg(1) == "__sentinel__:hello") ctx.server.replication().on_sentinel_hello(ctx.client, ctx.arg(2));
  // In cluster mode every node gets it over the bus instead of the replication stream, as in Redis.
  if (Cluster* cl = ctx.server.cluster()) {
    cl->publish(ctx.arg(1), ctx.arg(2));
    ctx.out.integer(n);
    return;
  }
  // Replicas deliver it to their own subscribers, as in Redis.
  ctx.changed();
  ctx.out.integer(n);
}

void cmd_pubsub(Context& ctx) {
  std::string_view sub = ctx.arg(1);
  PubSub& ps = ctx.server.pubsub();
  if (util::iequals(sub, "help") && ctx.argc() == 2) {
    return reply_help(ctx.out, "pubsub",
                      {"CHANNELS [<pattern>]",
                       "    Return the currently active channels matching a <pattern> (default: '*').",
                       "NUMPAT", "    Return number of subscriptions to patterns.", "NUMSUB [<channel> ...]",
                       "    Return the number of subscribers for the specified channels, excluding",
                       "    pattern subscriptions(default: no channels).", "SHARDCHANNELS [<pattern>]",
                       "    Return the currently active shard level channels matching a <pattern> (default: '*').",
                       "SHARDNUMSUB [<shardchannel> ...]",
                       "    Return the number of subscribers for the specified shard level channel(s)"});
  }
  if (util::iequals(sub, "channels") || util::iequals(sub, "shardchannels")) {
    // The subcommands' arity (-2) lets extra arguments through to pubsubCommand's syntax error.
    if (ctx.argc() > 3) {
      return ctx.out.error("ERR unknown subcommand or wrong number of arguments for '" + std::string(sub) +
                           "'. Try PUBSUB HELP.");
    }
    std::string_view pattern = ctx.argc() == 3 ? ctx.arg(2) : std::string_view();
    std::vector<std::string> names =
        util::iequals(sub, "shardchannels") ? ps.shard_channels(pattern) : ps.channels(pattern);
    ctx.out.array_header(names.size());
    for (const std::string& n : names) ctx.out.bulk(n);
    return;
  }
  if (util::iequals(sub, "numsub") || util::iequals(sub, "shardnumsub")) {
    bool shard = util::iequals(sub, "shardnumsub");
    ctx.out.array_header(2 * (ctx.argc() - 2));  // an array, not a map, in RESP3 too (Redis 7.0)
    for (size_t i = 2; i < ctx.argc(); ++i) {
      ctx.out.bulk(ctx.arg(i));
      size_t n = shard ? ps.shard_subscriber_count(ctx.arg(i)) : ps.subscriber_count(ctx.arg(i));
      ctx.out.integer(static_cast<int64_t>(n));
    }
    return;
  }
  if (util::iequals(sub, "numpat")) {
    if (ctx.argc() != 2) return ctx.out.error(wrong_sub_arity_error("pubsub", sub));
    return ctx.out.integer(static_cast<int64_t>(ps.pattern_count()));
  }
  ctx.out.error(unknown_subcommand_error(sub, "pubsub"));
}

}  // namespace

void register_pubsub_commands(CommandTable& t) {
  t.add("subscribe", -2, kPubSubOk | kNoMulti | kLoading | kStale, cmd_subscribe);
  t.add("unsubscribe", -1, kPubSubOk | kNoMulti | kLoading | kStale, cmd_unsubscribe);
  t.add("psubscribe", -2, kPubSubOk | kNoMulti | kLoading | kStale, cmd_psubscribe);
  t.add("punsubscribe", -1, kPubSubOk | kNoMulti | kLoading | kStale, cmd_punsubscribe);
  t.add("publish", 3, kMayReplicate | kFast | kLoading | kStale, cmd_publish);
  t.add("pubsub", -2, kLoading | kStale | kSubcommands, cmd_pubsub);
}

}  // namespace datanode
