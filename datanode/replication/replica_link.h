// Our link to our master, when we are a replica: connect (with back-off), the handshake exactly as a
// Redis replica does it (PING, AUTH, REPLCONF listening-port / ip-address, REPLCONF capa eof capa
// psync2, PSYNC), the snapshot transfer ("$<len>\r\n<rdb>" or the diskless "$EOF:<mark>" form), and the
// command stream applied through Server::execute by a client flagged kClientMaster. Replies to the
// handshake are parsed with hiredis' reader; the payload and the stream are read directly.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/resp/parser.h"
#include "datanode/server/client.h"

namespace datanode {

class Replication;

class ReplicaLink {
 public:
  enum class State { kConnect, kConnecting, kHandshake, kTransfer, kConnected };

  ReplicaLink(Replication& repl, std::string host, int port);
  ~ReplicaLink();
  ReplicaLink(const ReplicaLink&) = delete;
  ReplicaLink& operator=(const ReplicaLink&) = delete;

  // Called every 100 ms: (re)connects, sends the periodic ACK, detects a silent master.
  void tick(int64_t now_ms);

  State state() const { return state_; }
  // ROLE's state names: connect, connecting, handshake, sync, connected.
  const char* state_name() const;
  bool up() const { return state_ == State::kConnected; }
  // Seconds since the last byte from the master, -1 when the link is not up.
  int64_t last_io_seconds(int64_t now_ms) const;
  // Seconds the link has been down (master_link_down_since_seconds), -1 if it was never up.
  int64_t down_seconds(int64_t now_ms) const;
  int64_t applied_offset() const { return applied_offset_; }
  int64_t read_offset() const {
    return state_ == State::kConnected ? applied_offset_ + static_cast<int64_t>(in_.size() - in_pos_)
                                       : applied_offset_;
  }
  int64_t transfer_size() const { return bulk_len_; }
  int64_t transfer_read() const { return static_cast<int64_t>(payload_.size()); }
  // The offset the data reflects (not inside a MULTI block still being received): for ACKs and snapshots.
  int64_t consistent_offset() const { return consistent_offset_; }
  int stream_db() const { return master_client_ ? master_client_->db : 0; }
  Client* master_client() { return master_client_.get(); }
  void send_ack();

 private:
  struct Socket;
  enum class Step { kPing, kAuth, kPort, kIp, kCapa, kPsync };

  void connect(int64_t now_ms);
  void new_master_client(int db);
  void drop(const char* why);
  void send(std::string bytes);
  void send_command(std::initializer_list<std::string_view> args);
  void on_connected(int status);
  void on_read(const char* data, size_t n);
  void process();
  // The next line of the handshake or transfer header, '\n'-terminated with an optional '\r' before it.
  bool next_line(std::string& line);
  bool handshake_line(std::string_view line);
  void after_step(Step done);
  bool transfer();
  void load_payload(std::string payload);
  bool apply_stream();
  // A command of the master's stream we could not apply: counted, logged, link dropped for a full sync.
  void on_unapplied(std::string_view command);
  // Drops the link after a sync or stream failure, backing off when failures repeat (a first failure
  // retries at once when `retry_at_once`, as a full sync is likely to cure it).
  void drop_after_failure(const char* why, bool retry_at_once);
  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void on_read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);

  Replication& repl_;
  std::string host_;
  int port_;
  State state_ = State::kConnect;
  Step step_ = Step::kPing;
  Socket* socket_ = nullptr;
  int64_t next_attempt_ms_ = 0;
  int64_t backoff_ms_ = 0;
  int64_t state_since_ms_ = 0;
  int64_t last_io_ms_ = 0;
  int64_t down_since_ms_ = 0;  // 0: never up
  int64_t last_ack_ms_ = 0;

  // Failures that a new full sync may not cure (a snapshot or a command we cannot load or apply).
  static constexpr int64_t kFailureBackoffMs = 5000;
  static constexpr int64_t kFailureBackoffMaxMs = 60000;
  static constexpr int64_t kFailureMemoryMs = 120000;  // a failure older than this starts a new streak
  int failure_streak_ = 0;
  int64_t last_failure_ms_ = 0;

  std::string in_;
  size_t in_pos_ = 0;
  char read_chunk_[64 * 1024];

  // Transfer.
  std::string master_replid_;
  int64_t master_initial_offset_ = -1;
  int64_t bulk_len_ = -1;  // -1: header not read yet; -2: diskless EOF-marked payload
  std::string eof_mark_;
  std::string payload_;

  // Stream.
  std::unique_ptr<Client> master_client_;
  resp::RequestParser parser_;
  int64_t applied_offset_ = 0;
  std::string multi_pending_;  // raw bytes of a MULTI block not yet closed by EXEC
  int64_t consistent_offset_ = 0;
  std::string scratch_;  // replies to the master's commands go nowhere
};

}  // namespace datanode
