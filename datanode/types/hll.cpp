// HyperLogLog codec: hashing, dense and sparse register updates, merge and estimation (see hll.h).
#include "datanode/types/hll.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace hll {
namespace {

constexpr int kQ = 64 - kPrecision;  // hash bits left for the zero run
constexpr int kRegisterMax = (1 << kRegisterBits) - 1;
constexpr int kSparseValMax = 32;
constexpr int kSparseValMaxLen = 4;
constexpr int kSparseZeroMaxLen = 64;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)

// Sparse opcodes.
bool is_zero(uint8_t op) { return (op & 0xc0) == 0; }
bool is_xzero(uint8_t op) { return (op & 0xc0) == 0x40; }
bool is_val(uint8_t op) { return (op & 0x80) != 0; }
int zero_len(uint8_t op) { return (op & 0x3f) + 1; }
int xzero_len(uint8_t op, uint8_t next) { return (((op & 0x3f) << 8) | next) + 1; }
int val_value(uint8_t op) { return ((op >> 2) & 0x1f) + 1; }
int val_len(uint8_t op) { return (op & 0x3) + 1; }
uint8_t make_val(int value, int len) { return static_cast<uint8_t>(0x80 | ((value - 1) << 2) | (len - 1)); }

// Appends a run of zeros as ZERO or XZERO.
void put_zeros(std::string& out, int len) {
  if (len > kSparseZeroMaxLen) {
    out.push_back(static_cast<char>(0x40 | ((len - 1) >> 8)));
    out.push_back(static_cast<char>((len - 1) & 0xff));
  } else {
    out.push_back(static_cast<char>(len - 1));
  }
}

uint8_t byte_at(std::string_view s, size_t i) { return i < s.size() ? static_cast<uint8_t>(s[i]) : 0; }

// Walks the sparse opcodes: fn(first_register, run_length, value). A trailing XZERO cut after its first
// byte reads its second byte as 0, as Redis does (its strings end with a NUL). Returns the registers
// covered, stopping early (with a count above kRegisters) when a VAL run would pass the end.
template <typename F>
int64_t walk_sparse(std::string_view s, F&& fn) {
  int64_t idx = 0;
  for (size_t p = kHeaderSize; p < s.size();) {
    uint8_t op = static_cast<uint8_t>(s[p]);
    if (is_zero(op)) {
      idx += zero_len(op);
      p += 1;
    } else if (is_xzero(op)) {
      idx += xzero_len(op, byte_at(s, p + 1));
      p += 2;
    } else {
      int len = val_len(op);
      if (idx + len > kRegisters) return kRegisters + 1;
      fn(static_cast<int>(idx), len, val_value(op));
      idx += len;
      p += 1;
    }
  }
  return idx;
}

double sigma(double x) {
  if (x == 1.) return INFINITY;
  double y = 1, z = x, prev;
  do {
    x *= x;
    prev = z;
    z += x * y;
    y += y;
  } while (prev != z);
  return z;
}

double tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double y = 1.0, z = 1 - x, prev;
  do {
    x = std::sqrt(x);
    prev = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (prev != z);
  return z / 3;
}

// Histogram of register values -> cardinality, with Redis' floating point steps in the same order so
// the result agrees to the last digit.
uint64_t from_histogram(const int64_t (&histo)[64]) {
  double m = kRegisters;
  double z = m * tau((m - static_cast<double>(histo[kQ + 1])) / m);
  for (int j = kQ; j >= 1; --j) {
    z += static_cast<double>(histo[j]);
    z *= 0.5;
  }
  z += m * sigma(static_cast<double>(histo[0]) / m);
  double e = kAlphaInf * m * m / z;
  return static_cast<uint64_t>(std::llroundl(e));
}

}  // namespace

