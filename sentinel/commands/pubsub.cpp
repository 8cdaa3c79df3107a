// SUBSCRIBE / PSUBSCRIBE / UNSUBSCRIBE / PUNSUBSCRIBE on the sentinel's own pub/sub, where events are
// published on channels named after their type (+sdown, +switch-master, ...).
#include "sentinel/server.h"

namespace sentinel {
namespace {

void reply_sub(Context& ctx, const char* kind, const std::string* name) {
  ctx.out.push_header(3);
  ctx.out.bulk(kind);
  if (name) ctx.out.bulk(*name);
  else ctx.out.null();
  ctx.out.integer(static_cast<int64_t>(ctx.client.subscriptions()));
}

void subscribe(Context& ctx, bool pattern) {
  auto& set = pattern ? ctx.client.patterns : ctx.client.channels;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    std::string name = ctx.arg(i);
    set.insert(name);
    reply_sub(ctx, pattern ? "psubscribe" : "subscribe", &name);
  }
}

void unsubscribe(Context& ctx, bool pattern) {
  auto& set = pattern ? ctx.client.patterns : ctx.client.channels;
  const char* kind = pattern ? "punsubscribe" : "unsubscribe";
  std::vector<std::string> names;
  if (ctx.args.size() == 1) names.assign(set.begin(), set.end());
  else
    for (size_t i = 1; i < ctx.args.size(); ++i) names.push_back(ctx.arg(i));
  if (names.empty()) return reply_sub(ctx, kind, nullptr);
  for (const std::string& n : names) {
    set.erase(n);
    reply_sub(ctx, kind, &n);
  }
}

void cmd_subscribe(Context& ctx) { subscribe(ctx, false); }
void cmd_psubscribe(Context& ctx) { subscribe(ctx, true); }
void cmd_unsubscribe(Context& ctx) { unsubscribe(ctx, false); }
void cmd_punsubscribe(Context& ctx) { unsubscribe(ctx, true); }

}  // namespace

void register_pubsub_commands(CommandTable& t) {
  using namespace command;
  t.add("subscribe", -2, kPubSubOk, cmd_subscribe);
  t.add("psubscribe", -2, kPubSubOk, cmd_psubscribe);
  t.add("unsubscribe", -1, kPubSubOk, cmd_unsubscribe);
  t.add("punsubscribe", -1, kPubSubOk, cmd_punsubscribe);
}

}  // namespace sentinel
