// A list value, laid out as Redis 7.0's quicklist: a sequence of nodes, each one malloc'ed buffer of
// length-prefixed elements end to end (a listpack without its header and back-lengths), bounded by
// `list-max-listpack-size` (negative: 4/8/16/32/64 KB per node, the default -2 being 8 KB; positive:
// that many elements, within an 8 KB safety limit), with the node-fill rule of quicklist.c. A list of
// ten short strings is one node of about a hundred bytes instead of a std::deque's 512-byte block and
// ten std::strings. Elements are handed out as string views, valid until the list changes.
// (list-compress-depth is not applied: no node is LZF-compressed.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace store {

class List {
 public:
  // The node size limit, process-wide as Redis' (the server keeps it equal to list-max-listpack-size).
  struct Limits {
    int64_t fill = -2;
  };
  static Limits& limits();

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;

    std::string_view operator*() const;
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const Iterator& o) const { return node_ == o.node_ && pos_ == o.pos_; }

   private:
    friend class List;
    Iterator(const List* l, size_t node, size_t pos) : list_(l), node_(node), pos_(pos) {}
    const List* list_;
    size_t node_;  // index of the node (nodes_.size() at the end)
    size_t pos_;   // byte offset of the element in its node
  };

  List() = default;
  List(std::initializer_list<std::string_view> items);
  List(const List& o);
  List(List&& o) noexcept;
  List& operator=(const List& o);
  List& operator=(List&& o) noexcept;
  ~List() { clear(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t node_count() const { return nodes_.size(); }

  void push_front(std::string_view v) { insert(0, v); }
  void push_back(std::string_view v) { insert(size_, v); }
  std::string pop_front();
  std::string pop_back();
  std::string_view front() const { return at(0); }
  std::string_view back() const { return at(size_ - 1); }

  // Element `index` (< size()): O(nodes + node bytes), a walk from the nearer end.
  std::string_view at(size_t index) const;
  std::string_view operator[](size_t index) const { return at(index); }
  void set(size_t index, std::string_view v);
  // Inserts before element `index` (index == size() appends).
  void insert(size_t index, std::string_view v);
  void erase(size_t index);
  // Keeps elements [start, stop] (inclusive, both < size(), start <= stop); the rest goes.
  void keep_range(size_t start, size_t stop);
  void clear();

  // Index of the first element equal to `v`.
  std::optional<size_t> find(std::string_view v) const;
  // Removes up to `limit` elements equal to `v`, from the head or from the tail; returns how many.
  size_t remove(std::string_view v, size_t limit, bool from_tail);
  // Visits elements from `index` towards the head (fn returns false to stop).
  void visit_backward(size_t index, const std::function<bool(size_t, std::string_view)>& fn) const;

  Iterator begin() const { return Iterator(this, 0, 0); }
  Iterator end() const { return Iterator(this, nodes_.size(), 0); }
  // An iterator at element `index` (<= size()).
  Iterator iterator_at(size_t index) const;

  // Heap bytes held (MEMORY USAGE), not counting the List object itself.
  size_t allocated_bytes() const;

  bool operator==(const List& o) const;

 private:
  struct Node {
    char* buf = nullptr;  // malloc'ed, exactly `bytes` long
    uint32_t bytes = 0;
    uint32_t count = 0;
  };
  struct Position {
    size_t node;
    size_t pos;  // byte offset in the node
    size_t in_node;  // index of the element in its node
  };

  // quicklist.c's _quicklistNodeAllowInsert: may `node` take one more element of `len` bytes?
  static bool allows(const Node& node, size_t len);
  Position locate(size_t index) const;
  // Byte offsets of a node's elements, in order.
  static std::vector<size_t> offsets(const Node& node);
  void put(size_t node, size_t pos, std::string_view v);
  // Removes the element at `pos` of `node` (dropping the node when it empties); true if the node went.
  bool drop(size_t node, size_t pos);
  // Splits a node before its `in_node`th element (at byte `pos`): the rest becomes the next node.
  void split(size_t node, size_t pos, size_t in_node);
  void copy_from(const List& o);

  std::vector<Node> nodes_;
  size_t size_ = 0;
};

}  // namespace store
