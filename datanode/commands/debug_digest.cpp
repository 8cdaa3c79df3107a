// The digest is built from SHA1s: xor-ing them for unordered parts (set members, hash fields, keys of
// a database), and chaining them (digest = SHA1(digest ^ SHA1(data))) where order matters (list items,
// a pair's halves), exactly as Redis' xorDigest/mixDigest, so equal values give equal digests on both.
#include "datanode/commands/debug_digest.h"

#include <arpa/inet.h>

#include <array>
#include <cstdio>
#include <cstring>

namespace datanode {
namespace {

using Digest = std::array<uint8_t, 20>;

// SHA-1 (FIPS 180-4), one-shot.
Digest sha1(const void* data, size_t len) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  auto rol = [](uint32_t x, int n) { return (x << n) | (x >> (32 - n)); };
  auto block = [&](const uint8_t* p) {
    uint32_t w[80];
    for (int i = 0; i < 16; ++i)
      w[i] = (uint32_t{p[4 * i]} << 24) | (uint32_t{p[4 * i + 1]} << 16) | (uint32_t{p[4 * i + 2]} << 8) |
             p[4 * i + 3];
    for (int i = 16; i < 80; ++i) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      uint32_t f, k;
      if (i < 20) {
        f = (b & c) | (~b & d), k = 0x5A827999;
      } else if (i < 40) {
        f = b ^ c ^ d, k = 0x6ED9EBA1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
      } else {
        f = b ^ c ^ d, k = 0xCA62C1D6;
      }
      uint32_t t = rol(a, 5) + f + e + k + w[i];
      e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
  };
  const auto* p = static_cast<const uint8_t*>(data);
  size_t full = len / 64 * 64;
  for (size_t i = 0; i < full; i += 64) block(p + i);
  uint8_t tail[128] = {};
  size_t rest = len - full;
  if (rest) std::memcpy(tail, p + full, rest);
  tail[rest] = 0x80;
  size_t tail_len = rest + 1 + 8 <= 64 ? 64 : 128;
  uint64_t bits = static_cast<uint64_t>(len) * 8;
  for (int i = 0; i < 8; ++i)
    tail[tail_len - 1 - static_cast<size_t>(i)] = static_cast<uint8_t>(bits >> (8 * i));
  for (size_t i = 0; i < tail_len; i += 64) block(tail + i);
  Digest out;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 4; ++j)
      out[static_cast<size_t>(4 * i + j)] = static_cast<uint8_t>(h[i] >> (24 - 8 * j));
  return out;
}

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
  // Redis' object type numbers (OBJ_STRING 0, LIST 1, SET 2, ZSET 3, HASH 4), not our enum's order.
  uint32_t redis_type = 0;
  switch (v.type()) {
    case store::Type::kString: redis_type = 0; break;
    case store::Type::kList: redis_type = 1; break;
    case store::Type::kSet: redis_type = 2; break;
    case store::Type::kZSet: redis_type = 3; break;
    case store::Type::kHash: redis_type = 4; break;
  }
  uint32_t type = htonl(redis_type);
  mix_digest(d, &type, sizeof type);
  switch (v.type()) {
    case store::Type::kString: mix_digest(d, v.str()); break;
    case store::Type::kList:
      for (const std::string& item : v.list()) mix_digest(d, item);
      break;
    case store::Type::kSet:
      for (const std::string& m : v.set()) xor_digest(d, m);
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
