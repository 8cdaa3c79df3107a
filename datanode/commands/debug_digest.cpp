// The digest is built from SHA1s: xor-ing them for unordered parts (set members, hash fields, keys of
// a database), and chaining them (digest = SHA1(digest ^ SHA1(data))) where order matters (list items,
// a pair's halves), exactly as Redis' xorDigest/mixDigest, so equal values give equal digests on both.
#include "datanode/commands/debug_digest.h"

#include <arpa/inet.h>

#include <array>
#include <cstdio>
#include <cstring>

#include "common/util/sha1.h"

namespace datanode {
namespace {

using Digest = util::Sha1;

Digest sha1(const void* data, size_t len) { return util::sha1(data, len); }

void xor_digest(Digest& d, const void* data, size_t len) {
  Digest h = sha1(data, len);
  for (size_t i = 0; i < 20; ++i) d[i] ^= h[i];
}
void xor_digest(Digest& d, std::string_view s) { xor_digest(d, s.data(), s.size()); }

void mix_digest(Digest& d, const void* data, size_t len) {
  xor_digest(d, data, len);
  d = sha1(d.data(), d.size());
}
void mix_digest(Digest& d, std::string_view s) { mix_digest(d, s.data(), s.size()); }

std::string score_text(double score) {
  char buf[128];
  snprintf(buf, sizeof buf, "%.17g", score);
  return buf;
}

// Redis' xorObjectDigest: the type, then the value, then whether the key has a TTL.
void value_digest(Digest& d, const store::Value& v, bool has_ttl) {
  // Redis' object type numbers (OBJ_STRING 0, LIST 1, SET 2, ZSET 3, HASH 4, STREAM 6), not our enum's.
  uint32_t redis_type = 0;
  switch (v.type()) {
    case store::Type::kString: redis_type = 0; break;
    case store::Type::kList: redis_type = 1; break;
    case store::Type::kSet: redis_type = 2; break;
    case store::Type::kZSet: redis_type = 3; break;
    case store::Type::kHash: redis_type = 4; break;
    case store::Type::kStream: redis_type = 6; break;  // OBJ_STREAM (5 is OBJ_MODULE)
  }
  uint32_t type = htonl(redis_type);
  mix_digest(d, &type, sizeof type);
  switch (v.type()) {
    case store::Type::kString: mix_digest(d, v.str()); break;
    case store::Type::kList:
      for (std::string_view item : v.list()) mix_digest(d, item);
      break;
    case store::Type::kSet:
      for (std::string_view m : v.set()) xor_digest(d, m);
      break;
    case store::Type::kZSet:
      v.zset().for_each([&](const std::string& member, double score) {
        Digest e{};
        mix_digest(e, member);
        mix_digest(e, score_text(score));
        xor_digest(d, e.data(), e.size());
      });
      break;
    case store::Type::kHash:
      for (const auto& [field, value] : v.hash()) {
        Digest e{};
        mix_digest(e, field);
        mix_digest(e, value);
        xor_digest(d, e.data(), e.size());
      }
      break;
    case store::Type::kStream:
      // Entries in order: "<ms>.<seq>", then each field and value, all mixed into the digest itself.
      v.stream().range({}, stream::ID::max(), false, [&](const stream::EntryView& e) {
        mix_digest(d, std::to_string(e.id.ms) + "." + std::to_string(e.id.seq));
        for (std::string_view f : e.fields) mix_digest(d, f);
        return true;
      });
      break;
  }
  if (has_ttl) xor_digest(d, "!!expire!!");
}

std::string hex(const Digest& d) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : d) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace

void debug_digest_value(Context& ctx) {
  store::Database& db = ctx.db();
  ctx.out.array_header(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    Digest d{};
    // Logically expired keys count too, as in Redis (a debug command sees what is stored).
    if (const store::KeyEntry* e = db.keys_table().lookup(ctx.arg(j)))
      value_digest(d, e->value, db.expire_at(ctx.arg(j)) != -1);
    ctx.out.simple(hex(d));
  }
}

void debug_digest(Context& ctx) {
  Digest final{};
  for (size_t i = 0; i < ctx.server.databases().size(); ++i) {
    const store::Database& db = ctx.server.db(static_cast<int>(i));
    if (db.size() == 0) continue;
    uint32_t id = htonl(static_cast<uint32_t>(i));
    mix_digest(final, &id, sizeof id);
    db.for_each([&](std::string_view key, const store::Value& v) {
      Digest d{};
      mix_digest(d, key);
      value_digest(d, v, db.expire_at(key) != -1);
      xor_digest(final, d.data(), d.size());
    });
  }
  ctx.out.simple(hex(final));
}

}  // namespace datanode
