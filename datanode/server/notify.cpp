#include "datanode/server/notify.h"

#include <string>

#include "datanode/server/context.h"
#include "datanode/server/pubsub.h"
#include "datanode/server/server.h"

namespace datanode {

void notify(Server& server, int type, std::string_view event, std::string_view key, int db) {
  int flags = server.pubsub().notify_flags();
  if ((flags & type) == 0) return;
  std::string prefix = "@" + std::to_string(db) + "__:";
  if (flags & kNotifyKeyspace) {
    std::string channel = "__keyspace" + prefix;
    channel += key;
    server.pubsub().publish(channel, event);
  }
  if (flags & kNotifyKeyevent) {
    std::string channel = "__keyevent" + prefix;
    channel += event;
    server.pubsub().publish(channel, key);
  }
}

void install_notify_config(Server& server) {
  config::Option* o = server.registry().find("notify-keyspace-events");
  if (o == nullptr) return;
  // The canonical text drops 'n' next to 'A' (as Redis prints it): changes are taken from the value set.
  server.pubsub().set_notify_flags(parse_notify_classes(o->get()).value_or(0));
  o->set = [&server, set = o->set](std::string_view v) {
    if (!set(v)) return false;
    server.pubsub().set_notify_flags(parse_notify_classes(v).value_or(0));
    return true;
  };
}

void notify(Context& ctx, int type, std::string_view event, std::string_view key) {
  notify(ctx.server, type, event, key, ctx.client.db);
}

}  // namespace datanode
