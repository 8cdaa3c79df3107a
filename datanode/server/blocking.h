// Clients blocked on list keys (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP), sorted-set keys
// (BZPOPMIN, BZPOPMAX, BZMPOP) and stream keys (XREAD, XREADGROUP): who waits for which key in
// FIFO order, serving them once a write made one of their keys a non-empty list, and their timeouts.
//
// Writes only mark keys as ready (through the server's key listener); the waiters are served from the
// before-flush hook, after the command that pushed has finished, as Redis' handleClientsBlockedOnKeys
// does. That keeps a pop on behalf of a woken client from ever running inside another command.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/resp/writer.h"

namespace store {
class Database;
}

namespace datanode {

class Server;
struct Client;
struct XReadWait;  // datanode/commands/streams_read.h

enum class ListEnd { kLeft, kRight };

// What a blocked command does once one of its keys holds elements. kZPop and kZMPop wait for a sorted
// set (BZPOPMIN/BZPOPMAX and BZMPOP); the others for a list.
struct ListPopOp {
  enum class Kind { kPop, kMPop, kMove, kZPop, kZMPop, kXRead };
  Kind kind = Kind::kPop;
  ListEnd from = ListEnd::kLeft;
  ListEnd to = ListEnd::kLeft;  // kMove: where the element goes in `dest`
  std::string dest;             // kMove
  int64_t count = 1;            // kMPop
  bool as_rpoplpush = false;    // kMove: propagated as RPOPLPUSH rather than LMOVE
  bool zmax = false;            // kZPop, kZMPop: pop the highest scores
  std::shared_ptr<XReadWait> xread;  // kXRead: XREAD/XREADGROUP waiting for stream entries

  bool wants_zset() const { return kind == Kind::kZPop || kind == Kind::kZMPop; }
};

enum class ServeResult { kNotReady, kServed, kError };

// Performs `op` on `key` if it holds a non-empty list: writes the reply, touches the modified keys,
// deletes emptied lists, and fills `propagate` with the deterministic command to replicate
// (LPOP key / RPOP key [count] / LMOVE ... / RPOPLPUSH ...). kError: a WRONGTYPE reply was written
// (the key or the destination holds another type). kNotReady: nothing was written.
ServeResult serve_list_op(Server& server, int db, std::string_view key, const ListPopOp& op, int64_t now_ms,
                          resp::Writer& out, std::vector<std::string>& propagate);

// The sorted-set counterpart of serve_list_op for kZPop ([key, member, score], propagated as
// ZPOPMIN/ZPOPMAX key) and kZMPop ([key, [[member, score]...]], propagated as ZPOPMIN/ZPOPMAX key n).
ServeResult serve_zset_op(Server& server, int db, std::string_view key, const ListPopOp& op, int64_t now_ms,
                          resp::Writer& out, std::vector<std::string>& propagate);

// Dispatches to serve_list_op or serve_zset_op by the kind of `op`.
ServeResult serve_pop_op(Server& server, int db, std::string_view key, const ListPopOp& op, int64_t now_ms,
                         resp::Writer& out, std::vector<std::string>& propagate);

// Parses a blocking timeout given in seconds, as Redis' getTimeoutFromObjectOrReply. Returns false
// after writing the error. `timeout_ms` is 0 for "wait forever", else a relative duration.
bool parse_block_timeout(std::string_view arg, resp::Writer& out, int64_t& timeout_ms);

class Blocking {
 public:
  explicit Blocking(Server& server);
  ~Blocking();
  Blocking(const Blocking&) = delete;
  Blocking& operator=(const Blocking&) = delete;

  // Blocks `c` (sets kClientBlocked) until one of `keys` can serve `op` or `timeout_ms` passes
  // (0: forever). The keys are copied: the arguments point into the client's input buffer.
  void block(Client& c, const std::vector<std::string_view>& keys, ListPopOp op, int64_t timeout_ms);

  // CLIENT UNBLOCK: answers a blocked client as on timeout (error=false) or with
  // "-UNBLOCKED client unblocked via CLIENT UNBLOCK" (error=true). False if it was not blocked here.
  bool unblock(uint64_t client_id, bool error);
  // Cluster mode (datanode/cluster/blocked_redirect.cpp): `why` looks at each waiter's client and first
  // key; a non-empty answer is sent to it as an error and it is unblocked (slot moved away, cluster
  // down), as Redis' clusterRedirectBlockedClientIfNeeded.
  void unblock_with_error_if(const std::function<std::string(const Client&, const std::string&)>& why);

  bool is_blocked(uint64_t client_id) const { return waiters_.count(client_id) != 0; }
  size_t blocked_clients() const { return waiters_.size(); }
  size_t blocked_keys() const { return queues_.size(); }

  // A client that must not block (inside EXEC, the AOF loader, the master link) gets the timeout
  // answer right away instead.
  static bool may_block(const Client& c);

 private:
  struct Waiter {
    Client* client = nullptr;
    int db = 0;
    std::vector<std::string> keys;
    ListPopOp op;
    int64_t deadline_ms = 0;  // monotonic; 0 = none
  };
  using KeyRef = std::pair<int, std::string>;

  void on_key_touched(int db, std::string_view key);
  void serve_ready();
  void serve_key(int db, const std::string& key);
  // Streams wake every waiter whose wait is satisfied, in arrival order, not just the first.
  void serve_stream_key(int db, const std::string& key);
  void on_tick();
  // Forgets a waiter and clears its blocked flag; the caller writes its reply first.
  void remove(uint64_t client_id);
  // Lets an unblocked client run the requests it pipelined behind the blocking one.
  void resume(uint64_t client_id);
  void update_timer();
  void close_timer();

  Server& server_;
  std::map<uint64_t, Waiter> waiters_;                // by client id
  std::map<KeyRef, std::deque<uint64_t>> queues_;     // FIFO of client ids per (db, key)
  std::set<std::pair<int64_t, uint64_t>> deadlines_;  // (monotonic deadline, client id)
  std::vector<KeyRef> ready_;
  std::set<KeyRef> ready_set_;
  std::vector<uint64_t> to_resume_;  // unblocked outside the serving path, resumed before the flush
  bool serving_ = false;
  // Timeouts, and a fallback for keys made ready by writes no reply flush follows (the master stream).
  // Heap-allocated: libuv may still hold it after this object is gone.
  uv_timer_t* timer_ = nullptr;
  bool timer_running_ = false;
};

}  // namespace datanode
