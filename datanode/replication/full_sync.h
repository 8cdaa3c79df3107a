// Full synchronisation of replicas, as Redis 7.0 does it: the snapshot is made by a forked child (the
// loop never serialises the data set, and copy-on-write spares a second copy of it), either
//  - disk-based: the child writes dbfilename (it is a BGSAVE), then the parent sends `$<len>\r\n` and
//    the file a chunk at a time as each replica's socket drains; or
//  - diskless (repl-diskless-sync yes, replicas with capa eof): the child writes into a pipe and the
//    parent forwards each chunk to the replicas framed as `$EOF:<40 bytes>\r\n<payload><same 40 bytes>`,
//    after waiting repl-diskless-sync-delay seconds (or for repl-diskless-sync-max-replicas replicas)
//    so replicas arriving together share one child.
// Each replica's command stream is kept from the fork point (its +FULLRESYNC offset) until its payload
// is out: then it goes online (an EOF-framed one after its first REPLCONF ACK, as Redis, so the stream
// cannot run into the end mark the replica is looking for). Replicas that come while a disk child for
// other replicas runs join it (same offset, a copy of the stream kept so far); otherwise they wait for
// the next child. SYNC (no PSYNC) gets no +FULLRESYNC line; REPLCONF rdb-only gets no stream at all.
#pragma once

#include <uv.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "datanode/persistence/persistence.h"
#include "datanode/server/server.h"

namespace datanode {

class Replication;
struct ReplicaPeer;

class FullSync {
 public:
  FullSync(Server& server, Replication& repl);
  ~FullSync();
  FullSync(const FullSync&) = delete;
  FullSync& operator=(const FullSync&) = delete;

  // A replica needs the whole data set.
  void add(Client& c, const ReplicaPeer& peer, bool psync);
  // Bytes appended to the replication stream.
  void on_stream(std::string_view bytes);
  void on_ack(Client& c);
  void on_close(Client& c);
  void periodic(int64_t now_ms);
  bool busy(uint64_t client_id) const { return targets_.contains(client_id); }
  const char* state_name(uint64_t client_id) const;

 private:
  enum class State { kWaitStart, kWaitEnd, kSending, kWaitAck };
  struct Target {
    Client* client = nullptr;
    State state = State::kWaitStart;
    bool psync = true;
    bool capa_eof = false;
    bool rdb_only = false;
    bool socket = false;  // part of the running diskless transfer
    int64_t since_ms = 0;
    std::string pending;  // the stream from the fork point, sent once the payload is out
    int fd = -1;          // the dump being sent (disk-based)
    int64_t left = 0;
  };

  void ensure_listener();
  void try_start(int64_t now_ms);
  void start_disk();
  void start_socket();
  rdb::SaveInfo fork_point();
  void announce(Target& t, int64_t offset, const std::string& payload_header);
  void on_child_done(Persistence::ChildKind kind, bool ok);
  void on_drained(Client& c);
  void pump(Target& t);
  // Continues paused transfers whose sockets have room (drain, cron, or the next loop iteration).
  void resume();
  void kick();
  void finish_socket_if_done();
  static void on_pipe(uv_poll_t* h, int status, int events);
  void read_pipe();
  void stop_pipe();
  void go_online(uint64_t id);
  void drop(uint64_t id, const char* why);

  Server& server_;
  Replication& repl_;
  bool listening_ = false;
  std::map<uint64_t, Target> targets_;  // by client id
  int64_t fork_offset_ = -1;

  // The diskless transfer in progress.
  int pipe_fd_ = -1;
  uv_poll_t* poll_ = nullptr;
  bool poll_active_ = false;
  bool pipe_done_ = false;
  bool socket_child_ok_ = false;
  bool socket_child_done_ = false;
  std::string eof_mark_;
  uv_timer_t* kick_timer_ = nullptr;
};

}  // namespace datanode
