// HyperLogLog in Redis' exact representation, so values move between redis-server and the datanode
// with GET/SET, DUMP/RESTORE or replication and keep working on both sides.
//
// A value is a string: a 16-byte header ("HYLL", encoding byte, 3 unused bytes, cached cardinality as
// 8 bytes little endian whose top bit set means "stale") followed by either the dense registers (16384
// registers of 6 bits, packed from the least significant bit of each byte) or the sparse run-length
// opcodes: ZERO 00xxxxxx (1..64 zero registers), XZERO 01xxxxxx yyyyyyyy (1..16384 zero registers),
// VAL 1vvvvvxx (1..4 registers of value 1..32). Updates of the sparse form follow the same steps as
// Redis (split the covering opcode, then merge equal neighbours), so both produce identical bytes.
//
// Every function here is safe on hostile bytes: lengths are checked against the string, and a sparse
// sequence that does not cover exactly 16384 registers is reported as corrupt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hll {

inline constexpr int kPrecision = 14;
inline constexpr int kRegisters = 1 << kPrecision;  // 16384
inline constexpr int kRegisterBits = 6;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * kRegisterBits + 7) / 8;  // 12304
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;

// MurmurHash2, 64-bit, reading 8-byte blocks as little endian (Redis' endian-neutral variant).
uint64_t murmur64a(std::string_view data, uint32_t seed);
// The register an element goes to and the length of its 0..01 pattern (1..51).
int pattern_length(std::string_view element, int& index);

// An empty HLL as Redis builds it: sparse, one XZERO:16384 opcode, cached cardinality 0 (valid).
std::string create();
// The checks Redis makes before treating a string as an HLL: length, magic, encoding, dense length.
bool looks_valid(std::string_view s);
uint8_t encoding(std::string_view s);

// Raises register `index` to `count` if it is lower. 1: changed, 0: unchanged, -1: corrupt sparse data.
// A sparse value grows past `sparse_max_bytes` or gets a register above 32 by turning dense.
int set_register(std::string& s, int index, uint8_t count, int64_t sparse_max_bytes);
int add(std::string& s, std::string_view element, int64_t sparse_max_bytes);
// Rewrites a sparse value as dense (no-op for dense). false when the sparse data is corrupt.
bool to_dense(std::string& s);
// max[i] = max(max[i], register i) for the 16384 registers; false when the sparse data is corrupt.
bool merge_into(std::string_view s, uint8_t* max);

// The estimate from the registers (Ertl's improved estimator, as Redis 5+), nullopt when corrupt.
std::optional<uint64_t> estimate(std::string_view s);
uint64_t estimate_registers(const uint8_t* registers);  // one byte per register

bool cache_valid(std::string_view s);
uint64_t cached(std::string_view s);
void store_cache(std::string& s, uint64_t card);
void invalidate_cache(std::string& s);

// Dense register access on the register bytes (after the header).
uint8_t dense_get(const uint8_t* regs, size_t regs_len, int index);
void dense_set(uint8_t* regs, size_t regs_len, int index, uint8_t value);

// PFDEBUG DECODE's text for a sparse value: "Z:16384", "z:3 v:2,1 ...".
std::string decode_sparse(std::string_view s);
// PFSELFTEST: register access and estimation error; "" on success or the error text.
std::string self_test(int64_t sparse_max_bytes);

}  // namespace hll
