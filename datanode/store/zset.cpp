// The skiplist behind sorted sets. Every level's link records its span so that summing spans along a
// search path gives a rank; the same walk with a target rank finds the element at that rank.
#include "datanode/store/zset.h"

#include <new>
#include <random>
#include <utility>

namespace store {

ZSet::Node* ZSet::new_node(std::string member, double score, int height) {
  void* mem = ::operator new(sizeof(Node) + sizeof(Node::Level) * static_cast<size_t>(height));
  Node* n = new (mem) Node(std::move(member), score, height);
  for (int i = 0; i < height; ++i) n->levels()[i] = {nullptr, 0};
  return n;
}

void ZSet::free_node(Node* n) {
  n->~Node();
  ::operator delete(n);
}

int ZSet::random_height() {
  // Each level holds a quarter of the one below, as in Redis: few levels, short searches.
  static thread_local std::mt19937 rng{std::random_device{}()};
  int h = 1;
  while (h < kMaxHeight && (rng() & 0xFFFF) < 0xFFFF / 4) ++h;
  return h;
}

bool ZSet::before(const Node* n, double score, std::string_view member) {
  return n->score_ < score || (n->score_ == score && std::string_view(n->member_) < member);
}

void ZSet::init() {
  head_ = new_node(std::string(), 0, kMaxHeight);
  tail_ = nullptr;
  length_ = 0;
  height_ = 1;
}

ZSet::ZSet() { init(); }

ZSet::~ZSet() {
  clear();
  if (head_) free_node(head_);
}

void ZSet::clear() {
  if (!head_) return;
  Node* n = head_->levels()[0].forward;
  while (n) {
    Node* next = n->levels()[0].forward;
    free_node(n);
    n = next;
  }
  for (int i = 0; i < kMaxHeight; ++i) head_->levels()[i] = {nullptr, 0};
  tail_ = nullptr;
  length_ = 0;
  height_ = 1;
  index_.clear();
}

void ZSet::copy_from(const ZSet& other) {
  // Elements arrive in order, so each goes at the tail: keep the last node of every level at hand.
  Node* last[kMaxHeight];
  for (int i = 0; i < kMaxHeight; ++i) last[i] = head_;
  index_.reserve(other.length_);
  for (const Node* o = other.first(); o; o = next(o)) {
    int h = random_height();
    Node* n = new_node(o->member_, o->score_, h);
    if (h > height_) height_ = h;
    ++length_;
    for (int i = 0; i < kMaxHeight; ++i) {
      if (i < h) {
        last[i]->levels()[i].forward = n;
        last[i]->levels()[i].span += 1;
        last[i] = n;
      } else {
        last[i]->levels()[i].span += 1;  // this level's last link passes over the new node
      }
    }
    n->backward_ = tail_;
    tail_ = n;
    index_.emplace(std::string_view(n->member_), n);
  }
}

ZSet::ZSet(const ZSet& other) {
  init();
  copy_from(other);
}

ZSet& ZSet::operator=(const ZSet& other) {
  if (this != &other) {
    clear();
    copy_from(other);
  }
  return *this;
}

ZSet::ZSet(ZSet&& other) noexcept
    : head_(std::exchange(other.head_, nullptr)),
      tail_(std::exchange(other.tail_, nullptr)),
      length_(std::exchange(other.length_, 0)),
      height_(std::exchange(other.height_, 1)),
      index_(std::move(other.index_)) {
  other.index_.clear();
  other.init();
}

ZSet& ZSet::operator=(ZSet&& other) noexcept {
  if (this != &other) {
    std::swap(head_, other.head_);
    std::swap(tail_, other.tail_);
    std::swap(length_, other.length_);
    std::swap(height_, other.height_);
    std::swap(index_, other.index_);
    other.clear();
  }
  return *this;
}

void ZSet::find_update(double score, std::string_view member, Update& update) const {
  Node* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && before(x->levels()[i].forward, score, member)) x = x->levels()[i].forward;
    update[i] = x;
  }
}

void ZSet::link(Node* node) {
  Update update;
  size_t rank[kMaxHeight];
  Node* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    rank[i] = (i == height_ - 1) ? 0 : rank[i + 1];
    while (x->levels()[i].forward && before(x->levels()[i].forward, node->score_, node->member_)) {
      rank[i] += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    update[i] = x;
  }
  int h = node->height_;
  if (h > height_) {
    for (int i = height_; i < h; ++i) {
      rank[i] = 0;
      update[i] = head_;
      head_->levels()[i].span = length_;
    }
    height_ = h;
  }
  for (int i = 0; i < h; ++i) {
    Node::Level& up = update[i]->levels()[i];
    node->levels()[i].forward = up.forward;
    up.forward = node;
    node->levels()[i].span = up.span - (rank[0] - rank[i]);
    up.span = (rank[0] - rank[i]) + 1;
  }
  for (int i = h; i < height_; ++i) update[i]->levels()[i].span++;
  node->backward_ = (update[0] == head_) ? nullptr : update[0];
  if (node->levels()[0].forward)
    node->levels()[0].forward->backward_ = node;
  else
    tail_ = node;
  ++length_;
}

