#include "datanode/store/hash.h"

#include <cstring>
#include <new>

#include "datanode/store/packed_buffer.h"

namespace store {
namespace {

using packed::put_length;
using packed::take;

std::string encode_pair(std::string_view field, std::string_view value) {
  std::string out = packed::encode(field);
  put_length(out, value.size());
  out.append(value);
  return out;
}

}  // namespace

Hash::Limits& Hash::limits() {
  static Limits l;
  return l;
}

Hash::Hash(const Hash& o) : packed_bytes_(o.packed_bytes_), packed_count_(o.packed_count_) {
  if (o.table_) table_ = std::make_unique<Table>(*o.table_);
  if (packed_bytes_ > 0) {
    packed_ = static_cast<char*>(std::malloc(packed_bytes_));
    if (packed_ == nullptr) throw std::bad_alloc();
    std::memcpy(packed_, o.packed_, packed_bytes_);
  }
}

void Hash::splice(size_t pos, size_t len, std::string_view with) {
  packed::splice(packed_, packed_bytes_, pos, len, with);
}

size_t Hash::find_packed(std::string_view field) const {
  size_t pos = 0;
  while (pos < packed_bytes_) {
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
    splice(value_at, end - value_at, packed::encode(value));
    return false;
  }
  if (packed_count_ + 1 > limits().max_entries) {
    to_table();
    table_->emplace(std::string(field), std::string(value));
    return true;
  }
  splice(packed_bytes_, 0, encode_pair(field, value));
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
  splice(pos, end - pos, {});
  --packed_count_;
  return true;
}

void Hash::to_table() {
  auto table = std::make_unique<Table>();
  table->reserve(packed_count_ + 1);
  for (size_t pos = 0; pos < packed_bytes_;) {
    std::string_view f = take(packed_, pos);
    std::string_view v = take(packed_, pos);
    table->emplace(std::string(f), std::string(v));
  }
  table_ = std::move(table);
  std::free(packed_);
  packed_ = nullptr;
  packed_bytes_ = packed_count_ = 0;
}

Hash::Iterator Hash::begin() const {
  return table_ ? Iterator(this, 0, table_->begin()) : Iterator(this, 0, {});
}

Hash::Iterator Hash::end() const {
  return table_ ? Iterator(this, 0, table_->end()) : Iterator(this, packed_bytes_, {});
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
  if (!table_) return packed_bytes_;
  size_t bytes = sizeof(Table) + table_->capacity() * (sizeof(Table::value_type) + 1);
  for (const auto& [f, v] : *table_) {
    if (f.capacity() > 15) bytes += f.capacity() + 1;
    if (v.capacity() > 15) bytes += v.capacity() + 1;
  }
  return bytes;
}

}  // namespace store