uint64_t murmur64a(std::string_view data, uint32_t seed) {
  const uint64_t m = 0xc6a4a7935bd1e995ULL;
  const int r = 47;
  uint64_t h = seed ^ (static_cast<uint64_t>(data.size()) * m);
  size_t blocks = data.size() / 8;
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  for (size_t i = 0; i < blocks; ++i) {
    uint64_t k = 0;
    for (int b = 7; b >= 0; --b) k = (k << 8) | bytes[i * 8 + static_cast<size_t>(b)];
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  size_t rest = data.size() & 7;
  if (rest > 0) {
    const uint8_t* tail = bytes + blocks * 8;
    for (size_t b = rest; b-- > 0;) h ^= static_cast<uint64_t>(tail[b]) << (8 * b);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

int pattern_length(std::string_view element, int& index) {
  uint64_t hash = murmur64a(element, 0xadc83b19U);
  index = static_cast<int>(hash & (kRegisters - 1));
  hash >>= kPrecision;
  hash |= uint64_t{1} << kQ;  // the run ends at bit kQ at the latest
  return std::countr_zero(hash) + 1;
}

std::string create() {
  std::string s(kHeaderSize, '\0');
  std::memcpy(s.data(), "HYLL", 4);
  s[4] = static_cast<char>(kSparse);
  put_zeros(s, kRegisters);
  return s;
}

bool looks_valid(std::string_view s) {
  if (s.size() < kHeaderSize || s.substr(0, 4) != "HYLL") return false;
  uint8_t enc = static_cast<uint8_t>(s[4]);
  if (enc > kSparse) return false;
  return enc != kDense || s.size() == kDenseSize;
}

uint8_t encoding(std::string_view s) { return static_cast<uint8_t>(s[4]); }

uint8_t dense_get(const uint8_t* regs, size_t regs_len, int index) {
  size_t bit = static_cast<size_t>(index) * kRegisterBits;
  size_t byte = bit / 8, shift = bit & 7;
  unsigned b0 = regs[byte];
  unsigned b1 = byte + 1 < regs_len ? regs[byte + 1] : 0;
  return static_cast<uint8_t>(((b0 >> shift) | (b1 << (8 - shift))) & kRegisterMax);
}

void dense_set(uint8_t* regs, size_t regs_len, int index, uint8_t value) {
  size_t bit = static_cast<size_t>(index) * kRegisterBits;
  size_t byte = bit / 8, shift = bit & 7;
  unsigned v = value;
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~(kRegisterMax << shift)) | (v << shift));
  if (byte + 1 < regs_len) {
    unsigned spill = kRegisterMax >> (8 - shift);
    regs[byte + 1] = static_cast<uint8_t>((regs[byte + 1] & ~spill) | (v >> (8 - shift)));
  }
}

namespace {

uint8_t* dense_regs(std::string& s) { return reinterpret_cast<uint8_t*>(s.data()) + kHeaderSize; }
const uint8_t* dense_regs(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data()) + kHeaderSize;
}

int dense_raise(std::string& s, int index, uint8_t count) {
  size_t len = s.size() - kHeaderSize;
  if (dense_get(dense_regs(s), len, index) >= count) return 0;
  dense_set(dense_regs(s), len, index, count);
  return 1;
}

// Redis merges equal VAL neighbours in a window of five opcodes from the one before the change.
void merge_neighbours(std::string& s, size_t from) {
  size_t p = from;
  for (int budget = 5; p < s.size() && budget > 0; --budget) {
    uint8_t op = static_cast<uint8_t>(s[p]);
    if (is_xzero(op)) {
      p += 2;
      continue;
    }
    if (is_zero(op)) {
      p += 1;
      continue;
    }
    if (p + 1 < s.size() && is_val(static_cast<uint8_t>(s[p + 1]))) {
      uint8_t next = static_cast<uint8_t>(s[p + 1]);
      int len = val_len(op) + val_len(next);
      if (val_value(op) == val_value(next) && len <= kSparseValMaxLen) {
        s[p + 1] = static_cast<char>(make_val(val_value(op), len));
        s.erase(p, 1);
        continue;  // the merged opcode may merge again with the one after it
      }
    }
    p += 1;
  }
}

int sparse_set(std::string& s, int index, uint8_t count, int64_t sparse_max_bytes) {
  auto promote = [&]() {
    if (!to_dense(s)) return -1;
    dense_raise(s, index, count);
    return 1;
  };
  if (count > kSparseValMax) return promote();

  // Find the opcode covering the register.
  size_t p = kHeaderSize, prev = 0;
  bool has_prev = false;
  int64_t first = 0, span = 0;
  size_t oplen = 1;
  while (p < s.size()) {
    uint8_t op = static_cast<uint8_t>(s[p]);
    oplen = 1;
    if (is_zero(op)) {
      span = zero_len(op);
    } else if (is_val(op)) {
      span = val_len(op);
    } else {
      if (p + 1 >= s.size()) return -1;  // an XZERO cut in half
      span = xzero_len(op, static_cast<uint8_t>(s[p + 1]));
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    has_prev = true;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= s.size()) return -1;

  uint8_t op = static_cast<uint8_t>(s[p]);
  if (is_val(op)) {
    if (val_value(op) >= count) return 0;
    if (val_len(op) == 1) {
      s[p] = static_cast<char>(make_val(count, 1));
      merge_neighbours(s, has_prev ? prev : kHeaderSize);
      invalidate_cache(s);
      return 1;
    }
  }
  if (is_zero(op) && zero_len(op) == 1) {
    s[p] = static_cast<char>(make_val(count, 1));
    merge_neighbours(s, has_prev ? prev : kHeaderSize);
    invalidate_cache(s);
    return 1;
  }

  // Split the covering run around the register: at most XZERO VAL XZERO.
  int64_t last = first + span - 1;
  std::string seq;
  if (!is_val(op)) {
    if (index != first) put_zeros(seq, static_cast<int>(index - first));
    seq.push_back(static_cast<char>(make_val(count, 1)));
    if (index != last) put_zeros(seq, static_cast<int>(last - index));
  } else {
    int cur = val_value(op);
    if (index != first) seq.push_back(static_cast<char>(make_val(cur, static_cast<int>(index - first))));
    seq.push_back(static_cast<char>(make_val(count, 1)));
    if (index != last) seq.push_back(static_cast<char>(make_val(cur, static_cast<int>(last - index))));
  }
  int64_t delta = static_cast<int64_t>(seq.size()) - static_cast<int64_t>(oplen);
  if (delta > 0 && static_cast<int64_t>(s.size()) + delta > sparse_max_bytes) return promote();
  s.replace(p, oplen, seq);
  merge_neighbours(s, has_prev ? prev : kHeaderSize);
  invalidate_cache(s);
  return 1;
}

}  // namespace

int set_register(std::string& s, int index, uint8_t count, int64_t sparse_max_bytes) {
  if (encoding(s) == kDense) return dense_raise(s, index, count);
  if (encoding(s) == kSparse) return sparse_set(s, index, count, sparse_max_bytes);
  return -1;
}

int add(std::string& s, std::string_view element, int64_t sparse_max_bytes) {
  int index = 0;
  int count = pattern_length(element, index);
  return set_register(s, index, static_cast<uint8_t>(count), sparse_max_bytes);
}

bool to_dense(std::string& s) {
  if (encoding(s) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), s.data(), kHeaderSize);  // magic and cached cardinality
  dense[4] = static_cast<char>(kDense);
  uint8_t* regs = dense_regs(dense);
  size_t len = kDenseSize - kHeaderSize;
  int64_t covered = walk_sparse(s, [&](int first, int run, int value) {
    for (int i = 0; i < run; ++i) dense_set(regs, len, first + i, static_cast<uint8_t>(value));
  });
  if (covered != kRegisters) return false;
  s = std::move(dense);
  return true;
}

