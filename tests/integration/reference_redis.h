// A real redis-server to compare against: the same commands go to it and to a datanode, and every
// reply that differs byte for byte is reported. Tests skip when redis-server is not installed.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness.h"
#include "raw_resp.h"

namespace reference {

struct RealRedis {
  // `extra`: more command-line options ("--enable-debug-command", "yes" ...).
  explicit RealRedis(const std::vector<std::string>& extra = {}) : port(harness::free_port()) {
    std::string bin = harness::run("command -v redis-server");
    while (!bin.empty() && (bin.back() == '\n' || bin.back() == ' ')) bin.pop_back();
    if (bin.empty()) return;
    std::vector<std::string> args = {"--port", std::to_string(port), "--bind", "127.0.0.1", "--save",
                                     "",       "--appendonly",       "no",     "--dir",     dir.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    process = harness::Process(bin, args, dir.file("redis.log"));
    available = harness::wait_for_port(port, std::chrono::seconds(10));
  }
  harness::TempDir dir;
  int port;
  harness::Process process;
  bool available = false;
};

// Runs `commands` on both connections in order; returns one line per differing reply. `mask` (when
// given) rewrites each reply before the comparison (times, ids that differ by nature).
inline std::vector<std::string> differences_on(rawresp::Conn& theirs, rawresp::Conn& ours,
                                               const std::vector<std::vector<std::string>>& commands,
                                               const std::function<std::string(std::string)>& mask = {}) {
  std::vector<std::string> out;
  for (const auto& cmd : commands) {
    std::string a = theirs.command(cmd), b = ours.command(cmd);
    if (mask) a = mask(a), b = mask(b);
    // An empty string is a missing reply: never count two of them as agreement.
    if (a != b || a.empty()) {
      std::string line;
      for (const auto& arg : cmd) line += arg + " ";
      out.push_back(line + "=> redis: " + a + " ours: " + b);
    }
  }
  return out;
}

// Runs `commands` on both servers in order; returns one line per differing reply.
inline std::vector<std::string> differences(int redis_port, int our_port,
                                            const std::vector<std::vector<std::string>>& commands) {
  rawresp::Conn theirs(redis_port), ours(our_port);
  return differences_on(theirs, ours, commands);
}

// The same on connections that first said HELLO `protocol` (its reply not compared: ids and versions
// differ), so RESP2 and RESP3 replies are both checked.
inline std::vector<std::string> differences_in(int protocol, int redis_port, int our_port,
                                               const std::vector<std::vector<std::string>>& commands,
                                               const std::function<std::string(std::string)>& mask = {}) {
  rawresp::Conn theirs(redis_port), ours(our_port);
  std::vector<std::string> hello = {"HELLO", std::to_string(protocol)};
  theirs.command(hello);
  ours.command(hello);
  return differences_on(theirs, ours, commands, mask);
}

// The same commands run in RESP2 and then in RESP3 (each on fresh connections, the RESP3 run after the
// RESP2 one on the same data, so both servers see the same sequence); differences carry their protocol.
inline std::vector<std::string> differences_resp2_and_3(int redis_port, int our_port,
                                                        const std::vector<std::vector<std::string>>& commands) {
  std::vector<std::string> out;
  for (int protocol : {2, 3})
    for (auto& d : differences_in(protocol, redis_port, our_port, commands))
      out.push_back("RESP" + std::to_string(protocol) + ": " + d);
  return out;
}

}  // namespace reference
