#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace harness {

TempDir::TempDir() {
  char tmpl[] = "/tmp/rha-test-XXXXXX";
  char* p = mkdtemp(tmpl);
  path_ = p ? p : "/tmp";
}

TempDir::~TempDir() {
  // HARNESS_KEEP_DIRS=1 keeps every node's directory (logs, AOF) for a post-mortem.
  if (std::getenv("HARNESS_KEEP_DIRS") != nullptr) return;
  std::error_code ec;
  if (path_ != "/tmp") std::filesystem::remove_all(path_, ec);
}

void TempDir::write(const std::string& name, const std::string& content) const {
  std::ofstream out(file(name), std::ios::binary);
  out << content;
}

std::string TempDir::read(const std::string& name) const {
  std::ifstream in(file(name), std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Below the ephemeral range (32768+), so that an outgoing connection of a parallel test cannot be holding
// the port by the time our server binds it; random so that parallel test processes rarely pick the same.
int free_port() {
  static std::mt19937 rng(std::random_device{}() ^ static_cast<unsigned>(getpid()));
  std::uniform_int_distribution<int> pick(20000, 32000);
  for (int attempt = 0; attempt < 1000; attempt++) {
    int port = pick(rng);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (ok) return port;
  }
  return 0;
}

Process::Process(const std::string& binary, const std::vector<std::string>& args, const std::string& log_path)
    : log_(log_path) {
  std::error_code ec;
  std::uintmax_t size = std::filesystem::file_size(log_path, ec);
  log_start_ = ec ? 0 : size;
  pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    // Dies with the test process, even when that one is killed and cannot clean up.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
}

Process::~Process() {
  if (pid_ > 0 && running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::milliseconds(5000));
  }
  check_sanitizer_reports();
}

Process::Process(Process&& other) noexcept
    : pid_(other.pid_), log_(std::move(other.log_)), log_start_(other.log_start_), checked_(other.checked_) {
  other.pid_ = -1;
  other.checked_ = true;
}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && running()) {
      ::kill(pid_, SIGKILL);
      wait(std::chrono::milliseconds(5000));
    }
    check_sanitizer_reports();
    pid_ = other.pid_;
    log_ = std::move(other.log_);
    log_start_ = other.log_start_;
    checked_ = other.checked_;
    other.pid_ = -1;
    other.checked_ = true;
  }
  return *this;
}

void Process::check_sanitizer_reports() {
  if (checked_ || log_.empty()) return;
  checked_ = true;
  std::ifstream in(log_, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(log_start_));
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string reports = sanitizer_reports(ss.str());
  if (reports.empty()) return;
  // Also on stderr: the fault suite runs the harness outside of any gtest test.
  std::fprintf(stderr, "sanitizer report in %s:\n%s\n", log_.c_str(), reports.c_str());
  ADD_FAILURE() << "sanitizer report in " << log_ << ":\n" << reports;
}

std::string sanitizer_reports(const std::string& text) {
  size_t first = std::string::npos;
  for (const char* marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", ": runtime error: "}) {
    size_t at = text.find(marker);
    if (at == std::string::npos) continue;
    size_t line = text.rfind('\n', at);
    first = std::min(first, line == std::string::npos ? 0 : line + 1);
  }
  if (first == std::string::npos) return "";
  constexpr size_t kShown = 12000;  // enough for the report and its stacks, not a whole log
  return text.substr(first, kShown);
}

bool Process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    check_sanitizer_reports();
    return false;
  }
  return r == 0;
}

