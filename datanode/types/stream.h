// The stream value (Redis 7.0 streams): entries live in packed blocks kept in an ordered map keyed by
// the first ID of each block, as Redis keeps listpacks in a rax. Appending touches only the last block
// (O(1) amortised) and a range seeks its first block in O(log n), then walks forward or backward.
//
// A block is one byte string of entries, each: flags byte (deleted, same-fields), the ID as varint
// deltas from the block key, then either the field count and field/value pairs or, when the entry has
// the same field names as the block's first entry, the values alone. Lengths are varints. Deleted
// entries stay in place as tombstones (as Redis' listpack entries do) until the whole block is freed.
//
// Consumer groups, their pending entries lists (PEL) and consumers are plain ordered maps.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace stream {

struct ID {
  uint64_t ms = 0;
  uint64_t seq = 0;
  auto operator<=>(const ID&) const = default;
  bool is_zero() const { return ms == 0 && seq == 0; }
  bool is_max() const { return ms == UINT64_MAX && seq == UINT64_MAX; }
  // The successor / predecessor; false (and wrapped) at the ends of the ID space.
  bool incr();
  bool decr();
  std::string str() const;
  static constexpr ID max() { return {UINT64_MAX, UINT64_MAX}; }
};

// Parses "<ms>[-<seq>]", "-" and "+" as Redis' streamGenericParseIDOrReply. `missing_seq` is the
// sequence of a bare "<ms>"; `strict` refuses "-" and "+"; `seq_given` (when not null) accepts
// "<ms>-*" and is set false for it.
std::optional<ID> parse_id(std::string_view s, uint64_t missing_seq, bool strict, bool* seq_given = nullptr);

// One entry as read from a block: the fields and values point into the block.
struct EntryView {
  ID id;
  std::vector<std::string_view> fields;  // field, value, field, value ...
};

struct Block {
  std::string data;
  uint32_t live = 0;   // entries not deleted
  uint32_t total = 0;  // entries including tombstones
};

struct Consumer;

struct PendingEntry {
  Consumer* consumer = nullptr;
  int64_t delivery_time = 0;  // unix ms
  uint64_t delivery_count = 1;
};

struct Consumer {
  std::string name;
  int64_t seen_time = 0;
  std::set<ID> pel;
};

inline constexpr int64_t kInvalidEntriesRead = -1;

struct Group {
  ID last_id;
  int64_t entries_read = kInvalidEntriesRead;
  std::map<ID, PendingEntry> pel;
  std::map<std::string, Consumer, std::less<>> consumers;

  Consumer& consumer(std::string_view name, int64_t now_ms, bool* created = nullptr);
  // Removes a consumer and its pending entries from the group's PEL; returns how many were pending.
  size_t remove_consumer(std::string_view name);
};

class Stream {
 public:
  Stream() = default;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  Stream(Stream&&) = default;
  Stream& operator=(Stream&&) = default;
  Stream clone() const;

  uint64_t length = 0;
  ID last_id;
  ID first_id;
  ID max_deleted_id;
  uint64_t entries_added = 0;
  std::map<std::string, Group, std::less<>> groups;

  // Appends an entry with `id` (> last_id, checked by the caller); fields = field, value, ...
  // A new block starts when the last one reaches `max_entries` entries or `max_bytes` bytes (0: no limit).
  void append(ID id, const std::vector<std::string_view>& fields, int64_t max_bytes, int64_t max_entries);

  // Calls fn(const EntryView&) for live entries with start <= id <= end, ascending or (rev) descending,
  // until fn returns false.
  template <typename F>
  void range(ID start, ID end, bool rev, F&& fn) const;

  bool find(ID id, EntryView* out = nullptr) const;
  // XDEL of one ID: true if it was there (tombstoned, and the block freed when it was its last).
  bool remove(ID id);

  // Trimming as Redis' streamTrim: whole blocks first, then (not approx) entries of the first block.
  // `limit` caps the entries removed (0: none). Returns the count removed.
  int64_t trim_maxlen(uint64_t maxlen, bool approx, int64_t limit);
  int64_t trim_minid(ID minid, bool approx, int64_t limit);

  // The first/last live entry ID (max/zero when empty), as streamGetEdgeID with tombstones skipped.
  ID edge_id(bool first) const;
  // True if a tombstone lies between start and end (end absent: to the last ID), as streamRangeHasTombstones.
  bool range_has_tombstones(ID start, std::optional<ID> end) const;
  int64_t estimate_distance(ID id) const;  // streamEstimateDistanceFromFirstEverEntry
  int64_t lag(const Group& g) const;       // -1 = unknown (null)
  // ENTRIESREAD of groups is kept in sync this way after an XREADGROUP delivered `id`.
  void advance_group(Group& g, ID id) const;

  size_t block_count() const { return blocks_.size(); }
  size_t memory_usage() const;
  // Blocks in order, for the RDB encoder and for tests.
  const std::map<ID, Block>& blocks() const { return blocks_; }

  // Decodes every entry of a block (tombstones too, flagged) in order.
  struct Decoded {
    EntryView entry;
    bool deleted = false;
    size_t flag_offset = 0;
  };
  static std::vector<Decoded> decode(const ID& key, const Block& b);

 private:
  std::map<ID, Block> blocks_;
};

template <typename F>
void Stream::range(ID start, ID end, bool rev, F&& fn) const {
  if (blocks_.empty() || start > end) return;
  if (!rev) {
    auto it = blocks_.upper_bound(start);
    if (it != blocks_.begin()) --it;
    for (; it != blocks_.end() && it->first <= end; ++it) {
      for (const Decoded& d : decode(it->first, it->second)) {
        if (d.deleted || d.entry.id < start) continue;
        if (d.entry.id > end) return;
        if (!fn(d.entry)) return;
      }
    }
  } else {
    auto it = blocks_.upper_bound(end);
    while (it != blocks_.begin()) {
      --it;
      std::vector<Decoded> all = decode(it->first, it->second);
      for (auto d = all.rbegin(); d != all.rend(); ++d) {
        if (d->deleted || d->entry.id > end) continue;
        if (d->entry.id < start) return;
        if (!fn(d->entry)) return;
      }
    }
  }
}

}  // namespace stream