void ZSet::unlink(Node* node, Update& update) {
  for (int i = 0; i < height_; ++i) {
    Node::Level& up = update[i]->levels()[i];
    if (up.forward == node) {
      up.span += node->levels()[i].span - 1;
      up.forward = node->levels()[i].forward;
    } else {
      up.span -= 1;
    }
  }
  if (node->levels()[0].forward)
    node->levels()[0].forward->backward_ = node->backward_;
  else
    tail_ = node->backward_;
  while (height_ > 1 && head_->levels()[height_ - 1].forward == nullptr) --height_;
  --length_;
}

void ZSet::remove(Node* node, Update& update) {
  unlink(node, update);
  index_.erase(std::string_view(node->member_));
  free_node(node);
}

bool ZSet::insert(std::string_view member, double score) {
  // -0 is stored as 0: it orders equal anyway, and Redis' compact encoding prints it as "0".
  if (score == 0) score = 0;
  auto it = index_.find(member);
  if (it != index_.end()) {
    Node* n = it->second;
    if (n->score_ == score) return false;
    // Still between its neighbours: change in place, no relinking.
    const Node* prev = n->backward_;
    const Node* next = n->levels()[0].forward;
    bool after_prev = !prev || prev->score_ < score || (prev->score_ == score && prev->member_ < n->member_);
    bool before_next = !next || next->score_ > score || (next->score_ == score && next->member_ > n->member_);
    if (after_prev && before_next) {
      n->score_ = score;
      return false;
    }
    Update update;
    find_update(n->score_, n->member_, update);
    unlink(n, update);
    n->score_ = score;
    for (int i = 0; i < n->height_; ++i) n->levels()[i] = {nullptr, 0};
    link(n);
    return false;
  }
  Node* n = new_node(std::string(member), score, random_height());
  link(n);
  index_.emplace(std::string_view(n->member_), n);
  return true;
}

std::optional<double> ZSet::score(std::string_view member) const {
  auto it = index_.find(member);
  if (it == index_.end()) return std::nullopt;
  return it->second->score_;
}

bool ZSet::erase(std::string_view member) {
  auto it = index_.find(member);
  if (it == index_.end()) return false;
  Node* n = it->second;
  Update update;
  find_update(n->score_, n->member_, update);
  remove(n, update);
  return true;
}

void ZSet::for_each(const std::function<void(const std::string&, double)>& fn) const {
  for (const Node* n = first(); n; n = next(n)) fn(n->member_, n->score_);
}

size_t ZSet::rank_of(const Node* node) const {
  size_t rank = 0;
  const Node* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward) {
      const Node* f = x->levels()[i].forward;
      bool le = f->score_ < node->score_ || (f->score_ == node->score_ && f->member_ <= node->member_);
      if (!le) break;
      rank += x->levels()[i].span;
      x = f;
    }
    if (x == node) return rank - 1;
  }
  return rank - 1;  // not reached for a node of this set
}

std::optional<size_t> ZSet::rank(std::string_view member, bool reverse) const {
  auto it = index_.find(member);
  if (it == index_.end()) return std::nullopt;
  size_t r = rank_of(it->second);
  return reverse ? length_ - 1 - r : r;
}

const ZSet::Node* ZSet::at(size_t rank) const {
  if (rank >= length_) return nullptr;
  size_t target = rank + 1, traversed = 0;
  const Node* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && traversed + x->levels()[i].span <= target) {
      traversed += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    if (traversed == target) return x;
  }
  return nullptr;
}

// --- Score ranges ---

bool ZSet::empty_range(const ScoreRange& r) {
  return r.min > r.max || (r.min == r.max && (r.min_exclusive || r.max_exclusive));
}

const ZSet::Node* ZSet::first_in(const ScoreRange& r) const {
  if (empty_range(r) || !tail_ || !above_min(tail_->score_, r) || !below_max(first()->score_, r)) return nullptr;
  const Node* x = head_;
  for (int i = height_ - 1; i >= 0; --i)
    while (x->levels()[i].forward && !above_min(x->levels()[i].forward->score_, r)) x = x->levels()[i].forward;
  x = x->levels()[0].forward;
  return (x && below_max(x->score_, r)) ? x : nullptr;
}

