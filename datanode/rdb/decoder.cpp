#include "datanode/rdb/decoder.h"

#include <cmath>
#include <cstring>
#include <optional>

#include "common/util/strings.h"
#include "datanode/rdb/crc64.h"
#include "datanode/rdb/format.h"
#include "datanode/rdb/lzf.h"
#include "datanode/rdb/packed.h"
#include "datanode/rdb/stream_codec.h"

namespace rdb {
namespace {

// A cursor over the payload; the first failure sticks and every later read returns a neutral value.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  size_t pos() const { return pos_; }
  void fail(std::string why) {
    if (error_.empty()) error_ = std::move(why) + " at byte " + std::to_string(pos_);
  }

  std::string_view bytes(size_t n) {
    if (failed()) return {};
    if (n > data_.size() - pos_) {
      fail("unexpected end of payload");
      return {};
    }
    std::string_view v = data_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  uint8_t u8() {
    auto b = bytes(1);
    return b.empty() ? 0 : static_cast<uint8_t>(b[0]);
  }
  uint64_t le(int n) {
    auto b = bytes(static_cast<size_t>(n));
    uint64_t v = 0;
    for (size_t i = 0; i < b.size(); ++i)
      v |= static_cast<uint64_t>(static_cast<unsigned char>(b[i])) << (8 * i);
    return v;
  }
  uint64_t be(int n) {
    auto b = bytes(static_cast<size_t>(n));
    uint64_t v = 0;
    for (char c : b) v = (v << 8) | static_cast<unsigned char>(c);
    return v;
  }

  // A length, or (encoded=true) the kind of specially encoded string that follows.
  uint64_t length(bool* encoded = nullptr) {
    if (encoded) *encoded = false;
    uint8_t b = u8();
    switch (b >> 6) {
      case kLen6Bit: return b & 0x3f;
      case kLen14Bit: return (static_cast<uint64_t>(b & 0x3f) << 8) | u8();
      case kLenEncoded:
        if (encoded)
          *encoded = true;
        else
          fail("unexpected encoded length");
        return b & 0x3f;
      default:
        if (b == kLen32Bit) return be(4);
        if (b == kLen64Bit) return be(8);
        fail("unknown length encoding");
        return 0;
    }
  }

  std::string string() {
    bool encoded = false;
    uint64_t len = length(&encoded);
    if (failed()) return {};
    if (!encoded) return std::string(bytes(len));
    switch (len) {
      case kEncInt8: return std::to_string(static_cast<int8_t>(le(1)));
      case kEncInt16: return std::to_string(static_cast<int16_t>(le(2)));
      case kEncInt32: return std::to_string(static_cast<int32_t>(le(4)));
      case kEncLzf: {
        uint64_t clen = length();
        uint64_t ulen = length();
        auto packed = bytes(clen);
        if (failed()) return {};
        auto plain = lzf_decompress(packed, ulen);
        if (!plain) {
          fail("corrupt LZF string");
          return {};
        }
        return std::move(*plain);
      }
      default: fail("unknown string encoding"); return {};
    }
  }

  // Old ZSET type: the score as a length-prefixed decimal string (253 nan, 254 +inf, 255 -inf).
  double string_double() {
    uint8_t len = u8();
    if (len == 253) return std::nan("");
    if (len == 254) return INFINITY;
    if (len == 255) return -INFINITY;
    std::string s(bytes(len));
    return std::strtod(s.c_str(), nullptr);
  }
  double binary_double() {
    uint64_t bits = le(8);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  std::string error_;
};

class ReaderSource : public StreamSource {
 public:
  explicit ReaderSource(Reader& r) : r_(r) {}
  uint64_t length() override { return r_.length(); }
  std::string string() override { return r_.string(); }
  std::string_view bytes(size_t n) override { return r_.bytes(n); }
  uint64_t le64() override { return r_.le(8); }
  bool failed() const override { return r_.failed(); }
  void fail(std::string why) override { r_.fail(std::move(why)); }

 private:
  Reader& r_;
};


bool fill_zset(store::ZSet& z, const std::vector<std::string>& flat) {
  if (flat.size() % 2 != 0) return false;
  for (size_t i = 0; i < flat.size(); i += 2) {
    auto score = util::parse_double(flat[i + 1]);
    if (!score || std::isnan(*score)) return false;
    z.insert(flat[i], *score);
  }
  return true;
}

bool fill_hash(store::Hash& h, const std::vector<std::string>& flat) {
  if (flat.size() % 2 != 0) return false;
  for (size_t i = 0; i < flat.size(); i += 2) h.set(flat[i], flat[i + 1]);
  return true;
}

std::optional<store::Value> read_object(Reader& r, uint8_t type) {
  using store::Type;
  using store::Value;
  switch (type) {
    case kTypeString: return Value(r.string());
    case kTypeList: {
      Value v = Value::make(Type::kList);
      uint64_t n = r.length();
      for (uint64_t i = 0; i < n && !r.failed(); ++i) v.list().push_back(r.string());
      return v;
    }
    case kTypeSet: {
      Value v = Value::make(Type::kSet);
      uint64_t n = r.length();
      for (uint64_t i = 0; i < n && !r.failed(); ++i) v.set().insert(r.string());
      return v;
    }
    case kTypeZSet:
    case kTypeZSet2: {
      Value v = Value::make(Type::kZSet);
      uint64_t n = r.length();
      for (uint64_t i = 0; i < n && !r.failed(); ++i) {
        std::string member = r.string();
        double score = type == kTypeZSet2 ? r.binary_double() : r.string_double();
        // A NaN score has no place in the skiplist's order: inserting or updating with one corrupts it.
        if (std::isnan(score)) {
          r.fail("zset score is not a number");
          break;
        }
        v.zset().insert(member, score);
      }
      return v;
    }
    case kTypeHash: {
      Value v = Value::make(Type::kHash);
      uint64_t n = r.length();
      for (uint64_t i = 0; i < n && !r.failed(); ++i) {
        std::string field = r.string();
        v.hash().set(field, r.string());
      }
      return v;
    }
    case kTypeListQuicklist:
    case kTypeListQuicklist2: {
      Value v = Value::make(Type::kList);
      uint64_t nodes = r.length();
      for (uint64_t i = 0; i < nodes && !r.failed(); ++i) {
        uint64_t container = type == kTypeListQuicklist2 ? r.length() : uint64_t{kQuicklistNodePacked};
        std::string blob = r.string();
        if (r.failed()) break;
        if (container == kQuicklistNodePlain) {
          v.list().push_back(std::move(blob));
          continue;
        }
        auto items = type == kTypeListQuicklist2 ? decode_listpack(blob) : decode_ziplist(blob);
        if (!items) {
          r.fail("corrupt quicklist node");
          break;
        }
        for (auto& e : *items) v.list().push_back(std::move(e));
      }
      return v;
    }
    case kTypeListZiplist:
    case kTypeSetIntset:
    case kTypeSetListpack:
    case kTypeZSetZiplist:
    case kTypeZSetListpack:
    case kTypeHashZiplist:
    case kTypeHashListpack: {
      std::string blob = r.string();
      if (r.failed()) return std::nullopt;
      std::optional<std::vector<std::string>> items;
      if (type == kTypeSetIntset)
        items = decode_intset(blob);
      else if (type == kTypeZSetListpack || type == kTypeHashListpack || type == kTypeSetListpack)
        items = decode_listpack(blob);
      else
        items = decode_ziplist(blob);
      if (!items) {
        r.fail("corrupt packed value of type " + std::to_string(type));
        return std::nullopt;
      }
      if (type == kTypeListZiplist) {
        Value v = Value::make(Type::kList);
        for (auto& e : *items) v.list().push_back(std::move(e));
        return v;
      }
      if (type == kTypeSetIntset || type == kTypeSetListpack) {
        Value v = Value::make(Type::kSet);
        for (auto& e : *items) v.set().insert(std::move(e));
        return v;
      }
      if (type == kTypeZSetZiplist || type == kTypeZSetListpack) {
        Value v = Value::make(Type::kZSet);
        if (!fill_zset(v.zset(), *items)) {
          r.fail("corrupt packed sorted set");
          return std::nullopt;
        }
        return v;
      }
      Value v = Value::make(Type::kHash);
      if (!fill_hash(v.hash(), *items)) {
        r.fail("corrupt packed hash");
        return std::nullopt;
      }
      return v;
    }
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2: {
      ReaderSource src(r);
      auto s = decode_stream(type, src);
      if (!s) return std::nullopt;
      Value v = Value::make(Type::kStream);
      v.stream() = std::move(*s);
      return v;
    }
    case kTypeModule:
    case kTypeModule2: r.fail("module values are not supported"); return std::nullopt;
    default: r.fail("unknown value type " + std::to_string(type)); return std::nullopt;
  }
}

}  // namespace

std::string decode(std::string_view data, const KeyFn& on_key, LoadInfo* info) {
  LoadInfo local;
  if (info == nullptr) info = &local;
  if (data.size() < 9 || data.substr(0, 5) != "REDIS") return "not an RDB payload (bad magic)";
  int version = 0;
  for (char c : data.substr(5, 4)) {
    if (c < '0' || c > '9') return "not an RDB payload (bad version)";
    version = version * 10 + (c - '0');
  }
  if (version < 1 || version > 11) return "unsupported RDB version " + std::to_string(version);
  info->version = version;
  Reader r(data);
  r.bytes(9);
  int db = 0;
  int64_t expire_ms = -1;
  while (!r.failed()) {
    uint8_t op = r.u8();
    if (r.failed()) break;
    switch (op) {
      case kOpEof: {
        size_t end = r.pos();
        if (info->version >= 5) {
          uint64_t stored = r.le(8);
          if (r.failed()) return "RDB checksum missing: " + r.error();
          // Redis writes 0 when rdbchecksum is off.
          if (stored != 0 && stored != crc64(0, data.substr(0, end))) return "Wrong RDB checksum";
        }
        info->consumed = r.pos();
        return "";
      }
      case kOpSelectDb: db = static_cast<int>(r.length()); continue;
      case kOpResizeDb:
        r.length();
        r.length();
        continue;
      case kOpExpireTimeMs: expire_ms = static_cast<int64_t>(r.le(8)); continue;
      case kOpExpireTime: expire_ms = static_cast<int64_t>(r.le(4)) * 1000; continue;
      case kOpIdle: r.length(); continue;
      case kOpFreq: r.u8(); continue;
      case kOpAux: {
        std::string key = r.string();
        std::string value = r.string();
        if (key == "repl-id") info->repl_id = value;
        if (key == "repl-offset") {
          auto off = util::parse_int(value);
          if (off) info->repl_offset = *off;
        }
        info->aux.emplace_back(std::move(key), std::move(value));
        continue;
      }
      case kOpModuleAux: r.fail("module data is not supported"); continue;
      case kOpFunction2: info->function_libraries.push_back(r.string()); continue;
      case kOpFunctionPreGa: r.fail("functions are not supported"); continue;
      default: break;
    }
    std::string key = r.string();
    if (r.failed()) break;
    auto value = read_object(r, op);
    if (r.failed() || !value) {
      // Name the key, so that whoever must fix the data set (or wait for the type) knows which one.
      std::string shown = key.size() > 128 ? key.substr(0, 128) + "..." : key;
      for (char& ch : shown)
        if (static_cast<unsigned char>(ch) < 32 || ch == '\'') ch = '?';
      return (r.failed() ? r.error() : std::string("bad value")) + " (key '" + shown + "' in database " +
             std::to_string(db) + ")";
    }
    info->keys++;
    on_key(db, std::move(key), std::move(*value), expire_ms);
    expire_ms = -1;
  }
  return r.failed() ? r.error() : "no EOF marker";
}

}  // namespace rdb
