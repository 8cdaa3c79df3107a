#include "datanode/store/list.h"

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <new>

#include "datanode/store/packed_buffer.h"

namespace store {
namespace {

// An element is [LEB128 length][bytes][back-length], the back-length being the size of the first two
// parts written so that it reads backwards from the element's end (as a listpack's): pops and walks
// from the tail cost as little as from the head.
size_t back_length_bytes(size_t n) { return packed::length_bytes(n); }

size_t element_size(size_t n) {
  size_t front = packed::length_bytes(n) + n;
  return front + back_length_bytes(front);
}

void write_element(char* dst, std::string_view v) {
  size_t n = v.size();
  size_t front = 0;
  for (size_t rest = n; ; rest >>= 7) {
    dst[front++] = static_cast<char>((rest & 0x7f) | (rest >= 0x80 ? 0x80 : 0));
    if (rest < 0x80) break;
  }
  if (n > 0) std::memcpy(dst + front, v.data(), n);
  front += n;
  // Least significant group last, so a reader coming from the end meets it first.
  size_t back = back_length_bytes(front);
  size_t value = front;
  for (size_t i = 0; i < back; ++i, value >>= 7) {
    bool more = i + 1 < back;
    dst[front + back - 1 - i] = static_cast<char>((value & 0x7f) | (more ? 0x80 : 0));
  }
}

// The element at `pos`; `pos` moves to the next one.
std::string_view read_element(const char* buf, size_t& pos) {
  size_t start = pos;
  std::string_view s = packed::take(buf, pos);
  pos += back_length_bytes(pos - start);
  return s;
}

// Start of the element that ends at `end` (> 0).
size_t previous_element(const char* buf, size_t end) {
  size_t front = 0;
  size_t pos = end;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<unsigned char>(buf[--pos]);
    front |= static_cast<size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  return pos - front;
}

constexpr size_t kOptimizationLevel[] = {4096, 8192, 16384, 32768, 65536};
constexpr size_t kSizeSafetyLimit = 8192;
constexpr size_t kSizeEstimateOverhead = 8;

}  // namespace

List::Limits& List::limits() {
  static Limits l;
  return l;
}

List::List(std::initializer_list<std::string_view> items) {
  for (std::string_view v : items) push_back(v);
}

List::List(const List& o) { copy_from(o); }

List::List(List&& o) noexcept : nodes_(std::move(o.nodes_)), size_(o.size_) {
  o.nodes_.clear();
  o.size_ = 0;
}

List& List::operator=(const List& o) {
  if (this != &o) {
    clear();
    copy_from(o);
  }
  return *this;
}

List& List::operator=(List&& o) noexcept {
  if (this != &o) {
    clear();
    nodes_ = std::move(o.nodes_);
    size_ = o.size_;
    o.nodes_.clear();
    o.size_ = 0;
  }
  return *this;
}

void List::copy_from(const List& o) {
  nodes_.reserve(o.nodes_.size());
  for (const Node& n : o.nodes_) {
    Node copy{static_cast<char*>(std::malloc(n.bytes)), n.bytes, n.count};
    if (copy.buf == nullptr) throw std::bad_alloc();
    std::memcpy(copy.buf, n.buf, n.bytes);
    nodes_.push_back(copy);
  }
  size_ = o.size_;
}

void List::clear() {
  for (Node& n : nodes_) std::free(n.buf);
  nodes_.clear();
  nodes_.shrink_to_fit();
  size_ = 0;
}

bool List::allows(const Node& node, size_t len) {
  size_t new_size = node.bytes + len + kSizeEstimateOverhead;
  int64_t fill = limits().fill;
  if (fill < 0) {
    auto level = static_cast<uint64_t>(-(fill + 1));
    if (level < std::size(kOptimizationLevel) && new_size <= kOptimizationLevel[level]) return true;
  }
  if (new_size > kSizeSafetyLimit) return false;
  return fill >= 0 && static_cast<int64_t>(node.count) < fill;
}

List::Position List::locate(size_t index) const {
  Position p{0, 0, index};
  if (index < size_ / 2) {
    while (p.in_node >= nodes_[p.node].count) p.in_node -= nodes_[p.node++].count;
  } else {
    size_t from_end = size_ - index;  // >= 1
    p.node = nodes_.size() - 1;
    while (from_end > nodes_[p.node].count) from_end -= nodes_[p.node--].count;
    p.in_node = nodes_[p.node].count - from_end;
  }
  const Node& n = nodes_[p.node];
  if (p.in_node < n.count / 2) {
    for (size_t i = 0; i < p.in_node; ++i) read_element(n.buf, p.pos);
  } else {
    p.pos = n.bytes;
    for (size_t i = n.count; i > p.in_node; --i) p.pos = previous_element(n.buf, p.pos);
  }
  return p;
}

std::string_view List::at(size_t index) const {
  Position p = locate(index);
  return read_element(nodes_[p.node].buf, p.pos);
}

void List::put(size_t node, size_t pos, std::string_view v) {
  Node& n = nodes_[node];
  write_element(packed::open_gap(n.buf, n.bytes, pos, element_size(v.size())), v);
  ++n.count;
  ++size_;
}

bool List::drop(size_t node, size_t pos) {
  Node& n = nodes_[node];
  size_t end = pos;
  read_element(n.buf, end);
  packed::splice(n.buf, n.bytes, pos, end - pos, {});
  --n.count;
  --size_;
  if (n.count > 0) return false;
  std::free(n.buf);
  nodes_.erase(nodes_.begin() + static_cast<std::ptrdiff_t>(node));
  return true;
}

void List::split(size_t node, size_t pos, size_t in_node) {
  Node& n = nodes_[node];
  Node right{static_cast<char*>(std::malloc(n.bytes - pos)), static_cast<uint32_t>(n.bytes - pos),
             static_cast<uint32_t>(n.count - in_node)};
  if (right.buf == nullptr) throw std::bad_alloc();
  std::memcpy(right.buf, n.buf + pos, right.bytes);
  packed::splice(n.buf, n.bytes, pos, right.bytes, {});
  n.count = static_cast<uint32_t>(in_node);
  nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(node) + 1, right);
}