bool merge_into(std::string_view s, uint8_t* max) {
  if (encoding(s) == kDense) {
    const uint8_t* regs = dense_regs(s);
    size_t len = s.size() - kHeaderSize;
    for (int i = 0; i < kRegisters; ++i) max[i] = std::max(max[i], dense_get(regs, len, i));
    return true;
  }
  int64_t covered = walk_sparse(s, [&](int first, int run, int value) {
    for (int i = 0; i < run; ++i) max[first + i] = std::max(max[first + i], static_cast<uint8_t>(value));
  });
  return covered == kRegisters;
}

std::optional<uint64_t> estimate(std::string_view s) {
  int64_t histo[64] = {};
  if (encoding(s) == kDense) {
    const uint8_t* regs = dense_regs(s);
    size_t len = s.size() - kHeaderSize;
    for (int i = 0; i < kRegisters; ++i) histo[dense_get(regs, len, i)]++;
  } else {
    // Unlike a merge, the count does not stop at a VAL past the end: only the total matters.
    int64_t idx = 0;
    for (size_t p = kHeaderSize; p < s.size();) {
      uint8_t op = static_cast<uint8_t>(s[p]);
      int64_t run;
      if (is_zero(op)) {
        run = zero_len(op);
        histo[0] += run;
        p += 1;
      } else if (is_xzero(op)) {
        run = xzero_len(op, byte_at(s, p + 1));
        histo[0] += run;
        p += 2;
      } else {
        run = val_len(op);
        histo[val_value(op)] += run;
        p += 1;
      }
      idx += run;
    }
    if (idx != kRegisters) return std::nullopt;
  }
  return from_histogram(histo);
}

