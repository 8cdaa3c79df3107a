// String commands: SET and friends, GET and friends, counters, ranges.
#include "datanode/commands/families.h"

namespace datanode {
namespace {

using namespace command;

void cmd_get(Context& ctx) {
  store::Value* v = ctx.db().find(ctx.arg(1), ctx.now_ms);
  if (v == nullptr) {
    ctx.server.stats().keyspace_misses++;
    ctx.out.null();
    return;
  }
  ctx.server.stats().keyspace_hits++;
  if (v->type() != store::Type::kString) return ctx.wrong_type();
  ctx.out.bulk(v->str());
}

void cmd_set(Context& ctx) {
  // Options (EX/PX/NX/XX/KEEPTTL/GET...) come with the full string family.
  if (ctx.argc() != 3) return ctx.syntax_error();
  ctx.db().put(ctx.arg(1), store::Value(std::string(ctx.arg(2))));
  ctx.server.touch(ctx.client.db, ctx.arg(1));
  ctx.changed();
  ctx.out.ok();
}

}  // namespace

void register_string_commands(CommandTable& t) {
  t.add("get", 2, kReadOnly | kFast, cmd_get, 1, 1, 1);
  t.add("set", -3, kWrite | kDenyOom, cmd_set, 1, 1, 1);
}

}  // namespace datanode
