#include "datanode/store/set.h"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "common/util/strings.h"
#include "datanode/store/packed_buffer.h"

namespace store {
namespace {

uint8_t width_of(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}

void write_int(char* at, uint8_t width, int64_t v) {
  if (width == 2) {
    auto x = static_cast<int16_t>(v);
    std::memcpy(at, &x, 2);
  } else if (width == 4) {
    auto x = static_cast<int32_t>(v);
    std::memcpy(at, &x, 4);
  } else {
    std::memcpy(at, &v, 8);
  }
}

}  // namespace

Set::Limits& Set::limits() {
  static Limits l;
  return l;
}

Set::Set(const Set& o) : bytes_(o.bytes_), width_(o.width_) {
  if (o.table_) table_ = std::make_unique<Table>(*o.table_);
  if (bytes_ > 0) {
    ints_ = static_cast<char*>(std::malloc(bytes_));
    if (ints_ == nullptr) throw std::bad_alloc();
    std::memcpy(ints_, o.ints_, bytes_);
  }
}

Set::~Set() { std::free(ints_); }

int64_t Set::int_at(size_t i) const {
  const char* at = ints_ + i * width_;
  if (width_ == 2) {
    int16_t x;
    std::memcpy(&x, at, 2);
    return x;
  }
  if (width_ == 4) {
    int32_t x;
    std::memcpy(&x, at, 4);
    return x;
  }
  int64_t x;
  std::memcpy(&x, at, 8);
  return x;
}

size_t Set::bisect(int64_t v, bool& found) const {
  size_t lo = 0, hi = bytes_ / width_;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int64_t m = int_at(mid);
    if (m == v) {
      found = true;
      return mid;
    }
    if (m < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  found = false;
  return lo;
}

bool Set::contains(std::string_view member) const {
  if (table_) return table_->contains(member);
  auto v = util::parse_int(member);
  if (!v || width_of(*v) > width_) return false;
  bool found;
  bisect(*v, found);
  return found;
}

bool Set::insert(std::string_view member) {
  if (!table_) {
    auto v = util::parse_int(member);
    if (v) {
      bool found;
      size_t at = bisect(*v, found);
      if (found) return false;
      if (size() + 1 <= limits().max_intset_entries) {
        if (width_of(*v) > width_) widen(width_of(*v));
        write_int(packed::open_gap(ints_, bytes_, at * width_, width_), width_, *v);
        return true;
      }
    }
    to_table();
  }
  return table_->emplace(member).second;
}

bool Set::erase(std::string_view member) {
  if (table_) return table_->erase(member) > 0;
  auto v = util::parse_int(member);
  if (!v || width_of(*v) > width_) return false;
  bool found;
  size_t at = bisect(*v, found);
  if (!found) return false;
  packed::splice(ints_, bytes_, at * width_, width_, {});
  return true;
}

void Set::widen(uint8_t width) {
  size_t n = size();
  auto* wider = static_cast<char*>(std::malloc(n * width));
  if (wider == nullptr && n > 0) throw std::bad_alloc();
  for (size_t i = 0; i < n; ++i) write_int(wider + i * width, width, int_at(i));
  std::free(ints_);
  ints_ = wider;
  bytes_ = static_cast<uint32_t>(n * width);
  width_ = width;
}

void Set::to_table() {
  auto table = std::make_unique<Table>();
  size_t n = size();
  table->reserve(n + 1);
  for (size_t i = 0; i < n; ++i) table->emplace(std::to_string(int_at(i)));
  table_ = std::move(table);
  std::free(ints_);
  ints_ = nullptr;
  bytes_ = 0;
}

Set::Iterator Set::begin() const { return table_ ? Iterator(this, 0, table_->begin()) : Iterator(this, 0, {}); }

Set::Iterator Set::end() const { return table_ ? Iterator(this, 0, table_->end()) : Iterator(this, size(), {}); }

std::string_view Set::Iterator::operator*() const {
  if (!set_->intset()) return *it_;
  auto [end, ec] = std::to_chars(text_, text_ + sizeof text_, set_->int_at(index_));
  (void)ec;
  return std::string_view(text_, static_cast<size_t>(end - text_));
}

Set::Iterator& Set::Iterator::operator++() {
  if (set_->intset()) {
    ++index_;
  } else {
    ++it_;
  }
  return *this;
}

size_t Set::allocated_bytes() const {
  if (!table_) return bytes_;
  size_t bytes = sizeof(Table) + table_->capacity() * (sizeof(Table::value_type) + 1);
  for (const auto& m : *table_)
    if (m.capacity() > 15) bytes += m.capacity() + 1;
  return bytes;
}

}  // namespace store
