// One connected client of the datanode: its connection, parser, selected database, authentication,
// transaction and subscription state, and what CLIENT LIST prints about it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/util/string_map.h"
#include "common/net/server.h"
#include "common/resp/parser.h"

namespace datanode {

enum ClientFlag : uint32_t {
  kClientReplica = 1u << 0,   // S: a replica connected to us
  kClientMaster = 1u << 1,    // M: our link to our master
  kClientMonitor = 1u << 2,   // O
  kClientMulti = 1u << 3,     // x
  kClientDirtyCas = 1u << 4,  // d: a WATCHed key changed
  kClientDirtyExec = 1u << 5, // a command was refused while queueing: EXEC fails
  kClientBlocked = 1u << 6,   // b
  kClientPubSub = 1u << 7,    // P
  kClientCloseAfterReply = 1u << 8,
  kClientCloseAsap = 1u << 9,   // output limit or CLIENT KILL of itself: closed at the end of the round
  kClientNoEvict = 1u << 10,    // e
  kClientNoTouch = 1u << 11,    // T
  kClientReplyOff = 1u << 12,       // CLIENT REPLY OFF
  kClientReplySkipNext = 1u << 13,  // CLIENT REPLY SKIP was the command: the next reply is dropped
  kClientReplySkip = 1u << 14,      // this command's reply is dropped
  kClientPaused = 1u << 15,         // b: its next command waits for CLIENT PAUSE to end
  kClientTracking = 1u << 16,       // t: CLIENT TRACKING on
  kClientTrackingBcast = 1u << 17,  // B
  kClientTrackingOptin = 1u << 18,
  kClientTrackingOptout = 1u << 19,
  kClientTrackingCaching = 1u << 20,  // CLIENT CACHING yes/no, for the next command
  kClientTrackingNoloop = 1u << 21,
  kClientTrackingBrokenRedir = 1u << 22,  // R: the redirect client went away
  kClientReadOnly = 1u << 23,  // r: READONLY in cluster mode (reads served by a replica of the owner)
  kClientDenyBlocking = 1u << 24,  // set while EXEC runs its queue: BLPOP & co. answer at once
  kClientAsking = 1u << 25,        // ASKING: the next command may use an importing slot
};

struct QueuedCommand {
  std::vector<std::string> args;
};

struct Client {
  net::Connection* conn = nullptr;  // null for the fake client replaying the AOF or the master stream
  uint64_t id = 0;
  resp::RequestParser parser;
  int db = 0;
  std::string name;
  std::string user = "default";
  bool authenticated = false;
  uint32_t flags = 0;
  int resp = 2;
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  std::string last_command = "NULL";
  bool flush_pending = false;

  std::vector<QueuedCommand> multi_queue;
  size_t multi_mem = 0;  // bytes of queued arguments (CLIENT LIST multi-mem)
  std::vector<std::pair<int, std::string>> watched_keys;
  // When the output buffer first went over the soft limit (0: it is under it).
  int64_t obuf_soft_limit_since_ms = 0;
  util::StringSet channels;
  util::StringSet patterns;
  // CLIENT TRACKING: where invalidations go (0: this connection) and, in BCAST mode, the prefixes.
  uint64_t tracking_redirect = 0;
  std::vector<std::string> tracking_prefixes;

  // Replica link state, for INFO replication and CLIENT LIST (filled by the replication code).
  int replica_listening_port = 0;
  std::string replica_announced_ip;
  int64_t replica_ack_offset = 0;
  int64_t replica_ack_time_ms = 0;

  bool has(uint32_t f) const { return (flags & f) != 0; }
  size_t subscription_count() const { return channels.size() + patterns.size(); }
};

}  // namespace datanode
