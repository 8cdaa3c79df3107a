#include "datanode/rdb/stream_codec.h"

#include <charconv>
#include <vector>

#include "datanode/rdb/encoder.h"
#include "datanode/rdb/packed.h"

namespace rdb {
namespace {

constexpr int64_t kFlagDeleted = 1;
constexpr int64_t kFlagSameFields = 2;

// Writes a listpack as Redis' listpack.c lays it out: 6-byte header (total bytes, element count),
// entries (encoding, data, back-length), 0xFF.
class ListpackWriter {
 public:
  ListpackWriter() { buf_.assign(6, '\0'); }

  void add_int(int64_t v) {
    std::string e;
    if (v >= 0 && v <= 127) {
      e.push_back(static_cast<char>(v));
    } else if (v >= -4096 && v <= 4095) {
      auto u = static_cast<uint64_t>(v) & 0x1fff;
      e.push_back(static_cast<char>(0xC0 | (u >> 8)));
      e.push_back(static_cast<char>(u & 0xff));
    } else {
      int bytes;
      uint8_t tag;
      if (v >= INT16_MIN && v <= INT16_MAX) {
        bytes = 2, tag = 0xF1;
      } else if (v >= -(1 << 23) && v <= (1 << 23) - 1) {
        bytes = 3, tag = 0xF2;
      } else if (v >= INT32_MIN && v <= INT32_MAX) {
        bytes = 4, tag = 0xF3;
      } else {
        bytes = 8, tag = 0xF4;
      }
      e.push_back(static_cast<char>(tag));
      auto u = static_cast<uint64_t>(v);
      for (int i = 0; i < bytes; ++i) e.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
    }
    entry(e);
  }

  // Strings that are canonical integers are stored as integers, as lpAppend does.
  void add(std::string_view s) {
    int64_t v;
    if (!s.empty() && s.size() <= 20) {
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && p == s.data() + s.size() && std::to_string(v) == s) return add_int(v);
    }
    std::string e;
    if (s.size() < 64) {
      e.push_back(static_cast<char>(0x80 | s.size()));
    } else if (s.size() < 4096) {
      e.push_back(static_cast<char>(0xE0 | (s.size() >> 8)));
      e.push_back(static_cast<char>(s.size() & 0xff));
    } else {
      e.push_back(static_cast<char>(0xF0));
      for (int i = 0; i < 4; ++i) e.push_back(static_cast<char>((s.size() >> (8 * i)) & 0xff));
    }
    e.append(s);
    entry(e);
  }

  std::string finish() {
    buf_.push_back(static_cast<char>(0xFF));
    uint64_t total = buf_.size();
    for (int i = 0; i < 4; ++i) buf_[i] = static_cast<char>((total >> (8 * i)) & 0xff);
    uint64_t n = count_ < 65535 ? count_ : 65535;
    buf_[4] = static_cast<char>(n & 0xff);
    buf_[5] = static_cast<char>(n >> 8);
    return std::move(buf_);
  }

 private:
  void entry(const std::string& e) {
    buf_.append(e);
    uint64_t l = e.size();
    if (l <= 127) {
      buf_.push_back(static_cast<char>(l));
    } else if (l < 16383) {
      buf_.push_back(static_cast<char>(l >> 7));
      buf_.push_back(static_cast<char>((l & 127) | 128));
    } else if (l < 2097151) {
      buf_.push_back(static_cast<char>(l >> 14));
      buf_.push_back(static_cast<char>(((l >> 7) & 127) | 128));
      buf_.push_back(static_cast<char>((l & 127) | 128));
    } else if (l < 268435455) {
      buf_.push_back(static_cast<char>(l >> 21));
      buf_.push_back(static_cast<char>(((l >> 14) & 127) | 128));
      buf_.push_back(static_cast<char>(((l >> 7) & 127) | 128));
      buf_.push_back(static_cast<char>((l & 127) | 128));
    } else {
      buf_.push_back(static_cast<char>(l >> 28));
      buf_.push_back(static_cast<char>(((l >> 21) & 127) | 128));
      buf_.push_back(static_cast<char>(((l >> 14) & 127) | 128));
      buf_.push_back(static_cast<char>(((l >> 7) & 127) | 128));
      buf_.push_back(static_cast<char>((l & 127) | 128));
    }
    count_++;
  }

