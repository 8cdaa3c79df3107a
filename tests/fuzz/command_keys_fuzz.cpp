// libFuzzer target for what COMMAND GETKEYS and the slow log do with a client's arguments: key
// extraction from Redis 7.0's key specs (keyword searches, key counts read from the arguments, ranges
// with limits) and the trimming of a logged argv. Input: arguments separated by '\n', the first naming
// the command. Every key position must be a real argument after the name; trimmed argvs stay bounded.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "datanode/commands/command_meta.h"
#include "datanode/server/slowlog.h"

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> argv;
  while (!in.empty() && argv.size() < 4096) {
    size_t nl = in.find('\n');
    argv.push_back(in.substr(0, nl));
    if (nl == std::string_view::npos) break;
    in.remove_prefix(nl + 1);
  }
  if (argv.empty()) return 0;
  auto trimmed = datanode::SlowLog::trimmed_argv(argv);
  FUZZ_CHECK(trimmed.size() <= datanode::SlowLog::kMaxArgs);
  for (const auto& a : trimmed) FUZZ_CHECK(a.size() <= datanode::SlowLog::kMaxArgBytes + 40);

  const datanode::meta::CommandMeta* m = datanode::meta::find(argv[0]);
  if (m == nullptr && argv.size() > 1) {
    std::string full(argv[0]);
    full += '|';
    full += argv[1];
    m = datanode::meta::find(full);
  }
  if (m == nullptr) return 0;
  datanode::meta::has_keys(*m);
  auto keys = datanode::meta::keys_of(*m, argv);
  if (keys) {
    for (const auto& k : *keys) {
      FUZZ_CHECK(k.pos >= 1);
      FUZZ_CHECK(k.pos < argv.size());
    }
  }
  return 0;
}