void List::insert(size_t index, std::string_view v) {
  size_t len = element_size(v.size());
  if (nodes_.empty() || (index == 0 && !allows(nodes_.front(), len))) {
    nodes_.insert(nodes_.begin(), Node{});
    return put(0, 0, v);
  }
  if (index == 0) return put(0, 0, v);
  if (index == size_) {
    if (!allows(nodes_.back(), len)) nodes_.push_back(Node{});
    return put(nodes_.size() - 1, nodes_.back().bytes, v);
  }
  Position p = locate(index);
  if (allows(nodes_[p.node], len)) return put(p.node, p.pos, v);
  if (p.in_node == 0 && p.node > 0 && allows(nodes_[p.node - 1], len))
    return put(p.node - 1, nodes_[p.node - 1].bytes, v);
  // A full node: split it at the insertion point, the element going at the end of the left part if it
  // has room now, else into a node of its own between the two.
  if (p.in_node > 0) {
    split(p.node, p.pos, p.in_node);
    if (allows(nodes_[p.node], len)) return put(p.node, nodes_[p.node].bytes, v);
    ++p.node;
  }
  nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(p.node), Node{});
  put(p.node, 0, v);
}

void List::set(size_t index, std::string_view v) {
  Position p = locate(index);
  Node& n = nodes_[p.node];
  size_t end = p.pos;
  read_element(n.buf, end);
  std::string element(element_size(v.size()), '\0');
  write_element(element.data(), v);
  packed::splice(n.buf, n.bytes, p.pos, end - p.pos, element);
}

void List::erase(size_t index) {
  Position p = locate(index);
  drop(p.node, p.pos);
}

std::string List::pop_front() {
  size_t pos = 0;
  std::string v(read_element(nodes_.front().buf, pos));
  drop(0, 0);
  return v;
}

std::string List::pop_back() {
  const Node& last = nodes_.back();
  size_t pos = previous_element(last.buf, last.bytes);
  size_t read = pos;
  std::string v(read_element(last.buf, read));
  drop(nodes_.size() - 1, pos);
  return v;
}

