// What a command handler gets: the server, the calling client, its arguments and a reply writer, plus
// the means to say how the command is propagated to the AOF and replicas.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/resp/writer.h"
#include "datanode/server/client.h"
#include "datanode/store/database.h"

namespace datanode {

class Server;

using Args = std::vector<std::string_view>;

struct Context {
  Server& server;
  Client& client;
  const Args& args;
  resp::Writer& out;
  int64_t now_ms;  // one clock reading per command, as Redis caches mstime for a command's duration

  store::Database& db();
  std::string_view arg(size_t i) const { return args[i]; }
  size_t argc() const { return args.size(); }

  // The command changed data: propagate its argv as given (the default for write commands).
  void changed(int64_t n = 1) { dirty += n; }
  // The command changed data and must be propagated in another, deterministic form (EXPIRE ->
  // PEXPIREAT, SPOP -> SREM ...). May be called several times; each call is one propagated command.
  void propagate_as(std::vector<std::string> argv);

  // Common replies.
  void wrong_type() { out.error("WRONGTYPE Operation against a key holding the wrong kind of value"); }
  // The value at `key` when it holds `type` (nullptr when missing). Returns false, with WRONGTYPE sent,
  // when the key holds another type. `read` counts a keyspace hit or miss, as read commands do.
  bool find_typed(std::string_view key, store::Type type, store::Value*& out, bool read);
  // What Redis' lookupKeyRead does after its lookup: counts a keyspace hit or miss and, on a miss,
  // publishes "keymiss" (class m). Every read lookup goes through it; write lookups never do.
  void note_read_lookup(std::string_view key, bool hit);
  void syntax_error() { out.error("ERR syntax error"); }
  void not_integer() { out.error("ERR value is not an integer or out of range"); }
  void not_float() { out.error("ERR value is not a valid float"); }

  // Set by the handler, read by the dispatcher.
  int64_t dirty = 0;
  std::vector<std::vector<std::string>> rewritten;
  bool custom_propagation = false;
};

}  // namespace datanode
