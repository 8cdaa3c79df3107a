// What the stream command files share: lookups, ID parsing with Redis' error replies, entry replies.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "datanode/server/context.h"
#include "datanode/types/stream.h"

namespace datanode::streams {

inline constexpr const char* kInvalidIdError = "ERR Invalid stream ID specified as stream command argument";

// The stream at `key`; `ok` false after a WRONGTYPE reply.
stream::Stream* lookup(Context& ctx, std::string_view key, bool& ok, bool read);

// Parse an ID, replying the Redis error on failure.
std::optional<stream::ID> parse_id_or_reply(Context& ctx, std::string_view s, uint64_t missing_seq,
                                            bool strict, bool* seq_given = nullptr);
// "(" prefixed exclusive bounds of XRANGE/XPENDING/XAUTOCLAIM.
std::optional<stream::ID> parse_interval_or_reply(Context& ctx, std::string_view s, uint64_t missing_seq,
                                                  bool* exclusive);

// [id, [field, value, ...]]
void reply_entry(resp::Writer& out, const stream::EntryView& e);
void reply_entries(resp::Writer& out, const std::vector<stream::EntryView>& entries);

// Collects live entries start..end (count 0: all).
std::vector<stream::EntryView> collect(const stream::Stream& s, stream::ID start, stream::ID end, bool rev,
                                       size_t count);

// The error of a missing key or group, as Redis words it for XREADGROUP/XPENDING/XCLAIM...
std::string nogroup_error(std::string_view key, std::string_view group);

// XREADGROUP/XCLAIM delivery propagated as Redis' streamPropagateXCLAIM.
void propagate_xclaim(Context& ctx, std::string_view key, std::string_view group, const stream::Group& g,
                      stream::ID id, const stream::PendingEntry& p);

// Parses and signals that a stream key changed (WATCH, blocked readers).
void stream_modified(Context& ctx, std::string_view key, int64_t dirty);

}  // namespace datanode::streams
