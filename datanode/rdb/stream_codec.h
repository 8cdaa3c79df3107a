// Streams in RDB (types 15 and 19, Redis' RDB_TYPE_STREAM_LISTPACKS[_2]): each block is written as a
// listpack in Redis' exact stream layout (master entry, then flags / ID deltas / fields / lp-count per
// entry), so redis-server loads what we write and we load what it writes; then the stream metadata,
// groups, their PEL with delivery times and counts, and consumers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "datanode/types/stream.h"

namespace rdb {

class Encoder;

// Everything after the type byte and the key.
void encode_stream(Encoder& e, const stream::Stream& s);

// What the stream loader needs from the RDB reader; a failure is sticky (later reads return zeros).
class StreamSource {
 public:
  virtual ~StreamSource() = default;
  virtual uint64_t length() = 0;
  virtual std::string string() = 0;
  virtual std::string_view bytes(size_t n) = 0;
  virtual uint64_t le64() = 0;
  virtual bool failed() const = 0;
  virtual void fail(std::string why) = 0;
};

// Reads a stream value of `type` (15 or 19); nullopt after src.fail().
std::optional<stream::Stream> decode_stream(uint8_t type, StreamSource& src);

// One listpack of Redis' stream layout, turned into our block entries appended to `s`; false when it
// is malformed. Exposed for the fuzz target.
bool load_stream_listpack(std::string_view node_key, std::string_view lp, stream::Stream& s);

}  // namespace rdb
