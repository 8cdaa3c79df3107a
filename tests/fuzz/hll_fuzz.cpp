// libFuzzer target for the HyperLogLog codec (datanode/types/hll.h) on hostile strings, as PFCOUNT,
// PFMERGE, PFADD and PFDEBUG meet them when a client SETs arbitrary bytes. The input gets the "HYLL"
// header when its first byte asks for it, so the register decoders are reached. Invariants: no crash
// or out-of-bounds access; a value that counts also merges and converts to dense, with the same
// registers and count; adds keep a value valid and never shrink a register.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "datanode/types/hll.h"

namespace {

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

void exercise(std::string s) {
  if (!hll::looks_valid(s)) return;
  std::vector<uint8_t> regs(hll::kRegisters, 0);
  auto count = hll::estimate(s);
  bool merged = hll::merge_into(s, regs.data());
  FUZZ_CHECK(count.has_value() == merged);
  std::string dense = s;
  bool converted = hll::to_dense(dense);
  FUZZ_CHECK(converted == merged);
  if (converted) {
    FUZZ_CHECK(dense.size() == hll::kDenseSize);
    FUZZ_CHECK(hll::estimate(dense) == count);
    std::vector<uint8_t> again(hll::kRegisters, 0);
    FUZZ_CHECK(hll::merge_into(dense, again.data()));
    FUZZ_CHECK(again == regs);
  }
  if (hll::encoding(s) == hll::kSparse) (void)hll::decode_sparse(s);
  // PFADD on whatever this is: a few elements, with a small sparse limit so promotion happens too.
  for (int i = 0; i < 4; ++i) {
    int r = hll::add(s, "element" + std::to_string(i), 64);
    if (r < 0) return;
    FUZZ_CHECK(s.size() >= hll::kHeaderSize);
  }
  if (merged) {
    std::vector<uint8_t> after(hll::kRegisters, 0);
    if (hll::merge_into(s, after.data()))
      for (int i = 0; i < hll::kRegisters; ++i)
        FUZZ_CHECK(after[static_cast<size_t>(i)] >= regs[static_cast<size_t>(i)]);
  }
  for (int i = 0; i < hll::kRegisters; i += 997)
    hll::set_register(s, i, static_cast<uint8_t>(1 + i % 50), 3000);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  exercise(std::string(in));
  if (size == 0) return 0;
  // Header with the encoding from the first byte, cache bytes from the input, then the rest as registers.
  std::string s("HYLL", 4);
  s.push_back(static_cast<char>(static_cast<uint8_t>(in[0]) & 1));
  s.append(11, '\0');
  s[15] = static_cast<char>(0x80);
  s.append(in.substr(1));
  if ((static_cast<uint8_t>(in[0]) & 1) == 0) s.resize(hll::kDenseSize, '\0');
  exercise(std::move(s));
  return 0;
}
