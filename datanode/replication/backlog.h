// The replication backlog: a ring of at most `size` bytes holding the most recent bytes of the
// replication stream, so a replica that lost its link can ask for "everything after offset N" (PSYNC)
// instead of a full copy. Offsets are stream offsets: the first byte ever propagated is offset 1, as in
// Redis. Memory is taken as data arrives (growing geometrically up to `size`), never up front: a
// repl-backlog-size of many gigabytes costs nothing until that much has been written.
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
  // The configured capacity (INFO repl_backlog_size).
  size_t size() const { return capacity_; }
  // Bytes of memory held now.
  size_t allocated() const { return buf_.capacity(); }
  int64_t histlen() const { return histlen_; }
  int64_t end_offset() const { return end_offset_; }
  // repl_backlog_first_byte_offset: where the history starts (end_offset + 1 while it is empty).
  int64_t first_byte_offset() const { return end_offset_ - histlen_ + 1; }
  // True when every byte from `offset` on is still held (offset == end_offset + 1: nothing to send).
  bool covers(int64_t offset) const { return offset >= first_byte_offset() && offset <= end_offset_ + 1; }
  // The bytes from `offset` to the end; `offset` must be covered.
  std::string copy_from(int64_t offset) const;

 private:
  void ring_write(std::string_view data);

  size_t capacity_;
  std::string buf_;  // grows to capacity_, then is used as a ring
  size_t next_ = 0;  // where the next byte goes once the ring is full
  int64_t histlen_ = 0;
  int64_t end_offset_ = 0;
};

}  // namespace datanode
