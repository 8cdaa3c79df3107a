// A growable byte buffer with a consumed prefix: reads append at the end, the parser consumes from the
// front, and compaction happens only when the free tail is too small (so views handed out during one
// dispatch round stay valid until the next read).
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace net {

class InputBuffer {
 public:
  std::string_view data() const { return {buf_.get() + begin_, end_ - begin_}; }
  size_t size() const { return end_ - begin_; }
  size_t capacity() const { return cap_; }
  void consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  // Space for at least `want` more bytes at the tail; may move the data.
  char* prepare(size_t want, size_t* got);
  void commit(size_t n) { end_ += n; }
  void clear() { begin_ = end_ = 0; }
  // Gives back memory after a big request was consumed.
  void shrink_if_idle(size_t keep);

 private:
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0, begin_ = 0, end_ = 0;
};

}  // namespace net
