#include "datanode/rdb/encoder.h"

#include <cstring>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "common/version/version.h"
#include "datanode/rdb/crc64.h"
#include "datanode/rdb/format.h"
#include "datanode/rdb/stream_codec.h"
#include "datanode/rdb/lzf.h"

namespace rdb {
namespace {

void put_le(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_be(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

void Encoder::header() {
  char magic[16];
  snprintf(magic, sizeof magic, "REDIS%04d", kVersion);
  out_->append(magic);
}

void Encoder::preamble(const SaveInfo& info) {
  header();
  aux("redis-ver", version::kRedisVersion);
  aux("redis-bits", sizeof(void*) == 8 ? "64" : "32");
  aux("ctime", std::to_string(util::unix_ms() / 1000));
  aux("used-mem", "0");
  if (info.has_repl) {
    aux("repl-stream-db", std::to_string(info.repl_stream_db));
    aux("repl-id", info.repl_id);
    aux("repl-offset", std::to_string(info.repl_offset));
  }
  aux("aof-base", "0");
  for (const std::string& code : info.function_libraries) {
    byte(kOpFunction2);
    string(code);
  }
}

void Encoder::aux(std::string_view key, std::string_view value) {
  byte(kOpAux);
  string(key);
  string(value);
}

void Encoder::select_db(uint64_t db) {
  byte(kOpSelectDb);
  length(db);
}

void Encoder::resize_db(uint64_t keys, uint64_t expires) {
  byte(kOpResizeDb);
  length(keys);
  length(expires);
}

void Encoder::length(uint64_t len) {
  if (len < (1 << 6)) {
    byte(static_cast<uint8_t>(len));
  } else if (len < (1 << 14)) {
    byte(static_cast<uint8_t>((len >> 8) | (kLen14Bit << 6)));
    byte(static_cast<uint8_t>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    byte(kLen32Bit);
    put_be(out_, len, 4);
  } else {
    byte(kLen64Bit);
    put_be(out_, len, 8);
  }
}

void Encoder::string(std::string_view s) {
  // Small canonical integers take the compact int encodings, as Redis' rdbTryIntegerEncoding.
  if (!s.empty() && s.size() <= 11) {
    auto v = util::parse_int(s);
    if (v && std::to_string(*v) == s) {
      if (*v >= INT8_MIN && *v <= INT8_MAX) {
        byte((kLenEncoded << 6) | kEncInt8);
        put_le(out_, static_cast<uint64_t>(*v), 1);
        return;
      }
      if (*v >= INT16_MIN && *v <= INT16_MAX) {
        byte((kLenEncoded << 6) | kEncInt16);
        put_le(out_, static_cast<uint64_t>(*v), 2);
        return;
      }
      if (*v >= INT32_MIN && *v <= INT32_MAX) {
        byte((kLenEncoded << 6) | kEncInt32);
        put_le(out_, static_cast<uint64_t>(*v), 4);
        return;
      }
    }
  }
  if (lzf_ != nullptr && s.size() > 20 && lzf_->compress(s, s.size() - 4, &scratch_)) {
    byte((kLenEncoded << 6) | kEncLzf);
    length(scratch_.size());
    length(s.size());
    out_->append(scratch_);
    return;
  }
  length(s.size());
  out_->append(s);
}

void Encoder::binary_double(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  put_le(out_, bits, 8);
}

void Encoder::key_value(std::string_view key, const store::Value& value, int64_t expire_ms) {
  if (expire_ms >= 0) {
    byte(kOpExpireTimeMs);
    put_le(out_, static_cast<uint64_t>(expire_ms), 8);
  }
  switch (value.type()) {
    case store::Type::kString:
      byte(kTypeString);
      string(key);
      string(value.str());
      break;
    case store::Type::kList:
      byte(kTypeList);
      string(key);
      length(value.list().size());
      for (const auto& e : value.list()) string(e);
      break;
    case store::Type::kSet:
      byte(kTypeSet);
      string(key);
      length(value.set().size());
      for (const auto& e : value.set()) string(e);
      break;
    case store::Type::kHash:
      byte(kTypeHash);
      string(key);
      length(value.hash().size());
      for (const auto& [f, v] : value.hash()) {
        string(f);
        string(v);
      }
      break;
    case store::Type::kZSet:
      byte(kTypeZSet2);
      string(key);
      length(value.zset().size());
      value.zset().for_each([this](const std::string& member, double score) {
        string(member);
        binary_double(score);
      });
      break;
    case store::Type::kStream:
      byte(kTypeStreamListpacks2);
      string(key);
      encode_stream(*this, value.stream());
      break;
  }
}

void Encoder::finish() {
  byte(kOpEof);
  uint64_t crc = crc64(0, *out_);
  put_le(out_, crc, 8);
}

std::string encode_snapshot(const std::vector<store::Database>& dbs, const SaveInfo& info) {
  std::string out;
  size_t estimate = 64;
  for (const auto& db : dbs) estimate += db.size() * 32;
  out.reserve(estimate);
  Encoder e(&out);
  e.preamble(info);
  for (const auto& db : dbs) {
    if (db.size() == 0) continue;
    e.select_db(static_cast<uint64_t>(db.index()));
    e.resize_db(db.size(), db.volatile_count());
    for (const auto& [key, value] : db.entries()) e.key_value(key, value, db.expire_at(key));
  }
  e.finish();
  return out;
}

}  // namespace rdb
