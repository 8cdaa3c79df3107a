// RDB constants, as Redis 7.0 (RDB version 10) defines them.
#pragma once

#include <cstdint>

namespace rdb {

constexpr int kVersion = 10;

// Object types.
enum : uint8_t {
  kTypeString = 0,
  kTypeList = 1,
  kTypeSet = 2,
  kTypeZSet = 3,
  kTypeHash = 4,
  kTypeZSet2 = 5,
  kTypeModule = 6,
  kTypeModule2 = 7,
  kTypeHashZipmap = 9,
  kTypeListZiplist = 10,
  kTypeSetIntset = 11,
  kTypeZSetZiplist = 12,
  kTypeHashZiplist = 13,
  kTypeListQuicklist = 14,
  kTypeStreamListpacks = 15,
  kTypeHashListpack = 16,
  kTypeZSetListpack = 17,
  kTypeListQuicklist2 = 18,
  kTypeStreamListpacks2 = 19,
  kTypeSetListpack = 20,
};

// Opcodes between key/value pairs.
enum : uint8_t {
  kOpFunction2 = 245,
  kOpFunctionPreGa = 246,
  kOpModuleAux = 247,
  kOpIdle = 248,
  kOpFreq = 249,
  kOpAux = 250,
  kOpResizeDb = 251,
  kOpExpireTimeMs = 252,
  kOpExpireTime = 253,
  kOpSelectDb = 254,
  kOpEof = 255,
};

// Length encodings: the two top bits of the first byte.
enum : uint8_t {
  kLen6Bit = 0,
  kLen14Bit = 1,
  kLen32Bit = 0x80,
  kLen64Bit = 0x81,
  kLenEncoded = 3,  // 11xxxxxx: a specially encoded string follows
};
enum : uint8_t { kEncInt8 = 0, kEncInt16 = 1, kEncInt32 = 2, kEncLzf = 3 };

// Quicklist 2 node containers.
enum : uint8_t { kQuicklistNodePlain = 1, kQuicklistNodePacked = 2 };

}  // namespace rdb