void List::keep_range(size_t start, size_t stop) {
  size_t tail = size_ - 1 - stop;
  while (tail > 0) {
    Node& n = nodes_.back();
    if (n.count <= tail) {
      tail -= n.count;
      size_ -= n.count;
      std::free(n.buf);
      nodes_.pop_back();
      continue;
    }
    size_t pos = n.bytes;
    for (size_t i = 0; i < tail; ++i) pos = previous_element(n.buf, pos);
    packed::splice(n.buf, n.bytes, pos, n.bytes - pos, {});
    n.count -= static_cast<uint32_t>(tail);
    size_ -= tail;
    tail = 0;
  }
  size_t head = start;
  size_t whole = 0;  // nodes dropped from the front, erased at once
  while (head > 0) {
    Node& n = nodes_[whole];
    if (n.count <= head) {
      head -= n.count;
      size_ -= n.count;
      std::free(n.buf);
      ++whole;
      continue;
    }
    size_t pos = 0;
    for (size_t i = 0; i < head; ++i) read_element(n.buf, pos);
    packed::splice(n.buf, n.bytes, 0, pos, {});
    n.count -= static_cast<uint32_t>(head);
    size_ -= head;
    head = 0;
  }
  nodes_.erase(nodes_.begin(), nodes_.begin() + static_cast<std::ptrdiff_t>(whole));
}

std::optional<size_t> List::find(std::string_view v) const {
  size_t index = 0;
  for (auto it = begin(); it != end(); ++it, ++index)
    if (*it == v) return index;
  return std::nullopt;
}

size_t List::remove(std::string_view v, size_t limit, bool from_tail) {
  size_t removed = 0;
  if (!from_tail) {
    for (size_t node = 0; node < nodes_.size() && removed < limit;) {
      bool gone = false;
      for (size_t pos = 0; pos < nodes_[node].bytes && removed < limit;) {
        size_t next = pos;
        if (read_element(nodes_[node].buf, next) != v) {
          pos = next;
          continue;
        }
        ++removed;
        if ((gone = drop(node, pos))) break;
      }
      if (!gone) ++node;
    }
    return removed;
  }
  for (size_t node = nodes_.size(); node > 0 && removed < limit; --node) {
    for (size_t pos = nodes_[node - 1].bytes; pos > 0 && removed < limit;) {
      pos = previous_element(nodes_[node - 1].buf, pos);
      size_t read = pos;
      if (read_element(nodes_[node - 1].buf, read) != v) continue;
      ++removed;
      if (drop(node - 1, pos)) break;
    }
  }
  return removed;
}

void List::visit_backward(size_t index, const std::function<bool(size_t, std::string_view)>& fn) const {
  Position p = locate(index);
  for (size_t node = p.node + 1, pos = p.pos;;) {
    const Node& n = nodes_[node - 1];
    size_t read = pos;
    if (!fn(index, read_element(n.buf, read)) || index == 0) return;
    --index;
    if (pos == 0) {
      --node;
      pos = nodes_[node - 1].bytes;
    }
    pos = previous_element(nodes_[node - 1].buf, pos);
  }
}

List::Iterator List::iterator_at(size_t index) const {
  if (index >= size_) return end();
  Position p = locate(index);
  return Iterator(this, p.node, p.pos);
}

std::string_view List::Iterator::operator*() const {
  size_t pos = pos_;
  return read_element(list_->nodes_[node_].buf, pos);
}

List::Iterator& List::Iterator::operator++() {
  read_element(list_->nodes_[node_].buf, pos_);
  if (pos_ >= list_->nodes_[node_].bytes) {
    ++node_;
    pos_ = 0;
  }
  return *this;
}

size_t List::allocated_bytes() const {
  size_t bytes = nodes_.capacity() * sizeof(Node);
  for (const Node& n : nodes_) bytes += n.bytes;
  return bytes;
}

bool List::operator==(const List& o) const {
  if (size_ != o.size_) return false;
  for (auto a = begin(), b = o.begin(); a != end(); ++a, ++b)
    if (*a != *b) return false;
  return true;
}

}  // namespace store
