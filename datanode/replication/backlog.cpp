#include "datanode/replication/backlog.h"

#include <algorithm>

namespace datanode {

ReplicationBacklog::ReplicationBacklog(size_t size, int64_t end_offset)
    : capacity_(std::max<size_t>(size, 1)), end_offset_(end_offset) {}

void ReplicationBacklog::append(std::string_view data) {
  end_offset_ += static_cast<int64_t>(data.size());
  histlen_ = std::min<int64_t>(histlen_ + static_cast<int64_t>(data.size()), static_cast<int64_t>(capacity_));
  // Only the tail that fits matters when one write is larger than the whole ring.
  if (data.size() > capacity_) data = data.substr(data.size() - capacity_);
  if (buf_.size() < capacity_) {
    // Still growing: plain appends, with a geometric reserve that never goes past the capacity.
    size_t take = std::min(data.size(), capacity_ - buf_.size());
    if (buf_.size() + take > buf_.capacity()) {
      // Into a fresh string: reserve() on the old one may round up to twice its capacity, past ours.
      std::string grown;
      grown.reserve(std::min(capacity_, std::max(buf_.size() + take, buf_.capacity() * 2)));
      grown.append(buf_);
      buf_.swap(grown);
    }
    buf_.append(data.data(), take);
    data.remove_prefix(take);
    next_ = buf_.size() % capacity_;
  }
  if (!data.empty()) ring_write(data);
}

void ReplicationBacklog::ring_write(std::string_view data) {
  size_t first = std::min(data.size(), capacity_ - next_);
  buf_.replace(next_, first, data.data(), first);
  if (first < data.size()) buf_.replace(0, data.size() - first, data.data() + first, data.size() - first);
  next_ = (next_ + data.size()) % capacity_;
}

std::string ReplicationBacklog::copy_from(int64_t offset) const {
  if (!covers(offset)) return {};
  size_t count = static_cast<size_t>(end_offset_ - offset + 1);
  if (count == 0) return {};
  std::string out;
  out.reserve(count);
  if (buf_.size() < capacity_) {
    // Not wrapped yet: the history is the end of the buffer.
    out.append(buf_, buf_.size() - count, count);
    return out;
  }
  size_t start = (next_ + capacity_ - count) % capacity_;
  size_t first = std::min(count, capacity_ - start);
  out.append(buf_, start, first);
  if (first < count) out.append(buf_, 0, count - first);
  return out;
}

}  // namespace datanode
