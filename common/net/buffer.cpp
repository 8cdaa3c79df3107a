#include "common/net/buffer.h"

#include <algorithm>

namespace net {

char* InputBuffer::prepare(size_t want, size_t* got) {
  if (cap_ - end_ < want) {
    size_t used = end_ - begin_;
    if (begin_ > 0 && cap_ - used >= want) {
      memmove(buf_.get(), buf_.get() + begin_, used);
    } else {
      size_t new_cap = std::max<size_t>({cap_ * 2, used + want, 16 * 1024});
      auto fresh = std::make_unique<char[]>(new_cap);
      if (used) memcpy(fresh.get(), buf_.get() + begin_, used);
      buf_ = std::move(fresh);
      cap_ = new_cap;
    }
    begin_ = 0;
    end_ = used;
  }
  *got = cap_ - end_;
  return buf_.get() + end_;
}

void InputBuffer::shrink_if_idle(size_t keep) {
  if (begin_ == end_ && cap_ > keep) {
    buf_.reset();
    cap_ = begin_ = end_ = 0;
  }
}

}  // namespace net