  std::string buf_;
  uint64_t count_ = 0;
};

std::string raw_id(const stream::ID& id) {
  std::string out(16, '\0');
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>((id.ms >> (56 - 8 * i)) & 0xff);
    out[8 + i] = static_cast<char>((id.seq >> (56 - 8 * i)) & 0xff);
  }
  return out;
}

stream::ID parse_raw_id(std::string_view raw) {
  stream::ID id;
  for (int i = 0; i < 8; ++i) {
    id.ms = (id.ms << 8) | static_cast<unsigned char>(raw[i]);
    id.seq = (id.seq << 8) | static_cast<unsigned char>(raw[8 + i]);
  }
  return id;
}

void put_le64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string encode_block(const stream::ID& key, const stream::Block& b) {
  auto all = stream::Stream::decode(key, b);
  ListpackWriter lp;
  lp.add_int(b.live);
  lp.add_int(b.total - b.live);
  const auto& master = all.front().entry.fields;
  lp.add_int(static_cast<int64_t>(master.size() / 2));
  for (size_t i = 0; i < master.size(); i += 2) lp.add(master[i]);
  lp.add_int(0);
  for (const auto& d : all) {
    const auto& f = d.entry.fields;
    bool same = f.size() == master.size();
    for (size_t i = 0; i < f.size() && same; i += 2) same = f[i] == master[i];
    lp.add_int((d.deleted ? kFlagDeleted : 0) | (same ? kFlagSameFields : 0));
    lp.add_int(static_cast<int64_t>(d.entry.id.ms - key.ms));
    lp.add_int(static_cast<int64_t>(d.entry.id.seq - key.seq));
    if (same) {
      for (size_t i = 1; i < f.size(); i += 2) lp.add(f[i]);
      lp.add_int(static_cast<int64_t>(f.size() / 2 + 3));
    } else {
      lp.add_int(static_cast<int64_t>(f.size() / 2));
      for (std::string_view s : f) lp.add(s);
      lp.add_int(static_cast<int64_t>(f.size() + 4));
    }
  }
  return lp.finish();
}

