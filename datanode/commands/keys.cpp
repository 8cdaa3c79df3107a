// Keyspace commands: DEL, EXISTS, TYPE, EXPIRE and TTL families, KEYS, SCAN, RENAME ...
#include "datanode/commands/families.h"

namespace datanode {
namespace {

using namespace command;

void cmd_del(Context& ctx) {
  int64_t removed = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (ctx.db().find(ctx.arg(i), ctx.now_ms) && ctx.db().erase(ctx.arg(i))) {
      ++removed;
      ctx.server.touch(ctx.client.db, ctx.arg(i));
    }
  }
  ctx.changed(removed);
  ctx.out.integer(removed);
}

}  // namespace

void register_key_commands(CommandTable& t) {
  t.add("del", -2, kWrite, cmd_del, 1, -1, 1);
}

}  // namespace datanode