void Process::kill(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

int Process::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      check_sanitizer_reports();
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

std::string Process::log() const {
  std::ifstream in(log_);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool wait_for_port(int port, std::chrono::milliseconds timeout) {
  return eventually(
      [port] {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<uint16_t>(port));
        bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        close(fd);
        return ok;
      },
      timeout);
}

bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

namespace {
Reply convert(const redisReply* r) {
  Reply out;
  if (r == nullptr) {
    out.type = Reply::Type::kError;
    out.str = "IO no reply";
    return out;
  }
  switch (r->type) {
    case REDIS_REPLY_STRING: out.type = Reply::Type::kString; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_STATUS: out.type = Reply::Type::kStatus; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_ERROR: out.type = Reply::Type::kError; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_INTEGER: out.type = Reply::Type::kInteger; out.integer = r->integer; break;
    case REDIS_REPLY_NIL: out.type = Reply::Type::kNil; break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default: out.type = Reply::Type::kOther; break;
  }
  return out;
}

Reply io_error(redisContext* c) {
  Reply out;
  out.type = Reply::Type::kError;
  out.str = std::string("IO ") + (c ? c->errstr : "no connection");
  return out;
}
}  // namespace

Client::Client(int port, const std::string& host) {
  timeval tv{5, 0};
  ctx_ = redisConnectWithTimeout(host.c_str(), port, tv);
  if (ctx_ && !ctx_->err) redisSetTimeout(ctx_, timeval{10, 0});
}

Client::~Client() {
  if (ctx_) redisFree(ctx_);
}

bool Client::connected() const { return ctx_ && !ctx_->err; }

void Client::set_timeout(std::chrono::milliseconds t) {
  if (!connected()) return;
  timeval tv{static_cast<time_t>(t.count() / 1000), static_cast<suseconds_t>((t.count() % 1000) * 1000)};
  redisSetTimeout(ctx_, tv);
}

Reply Client::command(const std::vector<std::string>& args) {
  if (!connected()) return io_error(ctx_);
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data()));
  if (r == nullptr) return io_error(ctx_);
  Reply out = convert(r);
  freeReplyObject(r);
  return out;
}

Reply Client::raw(const std::string& bytes) {
  if (!connected()) return io_error(ctx_);
  redisAppendFormattedCommand(ctx_, bytes.data(), bytes.size());
  return read();
}

Reply Client::read() {
  if (!connected()) return io_error(ctx_);
  void* r = nullptr;
  if (redisGetReply(ctx_, &r) != REDIS_OK || r == nullptr) return io_error(ctx_);
  Reply out = convert(static_cast<redisReply*>(r));
  freeReplyObject(r);
  return out;
}

Datanode::Datanode(const std::string& extra_toml, const std::string& bin) : port(free_port()) {
  binary = bin.empty() ? DATANODE_BIN : bin;
  config_path = dir.file("datanode.toml");
  dir.write("datanode.toml", "port = " + std::to_string(port) + "\nbind = [\"127.0.0.1\"]\ndir = \"" +
                                 dir.path() + "\"\n" +
                                 // Full syncs start at once (Redis' default waits 5 s for more replicas).
                                 (extra_toml.find("repl-diskless-sync-delay") == std::string::npos
                                      ? "repl-diskless-sync-delay = 0\n"
                                      : "") +
                                 // Tests drive the node with DEBUG and move its dir; production default is "no".
                                 (extra_toml.find("enable-debug-command") == std::string::npos
                                      ? "enable-debug-command = \"yes\"\n"
                                      : "") +
                                 (extra_toml.find("enable-protected-configs") == std::string::npos
                                      ? "enable-protected-configs = \"yes\"\n"
                                      : "") +
                                 extra_toml + "\n");
  start();
}

void Datanode::start() {
  process = Process(binary, {"--config", config_path}, dir.file("datanode.log"));
  wait_for_port(port, std::chrono::seconds(20));
}

void Datanode::restart() {
  process.kill(SIGKILL);
  process.wait(std::chrono::seconds(10));
  start();
}

std::string run(const std::string& command, int* status) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (status) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

bool have_program(const std::string& name) {
  int status = 0;
  run("command -v " + name + " >/dev/null 2>&1", &status);
  return status == 0;
}

std::string info_field(const std::string& info, const std::string& key) {
  const std::string text = "\r\n" + info;
  size_t at = text.find("\r\n" + key + ":");
  if (at == std::string::npos) return "";
  at += key.size() + 3;
  return text.substr(at, text.find("\r\n", at) - at);
}

std::string info_field(Client& c, const std::string& section, const std::string& key) {
  return info_field(c.command({"INFO", section}).str, key);
}

}  // namespace harness
