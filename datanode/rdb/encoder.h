// Writes RDB bytes (version 10, what Redis 7.0 reads): header, AUX fields, SELECTDB/RESIZEDB, key/value
// pairs with their expiry, EOF and the CRC64 checksum. Values use the plain encodings (LIST, SET, HASH,
// ZSET_2) that every Redis since 4.0 loads, so there are no packed formats to keep in step.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "datanode/store/database.h"
#include "datanode/store/value.h"

namespace rdb {

// What the snapshot says about replication, so a replica restarted from it can partially resync.
struct SaveInfo {
  bool has_repl = false;
  std::string repl_id;
  int64_t repl_offset = 0;
  int repl_stream_db = 0;
  // FUNCTION libraries' sources, written after the AUX fields as Redis does (opcode 245).
  std::vector<std::string> function_libraries = {};
};

class LzfCompressor;

class Encoder {
 public:
  explicit Encoder(std::string* out) : out_(out) {}
  // rdbcompression yes: strings over 20 bytes are stored LZF-compressed when that saves space.
  void set_compressor(LzfCompressor* lzf) { lzf_ = lzf; }
  // The buffer written to; a streaming writer drains it between keys.
  std::string* buffer() { return out_; }

  void header();
  void aux(std::string_view key, std::string_view value);
  // The magic and the aux fields every snapshot starts with (replication position when `info` has one).
  void preamble(const SaveInfo& info);
  void select_db(uint64_t db);
  void resize_db(uint64_t keys, uint64_t expires);
  // expire_ms < 0: no expiry.
  void key_value(std::string_view key, const store::Value& value, int64_t expire_ms);
  // Appends EOF and the checksum of everything written since the header.
  void finish();

  void length(uint64_t len);
  void string(std::string_view s);
  void binary_double(double d);

 private:
  void byte(uint8_t b) { out_->push_back(static_cast<char>(b)); }
  std::string* out_;
  LzfCompressor* lzf_ = nullptr;
  std::string scratch_;
};

// A whole snapshot of the keyspace as of now.
std::string encode_snapshot(const std::vector<store::Database>& dbs, const SaveInfo& info);

}  // namespace rdb