const ZSet::Node* ZSet::last_in(const ScoreRange& r) const {
  if (empty_range(r) || !tail_ || !above_min(tail_->score_, r) || !below_max(first()->score_, r)) return nullptr;
  const Node* x = head_;
  for (int i = height_ - 1; i >= 0; --i)
    while (x->levels()[i].forward && below_max(x->levels()[i].forward->score_, r)) x = x->levels()[i].forward;
  return (x != head_ && above_min(x->score_, r)) ? x : nullptr;
}

size_t ZSet::count_in(const ScoreRange& r) const {
  const Node* a = first_in(r);
  if (!a) return 0;
  const Node* b = last_in(r);
  return rank_of(b) - rank_of(a) + 1;
}

size_t ZSet::erase_range(const ScoreRange& r) {
  if (empty_range(r)) return 0;
  Update update;
  Node* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && !above_min(x->levels()[i].forward->score_, r)) x = x->levels()[i].forward;
    update[i] = x;
  }
  x = x->levels()[0].forward;
  size_t removed = 0;
  while (x && below_max(x->score_, r)) {
    Node* next = x->levels()[0].forward;
    remove(x, update);
    ++removed;
    x = next;
  }
  return removed;
}

// --- Lex ranges ---

bool ZSet::above_min(std::string_view m, const LexRange& r) {
  switch (r.min.kind) {
    case LexBound::Kind::kNegInf: return true;
    case LexBound::Kind::kPosInf: return false;
    case LexBound::Kind::kValue: return r.min.exclusive ? m > r.min.value : m >= r.min.value;
  }
  return false;
}

bool ZSet::below_max(std::string_view m, const LexRange& r) {
  switch (r.max.kind) {
    case LexBound::Kind::kNegInf: return false;
    case LexBound::Kind::kPosInf: return true;
    case LexBound::Kind::kValue: return r.max.exclusive ? m < r.max.value : m <= r.max.value;
  }
  return false;
}

bool ZSet::empty_range(const LexRange& r) {
  using K = LexBound::Kind;
  if (r.min.kind == K::kPosInf || r.max.kind == K::kNegInf) return true;
  if (r.min.kind == K::kNegInf || r.max.kind == K::kPosInf) return false;
  int c = r.min.value.compare(r.max.value);
  return c > 0 || (c == 0 && (r.min.exclusive || r.max.exclusive));
}

const ZSet::Node* ZSet::first_in(const LexRange& r) const {
  if (empty_range(r) || !tail_ || !above_min(tail_->member_, r) || !below_max(first()->member_, r)) return nullptr;
  const Node* x = head_;
  for (int i = height_ - 1; i >= 0; --i)
    while (x->levels()[i].forward && !above_min(x->levels()[i].forward->member_, r)) x = x->levels()[i].forward;
  x = x->levels()[0].forward;
  return (x && below_max(x->member_, r)) ? x : nullptr;
}

const ZSet::Node* ZSet::last_in(const LexRange& r) const {
  if (empty_range(r) || !tail_ || !above_min(tail_->member_, r) || !below_max(first()->member_, r)) return nullptr;
  const Node* x = head_;
  for (int i = height_ - 1; i >= 0; --i)
    while (x->levels()[i].forward && below_max(x->levels()[i].forward->member_, r)) x = x->levels()[i].forward;
  return (x != head_ && above_min(x->member_, r)) ? x : nullptr;
}

size_t ZSet::count_in(const LexRange& r) const {
  const Node* a = first_in(r);
  if (!a) return 0;
  const Node* b = last_in(r);
  return rank_of(b) - rank_of(a) + 1;
}

size_t ZSet::erase_range(const LexRange& r) {
  if (empty_range(r)) return 0;
  Update update;
  Node* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && !above_min(x->levels()[i].forward->member_, r)) x = x->levels()[i].forward;
    update[i] = x;
  }
  x = x->levels()[0].forward;
  size_t removed = 0;
  while (x && below_max(x->member_, r)) {
    Node* next = x->levels()[0].forward;
    remove(x, update);
    ++removed;
    x = next;
  }
  return removed;
}

// --- Rank ranges ---

size_t ZSet::erase_rank_range(size_t start, size_t end) {
  if (start > end || start >= length_) return 0;
  Update update;
  size_t traversed = 0;
  Node* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && traversed + x->levels()[i].span <= start) {
      traversed += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    update[i] = x;
  }
  x = x->levels()[0].forward;
  size_t removed = 0;
  for (size_t r = start; x && r <= end; ++r) {
    Node* next = x->levels()[0].forward;
    remove(x, update);
    ++removed;
    x = next;
  }
  return removed;
}

}  // namespace store
