// DUMP/RESTORE payloads (see value_payload.h), built on the RDB encoder's primitives and, for reading,
// on the RDB decoder itself: the payload's value is wrapped as the only key of a minimal RDB stream, so
// every encoding the snapshot loader reads, RESTORE reads too.
#include "datanode/rdb/value_payload.h"
#include "datanode/rdb/stream_codec.h"

#include <cmath>

#include "datanode/rdb/crc64.h"
#include "datanode/rdb/decoder.h"
#include "datanode/rdb/encoder.h"
#include "datanode/rdb/format.h"

namespace rdb {
namespace {

constexpr size_t kFooterSize = 10;

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool is_value_type(uint8_t t) {
  switch (t) {
    case kTypeString:
    case kTypeList:
    case kTypeSet:
    case kTypeZSet:
    case kTypeHash:
    case kTypeZSet2:
    case kTypeListZiplist:
    case kTypeSetIntset:
    case kTypeZSetZiplist:
    case kTypeHashZiplist:
    case kTypeListQuicklist:
    case kTypeHashListpack:
    case kTypeZSetListpack:
    case kTypeListQuicklist2:
    case kTypeSetListpack:
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2: return true;
    default: return false;  // streams, modules, zipmap hashes, opcodes
  }
}

// What Redis refuses on load even when the bytes parse: empty aggregates and NaN scores.
bool acceptable(const store::Value& v) {
  if (v.type() == store::Type::kString || v.type() == store::Type::kStream) return true;
  if (v.length() == 0) return false;
  if (v.type() == store::Type::kZSet) {
    bool nan = false;
    v.zset().for_each([&](const std::string&, double score) { nan = nan || std::isnan(score); });
    return !nan;
  }
  return true;
}

}  // namespace

std::string dump_payload(const store::Value& value) {
  std::string out;
  Encoder e(&out);
  switch (value.type()) {
    case store::Type::kString:
      out.push_back(static_cast<char>(kTypeString));
      e.string(value.str());
      break;
    case store::Type::kList:
      out.push_back(static_cast<char>(kTypeList));
      e.length(value.list().size());
      for (const auto& item : value.list()) e.string(item);
      break;
    case store::Type::kSet:
      out.push_back(static_cast<char>(kTypeSet));
      e.length(value.set().size());
      for (const auto& member : value.set()) e.string(member);
      break;
    case store::Type::kHash:
      out.push_back(static_cast<char>(kTypeHash));
      e.length(value.hash().size());
      for (const auto& [field, v] : value.hash()) {
        e.string(field);
        e.string(v);
      }
      break;
    case store::Type::kZSet:
      out.push_back(static_cast<char>(kTypeZSet2));
      e.length(value.zset().size());
      value.zset().for_each([&](const std::string& member, double score) {
        e.string(member);
        e.binary_double(score);
      });
      break;
    case store::Type::kStream:
      out.push_back(static_cast<char>(kTypeStreamListpacks2));
      encode_stream(e, value.stream());
      break;
  }
  put_le(out, kDumpVersion, 2);
  put_le(out, crc64(0, out), 8);
  return out;
}

bool verify_payload(std::string_view payload) {
  if (payload.size() < kFooterSize) return false;
  std::string_view footer = payload.substr(payload.size() - kFooterSize);
  unsigned version =
      static_cast<uint8_t>(footer[0]) | (static_cast<unsigned>(static_cast<uint8_t>(footer[1])) << 8);
  if (version > kDumpVersion) return false;
  uint64_t stored = 0;
  for (int i = 7; i >= 0; --i)
    stored = (stored << 8) | static_cast<uint8_t>(footer[2 + static_cast<size_t>(i)]);
  return stored == crc64(0, payload.substr(0, payload.size() - 8));
}

std::optional<store::Value> load_payload(std::string_view payload) {
  if (payload.size() <= kFooterSize) return std::nullopt;
  std::string_view body = payload.substr(0, payload.size() - kFooterSize);
  if (!is_value_type(static_cast<uint8_t>(body[0]))) return std::nullopt;
  // REDIS0010, <type> <empty key> <value>, EOF and a zero checksum (which the loader does not check).
  std::string rdb = "REDIS0010";
  rdb.reserve(body.size() + 20);
  rdb.push_back(body[0]);
  rdb.push_back('\0');
  rdb.append(body.substr(1));
  rdb.push_back(static_cast<char>(kOpEof));
  rdb.append(8, '\0');
  std::optional<store::Value> out;
  // Bytes after the value are ignored, as Redis ignores them: only the first key counts.
  decode(
      rdb,
      [&](int, std::string, store::Value v, int64_t) {
        if (!out) out = std::move(v);
      },
      nullptr);
  if (!out || !acceptable(*out)) return std::nullopt;
  return out;
}

}  // namespace rdb
