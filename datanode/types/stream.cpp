// The stream structure: block encoding, append, range reads, deletion, trimming and the read-counter
// arithmetic of consumer groups (entries_read, lag) exactly as Redis 7.0 computes them.
#include "datanode/types/stream.h"

#include <charconv>
#include <cstring>

namespace stream {

namespace {

constexpr uint8_t kDeleted = 1;
constexpr uint8_t kSameFields = 2;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Blocks are only ever built by append(), so their bytes are trusted; the bounds checks keep a bug
// from reading past the string.
uint64_t get_varint(std::string_view s, size_t& pos) {
  uint64_t v = 0;
  for (int shift = 0; pos < s.size() && shift < 64; shift += 7) {
    auto b = static_cast<uint8_t>(s[pos++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
  }
  return v;
}

std::string_view get_string(std::string_view s, size_t& pos) {
  uint64_t n = get_varint(s, pos);
  if (n > s.size() - pos) n = s.size() - pos;
  std::string_view out = s.substr(pos, n);
  pos += n;
  return out;
}

bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

bool ID::incr() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) {
      ms = seq = 0;
      return false;
    }
    ms++;
    seq = 0;
  } else {
    seq++;
  }
  return true;
}

bool ID::decr() {
  if (seq == 0) {
    if (ms == 0) {
      ms = seq = UINT64_MAX;
      return false;
    }
    ms--;
    seq = UINT64_MAX;
  } else {
    seq--;
  }
  return true;
}

std::string ID::str() const { return std::to_string(ms) + "-" + std::to_string(seq); }

std::optional<ID> parse_id(std::string_view s, uint64_t missing_seq, bool strict, bool* seq_given) {
  if (s.size() > 127) return std::nullopt;
  if (seq_given) *seq_given = true;
  if (s == "-" || s == "+") {
    if (strict) return std::nullopt;
    return s == "-" ? ID{0, 0} : ID::max();
  }
  ID id;
  size_t dash = s.find('-');
  if (!parse_u64(s.substr(0, dash), id.ms)) return std::nullopt;
  if (dash == std::string_view::npos) {
    id.seq = missing_seq;
  } else {
    std::string_view rest = s.substr(dash + 1);
    if (seq_given && rest == "*") {
      *seq_given = false;
      id.seq = 0;
    } else if (!parse_u64(rest, id.seq)) {
      return std::nullopt;
    }
  }
  return id;
}

Consumer& Group::consumer(std::string_view name, int64_t now_ms, bool* created) {
  auto it = consumers.find(name);
  if (created) *created = it == consumers.end();
  if (it == consumers.end()) {
    it = consumers.emplace(std::string(name), Consumer{}).first;
    it->second.name = std::string(name);
    it->second.seen_time = now_ms;
  }
  return it->second;
}

size_t Group::remove_consumer(std::string_view name) {
  auto it = consumers.find(name);
  if (it == consumers.end()) return 0;
  size_t pending = it->second.pel.size();
  for (const ID& id : it->second.pel) pel.erase(id);
  consumers.erase(it);
  return pending;
}

Stream Stream::clone() const {
  Stream s;
  s.length = length;
  s.last_id = last_id;
  s.first_id = first_id;
  s.max_deleted_id = max_deleted_id;
  s.entries_added = entries_added;
  s.blocks_ = blocks_;
  for (const auto& [name, g] : groups) {
    Group& ng = s.groups[name];
    ng.last_id = g.last_id;
    ng.entries_read = g.entries_read;
    for (const auto& [cname, c] : g.consumers) {
      Consumer& nc = ng.consumers[cname];
      nc.name = c.name;
      nc.seen_time = c.seen_time;
      nc.pel = c.pel;
    }
    for (const auto& [id, p] : g.pel) {
      PendingEntry np = p;
      np.consumer = &ng.consumers.find(p.consumer->name)->second;
      ng.pel.emplace(id, np);
    }
  }
  return s;
}

std::vector<Stream::Decoded> Stream::decode(const ID& key, const Block& b) {
  std::vector<Decoded> out;
  out.reserve(b.total);
  std::string_view s = b.data;
  size_t pos = 0;
  std::vector<std::string_view> master;
  while (pos < s.size()) {
    Decoded d;
    d.flag_offset = pos;
    auto flags = static_cast<uint8_t>(s[pos++]);
    d.deleted = (flags & kDeleted) != 0;
    uint64_t ms_delta = get_varint(s, pos);
    uint64_t seq = get_varint(s, pos);
    d.entry.id.ms = key.ms + ms_delta;
    d.entry.id.seq = ms_delta == 0 ? key.seq + seq : seq;
    if (flags & kSameFields) {
      d.entry.fields.reserve(master.size() * 2);
      for (std::string_view f : master) {
        d.entry.fields.push_back(f);
        d.entry.fields.push_back(get_string(s, pos));
      }
    } else {
      uint64_t n = get_varint(s, pos);
      if (n > s.size()) n = 0;
      d.entry.fields.reserve(n * 2);
      for (uint64_t i = 0; i < n * 2; ++i) d.entry.fields.push_back(get_string(s, pos));
      if (out.empty()) {
        for (uint64_t i = 0; i < n; ++i) master.push_back(d.entry.fields[i * 2]);
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

void Stream::append(ID id, const std::vector<std::string_view>& fields, int64_t max_bytes,
                    int64_t max_entries) {
  Block* b = nullptr;
  ID key = id;
  if (!blocks_.empty()) {
    auto& [k, last] = *blocks_.rbegin();
    bool full = (max_entries > 0 && last.total >= static_cast<uint64_t>(max_entries)) ||
                (max_bytes > 0 && last.data.size() >= static_cast<uint64_t>(max_bytes));
    if (full) {
      last.data.shrink_to_fit();
    } else {
      b = &last;
      key = k;
    }
  }
  if (b == nullptr) {
    b = &blocks_[id];
    b->data.reserve(std::min<int64_t>(max_bytes > 0 ? max_bytes : 4096, 4096));
  }

  // The first entry's field names are the block's reference set: later entries with the same names
  // store their values only.
  bool same = false;
  if (b->total > 0) {
    std::string_view s = b->data;
    size_t pos = 1;
    get_varint(s, pos);
    get_varint(s, pos);
    uint64_t n = get_varint(s, pos);
    if (n * 2 == fields.size()) {
      same = true;
      for (uint64_t i = 0; i < n && same; ++i) {
        same = get_string(s, pos) == fields[i * 2];
        get_string(s, pos);
      }
    }
  }
  std::string& d = b->data;
  d.push_back(static_cast<char>(same ? kSameFields : 0));
  uint64_t ms_delta = id.ms - key.ms;
  put_varint(d, ms_delta);
  put_varint(d, ms_delta == 0 ? id.seq - key.seq : id.seq);
  if (!same) put_varint(d, fields.size() / 2);
  for (size_t i = 0; i < fields.size(); ++i) {
    if (same && i % 2 == 0) continue;
    put_varint(d, fields[i].size());
    d.append(fields[i]);
  }
  b->total++;
  b->live++;
  if (length == 0) first_id = id;
  length++;
  entries_added++;
  last_id = id;
}

bool Stream::find(ID id, EntryView* out) const {
  bool found = false;
  range(id, id, false, [&](const EntryView& e) {
    found = true;
    if (out) *out = e;
    return false;
  });
  return found;
}

bool Stream::remove(ID id) {
  auto it = blocks_.upper_bound(id);
  if (it == blocks_.begin()) return false;
  --it;
  for (const Decoded& d : decode(it->first, it->second)) {
    if (d.entry.id != id) continue;
    if (d.deleted) return false;
    Block& b = it->second;
    if (--b.live == 0) {
      blocks_.erase(it);
    } else {
      b.data[d.flag_offset] = static_cast<char>(b.data[d.flag_offset] | kDeleted);
    }
    length--;
    return true;
  }
  return false;
}

int64_t Stream::trim_maxlen(uint64_t maxlen, bool approx, int64_t limit) {
  int64_t deleted = 0;
  while (!blocks_.empty() && length > maxlen) {
    auto it = blocks_.begin();
    Block& b = it->second;
    if (limit && deleted + b.live > limit) break;
    if (length - b.live >= maxlen) {
      length -= b.live;
      deleted += b.live;
      blocks_.erase(it);
      continue;
    }
    if (approx) break;
    for (const Decoded& d : decode(it->first, b)) {
      if (length <= maxlen) break;
      if (d.deleted) continue;
      b.data[d.flag_offset] = static_cast<char>(b.data[d.flag_offset] | kDeleted);
      b.live--;
      length--;
      deleted++;
    }
    break;
  }
  if (length == 0) {
    first_id = {};
  } else if (deleted) {
    first_id = edge_id(true);
  }
  return deleted;
}

int64_t Stream::trim_minid(ID minid, bool approx, int64_t limit) {
  int64_t deleted = 0;
  while (!blocks_.empty()) {
    auto it = blocks_.begin();
    Block& b = it->second;
    if (limit && deleted + b.live > limit) break;
    std::vector<Decoded> all = decode(it->first, b);
    // Like Redis, the block's last entry decides, tombstone or not.
    if (all.back().entry.id < minid) {
      length -= b.live;
      deleted += b.live;
      blocks_.erase(it);
      continue;
    }
    if (approx) break;
    for (const Decoded& d : all) {
      if (d.entry.id >= minid) break;
      if (d.deleted) continue;
      b.data[d.flag_offset] = static_cast<char>(b.data[d.flag_offset] | kDeleted);
      b.live--;
      length--;
      deleted++;
    }
    break;
  }
  if (length == 0) {
    first_id = {};
  } else if (deleted) {
    first_id = edge_id(true);
  }
  return deleted;
}

ID Stream::edge_id(bool first) const {
  std::optional<ID> found;
  range({0, 0}, ID::max(), !first, [&](const EntryView& e) {
    found = e.id;
    return false;
  });
  if (found) return *found;
  return first ? ID::max() : ID{0, 0};
}

bool Stream::range_has_tombstones(ID start, std::optional<ID> end) const {
  if (length == 0 || max_deleted_id.is_zero()) return false;
  if (first_id > max_deleted_id) return false;
  ID e = end ? *end : ID::max();
  return start <= max_deleted_id && max_deleted_id <= e;
}

int64_t Stream::estimate_distance(ID id) const {
  if (entries_added == 0) return 0;
  if (length == 0 && id <= last_id) return static_cast<int64_t>(entries_added);
  if (id == last_id) return static_cast<int64_t>(entries_added);
  if (id > last_id) return kInvalidEntriesRead;
  if (max_deleted_id.is_zero() || max_deleted_id < first_id) {
    if (id < first_id) return static_cast<int64_t>(entries_added - length);
    if (id == first_id) return static_cast<int64_t>(entries_added - length + 1);
  }
  return kInvalidEntriesRead;
}

int64_t Stream::lag(const Group& g) const {
  if (entries_added == 0) return 0;
  if (g.entries_read != kInvalidEntriesRead && !range_has_tombstones(g.last_id, std::nullopt)) {
    return static_cast<int64_t>(entries_added) - g.entries_read;
  }
  int64_t read = estimate_distance(g.last_id);
  if (read == kInvalidEntriesRead) return -1;
  return static_cast<int64_t>(entries_added) - read;
}

void Stream::advance_group(Group& g, ID id) const {
  if (id <= g.last_id) return;
  if (g.entries_read != kInvalidEntriesRead && !range_has_tombstones(id, std::nullopt)) {
    g.entries_read++;
  } else if (entries_added) {
    g.entries_read = estimate_distance(id);
  }
  g.last_id = id;
}

size_t Stream::memory_usage() const {
  size_t n = sizeof(Stream);
  for (const auto& [k, b] : blocks_) n += 64 + b.data.capacity();
  for (const auto& [name, g] : groups) {
    n += 96 + name.size() + g.pel.size() * 80;
    for (const auto& [cname, c] : g.consumers) n += 96 + cname.size() + c.pel.size() * 48;
  }
  return n;
}

}  // namespace stream