bool to_int(const std::string& s, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

void encode_stream(Encoder& e, const stream::Stream& s) {
  e.length(s.blocks().size());
  for (const auto& [key, block] : s.blocks()) {
    e.string(raw_id(key));
    e.string(encode_block(key, block));
  }
  e.length(s.length);
  e.length(s.last_id.ms);
  e.length(s.last_id.seq);
  stream::ID first = s.length ? s.first_id : stream::ID{};
  e.length(first.ms);
  e.length(first.seq);
  e.length(s.max_deleted_id.ms);
  e.length(s.max_deleted_id.seq);
  e.length(s.entries_added);
  e.length(s.groups.size());
  for (const auto& [name, g] : s.groups) {
    e.string(name);
    e.length(g.last_id.ms);
    e.length(g.last_id.seq);
    e.length(static_cast<uint64_t>(g.entries_read));
    e.length(g.pel.size());
    for (const auto& [id, p] : g.pel) {
      e.buffer()->append(raw_id(id));
      put_le64(*e.buffer(), static_cast<uint64_t>(p.delivery_time));
      e.length(p.delivery_count);
    }
    e.length(g.consumers.size());
    for (const auto& [cname, c] : g.consumers) {
      e.string(cname);
      put_le64(*e.buffer(), static_cast<uint64_t>(c.seen_time));
      e.length(c.pel.size());
      for (const stream::ID& id : c.pel) e.buffer()->append(raw_id(id));
    }
  }
}

bool load_stream_listpack(std::string_view node_key, std::string_view lp, stream::Stream& s) {
  if (node_key.size() != 16) return false;
  stream::ID master_id = parse_raw_id(node_key);
  auto items = decode_listpack(lp);
  if (!items || items->size() < 4) return false;
  const auto& v = *items;
  size_t pos = 0;
  auto next_int = [&](int64_t& out) { return pos < v.size() && to_int(v[pos++], out); };
  int64_t count, deleted, nmaster;
  if (!next_int(count) || !next_int(deleted) || !next_int(nmaster)) return false;
  if (nmaster < 0 || static_cast<uint64_t>(nmaster) > v.size() - pos) return false;
  std::vector<std::string_view> master;
  for (int64_t i = 0; i < nmaster; ++i) master.push_back(v[pos++]);
  int64_t zero;
  if (!next_int(zero) || zero != 0) return false;
  int64_t seen = 0;
  std::vector<std::string_view> fields;
  while (pos < v.size()) {
    int64_t flags, ms_delta, seq_delta;
    if (!next_int(flags) || !next_int(ms_delta) || !next_int(seq_delta)) return false;
    stream::ID id{master_id.ms + static_cast<uint64_t>(ms_delta),
                  master_id.seq + static_cast<uint64_t>(seq_delta)};
    fields.clear();
    if (flags & kFlagSameFields) {
      if (master.size() > v.size() - pos) return false;
      for (std::string_view f : master) {
        fields.push_back(f);
        fields.push_back(v[pos++]);
      }
    } else {
      int64_t nf;
      if (!next_int(nf) || nf < 0 || static_cast<uint64_t>(nf) > (v.size() - pos) / 2) return false;
      for (int64_t i = 0; i < nf * 2; ++i) fields.push_back(v[pos++]);
    }
    int64_t lp_count;
    if (!next_int(lp_count)) return false;
    if (fields.empty()) return false;
    seen++;
    if (flags & kFlagDeleted) continue;
    if (id <= s.last_id) return false;
    s.append(id, fields, 4096, 100);
  }
  return seen == count + deleted && count >= 0 && deleted >= 0;
}

std::optional<stream::Stream> decode_stream(uint8_t type, StreamSource& src) {
  stream::Stream s;
  uint64_t nodes = src.length();
  for (uint64_t i = 0; i < nodes && !src.failed(); ++i) {
    std::string key = src.string();
    std::string lp = src.string();
    if (src.failed()) break;
    if (!load_stream_listpack(key, lp, s)) src.fail("corrupt stream listpack");
  }
  if (src.failed()) return std::nullopt;
  uint64_t live = s.length;
  stream::ID max_live = s.last_id;
  s.length = src.length();
  s.last_id.ms = src.length();
  s.last_id.seq = src.length();
  if (type == 19) {
    s.first_id.ms = src.length();
    s.first_id.seq = src.length();
    s.max_deleted_id.ms = src.length();
    s.max_deleted_id.seq = src.length();
    s.entries_added = src.length();
  } else {
    s.entries_added = s.length;
    s.first_id = s.length ? s.edge_id(true) : stream::ID{};
  }
  if (src.failed()) return std::nullopt;
  if (s.length != live || s.last_id < max_live) {
    src.fail("stream length or last ID inconsistent with its entries");
    return std::nullopt;
  }
  uint64_t ngroups = src.length();
  for (uint64_t gi = 0; gi < ngroups && !src.failed(); ++gi) {
    std::string name = src.string();
    stream::ID last{src.length(), 0};
    last.seq = src.length();
    int64_t entries_read = type == 19 ? static_cast<int64_t>(src.length()) : s.estimate_distance(last);
    if (src.failed()) break;
    if (s.groups.count(name)) {
      src.fail("duplicated consumer group name");
      break;
    }
    stream::Group& g = s.groups[name];
    g.last_id = last;
    g.entries_read = entries_read;
    uint64_t npel = src.length();
    for (uint64_t i = 0; i < npel && !src.failed(); ++i) {
      std::string_view raw = src.bytes(16);
      if (src.failed()) break;
      stream::ID id = parse_raw_id(raw);
      stream::PendingEntry p;
      p.delivery_time = static_cast<int64_t>(src.le64());
      p.delivery_count = src.length();
      if (!g.pel.emplace(id, p).second) src.fail("duplicated PEL entry");
    }
    uint64_t nconsumers = src.length();
    for (uint64_t ci = 0; ci < nconsumers && !src.failed(); ++ci) {
      std::string cname = src.string();
      if (src.failed()) break;
      if (g.consumers.count(cname)) {
        src.fail("duplicate stream consumer");
        break;
      }
      stream::Consumer& c = g.consumers[cname];
      c.name = cname;
      c.seen_time = static_cast<int64_t>(src.le64());
      uint64_t n = src.length();
      for (uint64_t i = 0; i < n && !src.failed(); ++i) {
        std::string_view raw = src.bytes(16);
        if (src.failed()) break;
        auto it = g.pel.find(parse_raw_id(raw));
        if (it == g.pel.end() || it->second.consumer != nullptr) {
          src.fail("consumer PEL entry not in the group PEL");
          break;
        }
        it->second.consumer = &c;
        c.pel.insert(it->first);
      }
    }
    for (const auto& [id, p] : g.pel) {
      if (p.consumer == nullptr && !src.failed()) src.fail("PEL entry without a consumer");
    }
  }
  if (src.failed()) return std::nullopt;
  return s;
}

}  // namespace rdb
