#include "datanode/store/hash.h"

namespace store {
namespace {

// LEB128 lengths: one byte up to 127, which covers every string of a hash under the default limits.
void put_length(std::string& out, size_t n) {
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
}

// The string at `pos` (its length prefix first); `pos` moves past it.
std::string_view take(const std::string& buf, size_t& pos) {
  size_t n = 0;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<unsigned char>(buf[pos++]);
    n |= static_cast<size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  std::string_view s(buf.data() + pos, n);
  pos += n;
  return s;
}

}  // namespace

Hash::Limits& Hash::limits() {
  static Limits l;
  return l;
}

Hash::Hash(const Hash& o) : packed_(o.packed_), packed_count_(o.packed_count_) {
  if (o.table_) table_ = std::make_unique<Table>(*o.table_);
}

size_t Hash::find_packed(std::string_view field) const {
  size_t pos = 0;
  while (pos < packed_.size()) {
    size_t entry = pos;
    std::string_view f = take(packed_, pos);
    take(packed_, pos);
    if (f == field) return entry;
  }
  return std::string::npos;
}

std::optional<std::string_view> Hash::get(std::string_view field) const {
  if (table_) {
    auto it = table_->find(field);
    if (it == table_->end()) return std::nullopt;
    return std::string_view(it->second);
  }
  size_t pos = find_packed(field);
  if (pos == std::string::npos) return std::nullopt;
  take(packed_, pos);
  return take(packed_, pos);
}

bool Hash::set(std::string_view field, std::string_view value) {
  if (!table_ && (field.size() > limits().max_value || value.size() > limits().max_value)) to_table();
  if (table_) {
    auto [it, added] = table_->try_emplace(field);
    it->second.assign(value);
    return added;
  }
  size_t pos = find_packed(field);
  if (pos != std::string::npos) {
    size_t value_at = pos;
    take(packed_, value_at);
    size_t end = value_at;
    take(packed_, end);
    std::string encoded;
    put_length(encoded, value.size());
    encoded.append(value);
    packed_.replace(value_at, end - value_at, encoded);
    return false;
  }
  if (packed_count_ + 1 > limits().max_entries) {
    to_table();
    table_->emplace(std::string(field), std::string(value));
    return true;
  }
  put_length(packed_, field.size());
  packed_.append(field);
  put_length(packed_, value.size());
  packed_.append(value);
  ++packed_count_;
  return true;
}

bool Hash::erase(std::string_view field) {
  if (table_) return table_->erase(field) > 0;
  size_t pos = find_packed(field);
  if (pos == std::string::npos) return false;
  size_t end = pos;
  take(packed_, end);
  take(packed_, end);
  packed_.erase(pos, end - pos);
  --packed_count_;
  if (packed_.capacity() > 2 * packed_.size() + 64) packed_.shrink_to_fit();
  return true;
}

void Hash::to_table() {
  auto table = std::make_unique<Table>();
  table->reserve(packed_count_ + 1);
  for (size_t pos = 0; pos < packed_.size();) {
    std::string_view f = take(packed_, pos);
    std::string_view v = take(packed_, pos);
    table->emplace(std::string(f), std::string(v));
  }
  table_ = std::move(table);
  std::string().swap(packed_);
  packed_count_ = 0;
}

Hash::Iterator Hash::begin() const {
  return table_ ? Iterator(this, 0, table_->begin()) : Iterator(this, 0, {});
}

Hash::Iterator Hash::end() const {
  return table_ ? Iterator(this, 0, table_->end()) : Iterator(this, packed_.size(), {});
}

Hash::Entry Hash::Iterator::operator*() const {
  if (!hash_->packed()) return {it_->first, it_->second};
  size_t pos = pos_;
  std::string_view f = take(hash_->packed_, pos);
  return {f, take(hash_->packed_, pos)};
}

Hash::Iterator& Hash::Iterator::operator++() {
  if (!hash_->packed()) {
    ++it_;
    return *this;
  }
  take(hash_->packed_, pos_);
  take(hash_->packed_, pos_);
  return *this;
}

size_t Hash::allocated_bytes() const {
  if (!table_) return packed_.capacity() > 15 ? packed_.capacity() + 1 : 0;
  size_t bytes = sizeof(Table) + table_->capacity() * (sizeof(Table::value_type) + 1);
  for (const auto& [f, v] : *table_) {
    if (f.capacity() > 15) bytes += f.capacity() + 1;
    if (v.capacity() > 15) bytes += v.capacity() + 1;
  }
  return bytes;
}

}  // namespace store
