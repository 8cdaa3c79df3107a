// The serving half of XREAD/XREADGROUP, shared by the commands and by blocked clients woken by a write
// (datanode/server/blocking.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/resp/writer.h"
#include "datanode/server/blocking.h"
#include "datanode/types/stream.h"

namespace datanode {

class Server;

struct StreamReadSpec {
  std::string group;  // empty: XREAD
  std::string consumer;
  bool noack = false;
  size_t count = 0;  // 0: no limit
};

// What a client blocked in XREAD/XREADGROUP waits for: per key (in the order given), entries after
// `after` (ID::max() for XREADGROUP's ">": after the group's last ID at wake-up time).
struct XReadWait {
  StreamReadSpec spec;
  std::vector<std::string> keys;
  std::vector<stream::ID> after;
};

namespace streams {

// Writes the entries array for one stream (the key itself is written by the caller) and returns how
// many entries it holds; fills `propagate` with what the delivery must replicate.
size_t serve_stream_read(Server& server, int db, std::string_view key, stream::Stream& s, stream::ID after,
                         const StreamReadSpec& spec, int64_t now_ms, resp::Writer& out,
                         std::vector<std::vector<std::string>>& propagate);

// Whether a read after `after` (or after the group's last ID) would return something now.
bool stream_has_new(const stream::Stream& s, stream::ID after, const StreamReadSpec& spec);

}  // namespace streams

// Serves a blocked XREAD/XREADGROUP on `key` if the stream there has what it waits for: the whole
// reply ([[key, entries]] / {key: entries}) or the -NOGROUP error of a destroyed group.
ServeResult serve_xread_op(Server& server, int db, std::string_view key, const ListPopOp& op, int64_t now_ms,
                           resp::Writer& out, std::vector<std::vector<std::string>>& propagate, int resp);

}  // namespace datanode
