#include "datanode/replication/backlog.h"

#include <algorithm>

namespace datanode {

ReplicationBacklog::ReplicationBacklog(size_t size, int64_t end_offset)
    : buf_(std::max<size_t>(size, 1), '\0'), end_offset_(end_offset) {}

void ReplicationBacklog::append(std::string_view data) {
  end_offset_ += static_cast<int64_t>(data.size());
  // Only the tail that fits matters when one write is larger than the whole ring.
  if (data.size() > buf_.size()) data = data.substr(data.size() - buf_.size());
  size_t first = std::min(data.size(), buf_.size() - next_);
  buf_.replace(next_, first, data.data(), first);
  if (first < data.size()) buf_.replace(0, data.size() - first, data.data() + first, data.size() - first);
  next_ = (next_ + data.size()) % buf_.size();
  histlen_ = std::min<int64_t>(histlen_ + static_cast<int64_t>(data.size()), static_cast<int64_t>(buf_.size()));
}

std::string ReplicationBacklog::copy_from(int64_t offset) const {
  if (!covers(offset)) return {};
  size_t count = static_cast<size_t>(end_offset_ - offset + 1);
  std::string out;
  out.reserve(count);
  size_t start = (next_ + buf_.size() - count) % buf_.size();
  size_t first = std::min(count, buf_.size() - start);
  out.append(buf_, start, first);
  if (first < count) out.append(buf_, 0, count - first);
  return out;
}

}  // namespace datanode
