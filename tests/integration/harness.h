// What integration tests share: temporary directories, free loopback ports, starting the real binaries
// (and real redis-server/redis-sentinel) as child processes, killing them by PID, and a small
// synchronous client over hiredis.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct redisContext;

namespace harness {

// A fresh directory under /tmp, removed with everything in it when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& content) const;
  std::string read(const std::string& name) const;

 private:
  std::string path_;
};

// A TCP port on 127.0.0.1 nobody listens on right now.
int free_port();

// A child process; killed with SIGKILL when the object goes away if still running. A sanitizer report
// the child wrote to its log (ASan, LSan, UBSan of a -DSANITIZE=ON build) fails the running test when
// the child is reaped or the object goes away: a node that dies of one, or leaks at exit, is a failure
// even when the test itself expected it to stop.
class Process {
 public:
  Process() = default;
  Process(const std::string& binary, const std::vector<std::string>& args, const std::string& log_path);
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;

  pid_t pid() const { return pid_; }
  bool running();
  void kill(int signal);  // sends the signal to this PID only
  // Waits for exit; returns the exit status or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  const std::string& log_path() const { return log_; }
  std::string log() const;

 private:
  void check_sanitizer_reports();

  pid_t pid_ = -1;
  std::string log_;
  // Where this child's output starts in the log (a restarted node appends to its predecessor's).
  std::uintmax_t log_start_ = 0;
  bool checked_ = false;
};

// The sanitizer reports (from their "ERROR: ...Sanitizer" or UBSan "runtime error:" line on) in `text`,
// "" when there are none.
std::string sanitizer_reports(const std::string& text);

// Polls until a TCP connect to 127.0.0.1:port succeeds.
bool wait_for_port(int port, std::chrono::milliseconds timeout);
// Polls `cond` every 20 ms until it holds or the timeout passes.
bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

struct Reply {
  enum class Type { kString, kArray, kInteger, kNil, kStatus, kError, kDouble, kBool, kMap, kOther } type =
      Type::kNil;
  std::string str;
  int64_t integer = 0;
  std::vector<Reply> elements;
  bool is_error() const { return type == Type::kError; }
  bool is_nil() const { return type == Type::kNil; }
};

// Synchronous client; a failed connection or I/O error gives an error reply starting with "IO".
class Client {
 public:
  explicit Client(int port, const std::string& host = "127.0.0.1");
  ~Client();
  bool connected() const;
  Reply command(const std::vector<std::string>& args);
  // Sends a raw byte string and reads one reply.
  Reply raw(const std::string& bytes);
  // Reads the next reply (pub/sub messages).
  Reply read();
  void set_timeout(std::chrono::milliseconds t);
  redisContext* context() { return ctx_; }

 private:
  redisContext* ctx_ = nullptr;
};

// The datanode started on a free port with the given extra TOML lines, in its own temporary dir.
struct Datanode {
  explicit Datanode(const std::string& extra_toml = "", const std::string& binary = "");
  void start();
  void restart();
  std::unique_ptr<Client> client() const { return std::make_unique<Client>(port); }
  TempDir dir;
  int port;
  std::string config_path;
  std::string binary;
  Process process;
};

// The value of `key` in the text of an INFO reply (its "key:value" line), "" when absent.
std::string info_field(const std::string& info, const std::string& key);
// INFO <section> on the client, then the value of `key` in it.
std::string info_field(Client& c, const std::string& section, const std::string& key);

// Runs a shell command and returns its standard output (for redis-cli).
std::string run(const std::string& command, int* status = nullptr);
bool have_program(const std::string& name);

}  // namespace harness
