// Keyspace notifications (notify-keyspace-events): the one entry point every command, the expiry paths
// and eviction call after changing a key, publishing __keyspace@<db>__:<key> and __keyevent@<db>__:<event>
// to pub/sub subscribers (RESP2 messages, RESP3 pushes) when the event's class is enabled.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace datanode {

class Server;
struct Context;

// Event classes, with Redis' bit values (its notify-keyspace-events letters in comments).
enum NotifyClass : int {
  kNotifyKeyspace = 1 << 0,  // K
  kNotifyKeyevent = 1 << 1,  // E
  kNotifyGeneric = 1 << 2,   // g
  kNotifyString = 1 << 3,    // $
  kNotifyList = 1 << 4,      // l
  kNotifySet = 1 << 5,       // s
  kNotifyHash = 1 << 6,      // h
  kNotifyZset = 1 << 7,      // z
  kNotifyExpired = 1 << 8,   // x
  kNotifyEvicted = 1 << 9,   // e
  kNotifyStream = 1 << 10,   // t
  kNotifyKeyMiss = 1 << 11,  // m (not part of A)
  kNotifyModule = 1 << 13,   // d
  kNotifyNew = 1 << 14,      // n (not part of A)
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash | kNotifyZset |
               kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// "KEA" -> flags; nullopt when a character is not a class letter.
std::optional<int> parse_notify_classes(std::string_view classes);
// flags -> the canonical text CONFIG GET shows ("AKE", "g$lK"...).
std::string format_notify_classes(int flags);

// Keeps the server's notification classes in step with the notify-keyspace-events option.
void install_notify_config(Server& server);

// Publishes `event` for `key` of database `db` if its class is enabled.
void notify(Server& server, int type, std::string_view event, std::string_view key, int db);
// The same for the calling client's database.
void notify(Context& ctx, int type, std::string_view event, std::string_view key);

}  // namespace datanode
