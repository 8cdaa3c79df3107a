// The replication backlog: a fixed-size ring holding the most recent bytes of the replication stream,
// so a replica that lost its link can ask for "everything after offset N" (PSYNC) instead of a full
// copy. Offsets are stream offsets: the first byte ever propagated is offset 1, as in Redis.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace datanode {

class ReplicationBacklog {
 public:
  // `end_offset` is the offset of the last byte already in the stream (master_repl_offset).
  ReplicationBacklog(size_t size, int64_t end_offset);

  void append(std::string_view data);
  size_t size() const { return buf_.size(); }
  int64_t histlen() const { return histlen_; }
  int64_t end_offset() const { return end_offset_; }
  // repl_backlog_first_byte_offset: where the history starts (end_offset + 1 while it is empty).
  int64_t first_byte_offset() const { return end_offset_ - histlen_ + 1; }
  // True when every byte from `offset` on is still held (offset == end_offset + 1: nothing to send).
  bool covers(int64_t offset) const { return offset >= first_byte_offset() && offset <= end_offset_ + 1; }
  // The bytes from `offset` to the end; `offset` must be covered.
  std::string copy_from(int64_t offset) const;

 private:
  std::string buf_;
  size_t next_ = 0;  // where the next byte goes
  int64_t histlen_ = 0;
  int64_t end_offset_ = 0;
};

}  // namespace datanode
