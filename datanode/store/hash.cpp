#include "datanode/store/hash.h"

#include <cstring>
#include <new>
#include <stdexcept>

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

std::string encode_pair(std::string_view field, std::string_view value) {
  std::string out;
  out.reserve(field.size() + value.size() + 4);
  put_length(out, field.size());
  out.append(field);
  put_length(out, value.size());
  out.append(value);
  return out;
}

// The string at `pos` (its length prefix first); `pos` moves past it.
std::string_view take(const char* buf, size_t& pos) {
  size_t n = 0;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<unsigned char>(buf[pos++]);
    n |= static_cast<size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  std::string_view s(buf + pos, n);
  pos += n;
  return s;
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
  size_t old_size = packed_bytes_;
  size_t new_size = old_size - len + with.size();
  if (new_size > UINT32_MAX) throw std::length_error("packed hash over 4 GB");
  if (new_size > old_size) {
    char* grown = static_cast<char*>(std::realloc(packed_, new_size));
    if (grown == nullptr) throw std::bad_alloc();
    packed_ = grown;
  }
  std::memmove(packed_ + pos + with.size(), packed_ + pos + len, old_size - pos - len);
  if (!with.empty()) std::memcpy(packed_ + pos, with.data(), with.size());
  if (new_size < old_size) {
    if (new_size == 0) {
      std::free(packed_);
      packed_ = nullptr;
    } else if (char* shrunk = static_cast<char*>(std::realloc(packed_, new_size))) {
      packed_ = shrunk;
    }
  }
  packed_bytes_ = static_cast<uint32_t>(new_size);
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
    std::string encoded;
    put_length(encoded, value.size());
    encoded.append(value);
    splice(value_at, end - value_at, encoded);
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