uint64_t estimate_registers(const uint8_t* registers) {
  int64_t histo[64] = {};
  for (int i = 0; i < kRegisters; ++i) histo[registers[i] & 63]++;
  return from_histogram(histo);
}

bool cache_valid(std::string_view s) { return (static_cast<uint8_t>(s[15]) & 0x80) == 0; }

uint64_t cached(std::string_view s) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[8 + static_cast<size_t>(i)]);
  return v;
}

void store_cache(std::string& s, uint64_t card) {
  for (size_t i = 0; i < 8; ++i) s[8 + i] = static_cast<char>((card >> (8 * i)) & 0xff);
}

void invalidate_cache(std::string& s) { s[15] = static_cast<char>(static_cast<uint8_t>(s[15]) | 0x80); }

std::string decode_sparse(std::string_view s) {
  std::string out;
  for (size_t p = kHeaderSize; p < s.size();) {
    uint8_t op = static_cast<uint8_t>(s[p]);
    if (is_zero(op)) {
      out += "z:" + std::to_string(zero_len(op)) + " ";
      p += 1;
    } else if (is_xzero(op)) {
      out += "Z:" + std::to_string(xzero_len(op, byte_at(s, p + 1))) + " ";
      p += 2;
    } else {
      out += "v:" + std::to_string(val_value(op)) + "," + std::to_string(val_len(op)) + " ";
      p += 1;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string self_test(int64_t sparse_max_bytes) {
  std::mt19937_64 rng(std::random_device{}());
  std::vector<uint8_t> regs(kDenseSize - kHeaderSize + 1, 0), expected(kRegisters);
  size_t len = kDenseSize - kHeaderSize;
  for (int round = 0; round < 1000; ++round) {
    for (int i = 0; i < kRegisters; ++i) {
      expected[static_cast<size_t>(i)] = static_cast<uint8_t>(rng() & kRegisterMax);
      dense_set(regs.data(), len, i, expected[static_cast<size_t>(i)]);
    }
    for (int i = 0; i < kRegisters; ++i) {
      uint8_t got = dense_get(regs.data(), len, i);
      if (got != expected[static_cast<size_t>(i)])
        return "TESTFAILED Register " + std::to_string(i) + " should be " +
               std::to_string(expected[static_cast<size_t>(i)]) + " but is " + std::to_string(got);
    }
  }
  // Dense and sparse fed the same elements agree, and stay within six standard errors.
  std::string dense = create();
  to_dense(dense);
  std::string sparse = create();
  double relerr = 1.04 / std::sqrt(static_cast<double>(kRegisters));
  uint64_t seed = rng();
  int64_t checkpoint = 1;
  for (int64_t j = 1; j <= 10000000; ++j) {
    uint64_t ele = static_cast<uint64_t>(j) ^ seed;
    std::string_view bytes(reinterpret_cast<const char*>(&ele), sizeof ele);
    add(dense, bytes, sparse_max_bytes);
    add(sparse, bytes, sparse_max_bytes);
    if (j != checkpoint) continue;
    if (j < sparse_max_bytes / 2 && encoding(sparse) != kSparse) return "TESTFAILED sparse encoding not used";
    uint64_t d = estimate(dense).value_or(0), sp = estimate(sparse).value_or(0);
    if (d != sp) return "TESTFAILED dense/sparse disagree";
    int64_t abserr = std::llabs(checkpoint - static_cast<int64_t>(d));
    int64_t maxerr = static_cast<int64_t>(std::ceil(relerr * 6 * static_cast<double>(checkpoint)));
    if (j == 10) maxerr = 1;
    if (abserr > maxerr)
      return "TESTFAILED Too big error. card:" + std::to_string(checkpoint) +
             " abserr:" + std::to_string(abserr);
    checkpoint *= 10;
  }
  return "";
}

}  // namespace hll
