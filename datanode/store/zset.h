// Sorted set: members ordered by (score, member). A skiplist whose links carry span counts (how many
// elements a link jumps over) gives ranks, elements at a rank and range bounds in O(log n); a hash from
// member to node gives scores in O(1). AOF rewrite, RDB and replication use only the first block of the
// API (size/insert/score/erase/for_each and copies); the commands use the rank and range queries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "common/util/string_map.h"

namespace store {

// A score interval as ZRANGEBYSCORE takes it: "(" makes a bound exclusive, bounds may be +-inf.
struct ScoreRange {
  double min = 0, max = 0;
  bool min_exclusive = false, max_exclusive = false;
};

// A member interval as ZRANGEBYLEX takes it: "-" and "+" are the open ends, "[x" inclusive, "(x" exclusive.
struct LexBound {
  enum class Kind : uint8_t { kNegInf, kValue, kPosInf };
  Kind kind = Kind::kNegInf;
  std::string value;
  bool exclusive = false;
};
struct LexRange {
  LexBound min, max;
};

class ZSet {
 public:
  // One element. Handed out read-only; nodes stay valid until their member is erased or re-scored.
  class Node {
   public:
    const std::string& member() const { return member_; }
    double score() const { return score_; }

   private:
    friend class ZSet;
    struct Level {
      Node* forward;
      size_t span;  // elements between this node and `forward` at this level, counting `forward`
    };
    Node(std::string member, double score, int height) : member_(std::move(member)), score_(score), height_(height) {}
    Level* levels() { return reinterpret_cast<Level*>(this + 1); }
    const Level* levels() const { return reinterpret_cast<const Level*>(this + 1); }

    std::string member_;
    double score_;
    Node* backward_ = nullptr;
    int height_;
    // `height_` Level entries follow the node in the same allocation.
  };

  ZSet();
  ~ZSet();
  ZSet(const ZSet& other);
  ZSet& operator=(const ZSet& other);
  ZSet(ZSet&& other) noexcept;
  ZSet& operator=(ZSet&& other) noexcept;

  size_t size() const { return length_; }
  bool empty() const { return length_ == 0; }
  // Adds a member or changes its score; returns true if the member is new.
  bool insert(std::string_view member, double score);
  std::optional<double> score(std::string_view member) const;
  bool erase(std::string_view member);
  // Visits members in (score, member) order.
  void for_each(const std::function<void(const std::string& member, double score)>& fn) const;

  // --- Ranks: 0-based; `reverse` counts from the highest element. ---
  std::optional<size_t> rank(std::string_view member, bool reverse = false) const;
  // The element at a 0-based rank from the lowest element, or nullptr.
  const Node* at(size_t rank) const;
  // The rank of an element known to be in this set.
  size_t rank_of(const Node* node) const;

  // --- Walking: nullptr past either end. ---
  const Node* first() const { return head_->levels()[0].forward; }
  const Node* last() const { return tail_; }
  static const Node* next(const Node* n) { return n->levels()[0].forward; }
  static const Node* prev(const Node* n) { return n->backward_; }

  // --- Ranges: first/last element inside, or nullptr when none is. ---
  const Node* first_in(const ScoreRange& r) const;
  const Node* last_in(const ScoreRange& r) const;
  const Node* first_in(const LexRange& r) const;
  const Node* last_in(const LexRange& r) const;
  size_t count_in(const ScoreRange& r) const;
  size_t count_in(const LexRange& r) const;

  // --- Removal of ranges; each returns how many elements went. Ranks inclusive, 0-based. ---
  size_t erase_rank_range(size_t start, size_t end);
  size_t erase_range(const ScoreRange& r);
  size_t erase_range(const LexRange& r);

  // Bound tests shared with the commands (e.g. to stop a walk at the end of a range).
  static bool above_min(double score, const ScoreRange& r) { return r.min_exclusive ? score > r.min : score >= r.min; }
  static bool below_max(double score, const ScoreRange& r) { return r.max_exclusive ? score < r.max : score <= r.max; }
  static bool above_min(std::string_view m, const LexRange& r);
  static bool below_max(std::string_view m, const LexRange& r);
  static bool empty_range(const ScoreRange& r);
  static bool empty_range(const LexRange& r);

 private:
  static constexpr int kMaxHeight = 32;
  using Update = Node* [kMaxHeight];

  static Node* new_node(std::string member, double score, int height);
  static void free_node(Node* n);
  static int random_height();
  static bool before(const Node* n, double score, std::string_view member);

  void init();
  void clear();
  void copy_from(const ZSet& other);
  // Links a node (fresh or just unlinked) at its place by its current score and member.
  void link(Node* node);
  // Finds the nodes preceding (score, member) at every level.
  void find_update(double score, std::string_view member, Update& update) const;
  void unlink(Node* node, Update& update);
  // Unlinks, un-indexes and frees a node; `update` must hold its predecessors.
  void remove(Node* node, Update& update);

  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  size_t length_ = 0;
  int height_ = 1;
  // Keys are views of the members stored in the nodes (a node keeps its member for its whole life).
  absl::flat_hash_map<std::string_view, Node*, util::StringHash, util::StringEq> index_;
};

}  // namespace store
