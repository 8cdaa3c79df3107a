#include "datanode/server/notify.h"

#include <string>

#include "datanode/server/context.h"
#include "datanode/server/pubsub.h"
#include "datanode/server/server.h"

namespace datanode {

std::optional<int> parse_notify_classes(std::string_view classes) {
  int flags = 0;
  for (char c : classes) {
    switch (c) {
      case 'A': flags |= kNotifyAll; break;
      case 'g': flags |= kNotifyGeneric; break;
      case '$': flags |= kNotifyString; break;
      case 'l': flags |= kNotifyList; break;
      case 's': flags |= kNotifySet; break;
      case 'h': flags |= kNotifyHash; break;
      case 'z': flags |= kNotifyZset; break;
      case 'x': flags |= kNotifyExpired; break;
      case 'e': flags |= kNotifyEvicted; break;
      case 'K': flags |= kNotifyKeyspace; break;
      case 'E': flags |= kNotifyKeyevent; break;
      case 't': flags |= kNotifyStream; break;
      case 'm': flags |= kNotifyKeyMiss; break;
      case 'd': flags |= kNotifyModule; break;
      case 'n': flags |= kNotifyNew; break;
      default: return std::nullopt;
    }
  }
  return flags;
}

std::string format_notify_classes(int flags) {
  std::string out;
  if ((flags & kNotifyAll) == kNotifyAll) {
    out += 'A';
  } else {
    static constexpr std::pair<int, char> kLetters[] = {
        {kNotifyGeneric, 'g'}, {kNotifyString, '$'}, {kNotifyList, 'l'},    {kNotifySet, 's'},
        {kNotifyHash, 'h'},    {kNotifyZset, 'z'},   {kNotifyExpired, 'x'}, {kNotifyEvicted, 'e'},
        {kNotifyStream, 't'},  {kNotifyModule, 'd'}, {kNotifyNew, 'n'}};
    for (auto [bit, letter] : kLetters)
      if (flags & bit) out += letter;
  }
  if (flags & kNotifyKeyspace) out += 'K';
  if (flags & kNotifyKeyevent) out += 'E';
  if (flags & kNotifyKeyMiss) out += 'm';
  return out;
}

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
