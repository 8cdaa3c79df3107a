// An outgoing connection to a Redis-protocol server over hiredis' async API on the process' libuv loop:
// AUTH and CLIENT SETNAME right after connecting, reconnect with back-off driven by the owner's timer,
// channel subscriptions restored after every reconnect, and a count of commands waiting for a reply.
//
// Lifetime rules (hiredis 0.14 frees its context itself on errors and runs every pending callback with a
// NULL reply when it does): reply callbacks get nullptr when the link drops; the owner must not destroy a
// Link from inside one of its own callbacks (drop() is fine: it is deferred).
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

struct redisAsyncContext;
struct redisReply;

namespace rlink {  // not "link": that is a POSIX function in unistd.h

struct Options {
  std::string host;
  int port = 0;
  std::string user;      // AUTH user password when both are set, AUTH password when only the password is
  std::string password;
  std::string client_name;  // CLIENT SETNAME when set
  int64_t min_backoff_ms = 100;
  int64_t max_backoff_ms = 1000;
  int64_t connect_timeout_ms = 1000;
  // > 0: a refused connection (the host answers but nothing listens yet, as while a server restarts) is
  // retried after at most this long instead of the growing back-off, so the link is back as soon as the
  // server listens. 0 keeps the back-off for every failure.
  int64_t refused_retry_ms = 0;
};

class Link {
 public:
  // reply is nullptr when the link went away before the reply came.
  using ReplyFn = std::function<void(redisReply* reply)>;

  Link(uv_loop_t* loop, Options options);
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Starts a connection when there is none and the back-off allows, gives up on a connect that takes
  // longer than the timeout, and carries out a deferred drop(). Call it from the owner's periodic timer.
  void tick(int64_t now_ms);

  // A context exists (connecting or connected): commands can be queued.
  bool active() const { return ac_ != nullptr; }
  // The TCP connection is established.
  bool connected() const { return ac_ != nullptr && established_; }
  int64_t connected_since_ms() const { return connected_at_; }

  // Queues a command; false (and fn not called) when there is no context.
  bool command(const std::vector<std::string>& argv, ReplyFn fn);
  // Subscribes now if possible and after every reconnect; on_message gets every reply pushed on the
  // channel (the subscribe confirmation included).
  void subscribe(const std::string& channel, ReplyFn on_message);

  // Closes the connection (after the current callback when inside one); reconnects on a later tick.
  void drop();
  // From now on callbacks are not called (the owner forgot this link; it is freed later).
  void mute() { destroying_ = true; }

  int pending_commands() const { return pending_; }
  // When the next connection attempt may start (monotonic ms), after a failure.
  int64_t next_attempt_ms() const { return next_attempt_; }
  // The local address of the socket ("" when not connected), for the hello message.
  std::string local_ip() const;
  const Options& options() const { return options_; }
  void set_password(std::string user, std::string password);

  // Optional notifications.
  std::function<void()> on_connect;
  std::function<void()> on_disconnect;
  // The AUTH sent after connecting was refused (the error text, e.g. "WRONGPASS ..."); the link stays up,
  // and the server answers NOAUTH to what follows.
  std::function<void(const std::string& error)> on_auth_error;

 private:
  struct Pending;
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
  static void on_connect_cb(const redisAsyncContext* ac, int status);
  static void on_disconnect_cb(const redisAsyncContext* ac, int status);
  void start(int64_t now_ms);
  void lost(int64_t now_ms, bool refused = false);
  void send_handshake();
  bool send_raw(const std::vector<std::string>& argv, Pending* p);

  uv_loop_t* loop_;
  Options options_;
  redisAsyncContext* ac_ = nullptr;
  bool established_ = false;
  bool drop_requested_ = false;
  bool destroying_ = false;
  int pending_ = 0;
  int64_t started_at_ = 0, connected_at_ = 0, next_attempt_ = 0, backoff_ = 0;
  std::vector<std::pair<std::string, ReplyFn>> subscriptions_;
};

}  // namespace rlink
