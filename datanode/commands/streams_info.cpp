// XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS and XINFO HELP, with Redis 7.0's fields
// (entries-added, recorded-first-entry-id, max-deleted-entry-id, entries-read, lag) as maps, so RESP3
// clients get maps and RESP2 clients flat arrays.
#include "common/command/help.h"
#include "common/util/strings.h"
#include "datanode/commands/families.h"
#include "datanode/commands/streams.h"

namespace datanode {
namespace {

using namespace command;
using namespace streams;
using stream::ID;

std::string syntax_error(Context& ctx) {
  return "ERR unknown subcommand or wrong number of arguments for '" + std::string(ctx.arg(1)) +
         "'. Try XINFO HELP.";
}

// As streamReplyWithCGLag: a lag can be negative (ENTRIESREAD set past the entries added), so "unknown"
// is decided here rather than by a sentinel value.
void reply_lag(Context& ctx, const stream::Stream& s, const stream::Group& g) {
  auto added = static_cast<int64_t>(s.entries_added);
  if (added == 0) return ctx.out.integer(0);
  if (g.entries_read != stream::kInvalidEntriesRead && !s.range_has_tombstones(g.last_id, std::nullopt)) {
    return ctx.out.integer(added - g.entries_read);
  }
  int64_t read = s.estimate_distance(g.last_id);
  if (read == stream::kInvalidEntriesRead) return ctx.out.null();
  ctx.out.integer(added - read);
}

void reply_entries_read(Context& ctx, const stream::Group& g) {
  if (g.entries_read == stream::kInvalidEntriesRead) return ctx.out.null();
  ctx.out.integer(g.entries_read);
}

// A rax of k 16-byte keys has at least k leaves plus its inner nodes; Redis' exact count depends on its
// node splitting, which this layout does not share, so this is an estimate.
int64_t radix_nodes(const stream::Stream& s) {
  size_t k = s.block_count();
  return k == 0 ? 1 : static_cast<int64_t>(2 * k);
}

void stream_info(Context& ctx, const stream::Stream& s) {
  bool full = false;
  int64_t count = 10;
  size_t optc = ctx.argc() - 3;
  if (optc > 0) {
    if ((optc != 1 && optc != 3) || !util::iequals(ctx.arg(3), "full"))
      return ctx.out.error(syntax_error(ctx));
    if (optc == 3) {
      if (!util::iequals(ctx.arg(4), "count")) return ctx.out.error(syntax_error(ctx));
      auto n = util::parse_int(ctx.arg(5));
      if (!n) return ctx.not_integer();
      count = *n < 0 ? 10 : *n;
    }
    full = true;
  }
  resp::Writer& out = ctx.out;
  out.map_header(full ? 9 : 10);
  out.bulk("length");
  out.integer(static_cast<int64_t>(s.length));
  out.bulk("radix-tree-keys");
  out.integer(static_cast<int64_t>(s.block_count()));
  out.bulk("radix-tree-nodes");
  out.integer(radix_nodes(s));
  out.bulk("last-generated-id");
  out.bulk(s.last_id.str());
  out.bulk("max-deleted-entry-id");
  out.bulk(s.max_deleted_id.str());
  out.bulk("entries-added");
  out.integer(static_cast<int64_t>(s.entries_added));
  out.bulk("recorded-first-entry-id");
  out.bulk(s.first_id.str());
  if (!full) {
    out.bulk("groups");
    out.integer(static_cast<int64_t>(s.groups.size()));
    for (bool rev : {false, true}) {
      out.bulk(rev ? "last-entry" : "first-entry");
      auto e = collect(s, ID{}, ID::max(), rev, 1);
      if (e.empty()) {
        out.null();
      } else {
        reply_entry(out, e.front());
      }
    }
    return;
  }
  auto limit = static_cast<size_t>(count);
  out.bulk("entries");
  reply_entries(out, collect(s, ID{}, ID::max(), false, limit));
  out.bulk("groups");
  out.array_header(s.groups.size());
  for (const auto& [name, g] : s.groups) {
    out.map_header(7);
    out.bulk("name");
    out.bulk(name);
    out.bulk("last-delivered-id");
    out.bulk(g.last_id.str());
    out.bulk("entries-read");
    reply_entries_read(ctx, g);
    out.bulk("lag");
    reply_lag(ctx, s, g);
    out.bulk("pel-count");
    out.integer(static_cast<int64_t>(g.pel.size()));
    out.bulk("pending");
    size_t n = limit ? std::min(limit, g.pel.size()) : g.pel.size();
    out.array_header(n);
    size_t i = 0;
    for (auto it = g.pel.begin(); i < n; ++it, ++i) {
      out.array_header(4);
      out.bulk(it->first.str());
      out.bulk(it->second.consumer->name);
      out.integer(it->second.delivery_time);
      out.integer(static_cast<int64_t>(it->second.delivery_count));
    }
    out.bulk("consumers");
    out.array_header(g.consumers.size());
    for (const auto& [cname, c] : g.consumers) {
      out.map_header(4);
      out.bulk("name");
      out.bulk(cname);
      out.bulk("seen-time");
      out.integer(c.seen_time);
      out.bulk("pel-count");
      out.integer(static_cast<int64_t>(c.pel.size()));
      out.bulk("pending");
      size_t m = limit ? std::min(limit, c.pel.size()) : c.pel.size();
      out.array_header(m);
      size_t j = 0;
      for (auto it = c.pel.begin(); j < m; ++it, ++j) {
        const stream::PendingEntry& p = g.pel.at(*it);
        out.array_header(3);
        out.bulk(it->str());
        out.integer(p.delivery_time);
        out.integer(static_cast<int64_t>(p.delivery_count));
      }
    }
  }
}

void cmd_xinfo(Context& ctx) {
  std::string sub = util::to_lower(ctx.arg(1));
  int arity = sub == "help" ? 2 : sub == "groups" ? 3 : sub == "consumers" ? 4 : sub == "stream" ? -3 : 0;
  if (arity == 0) return ctx.out.error(unknown_subcommand_error(ctx.arg(1), "xinfo"));
  size_t argc = ctx.argc();
  if (arity > 0 ? argc != static_cast<size_t>(arity) : argc < static_cast<size_t>(-arity)) {
    return ctx.out.error(wrong_sub_arity_error("xinfo", sub));
  }
  if (sub == "help") {
    return reply_help(ctx.out, "xinfo",
                      {"CONSUMERS <key> <groupname>", "    Show consumers of <groupname>.", "GROUPS <key>",
                       "    Show the stream consumer groups.", "STREAM <key> [FULL [COUNT <count>]",
                       "    Show information about the stream."});
  }
  bool ok;
  stream::Stream* s = lookup(ctx, ctx.arg(2), ok, true);
  if (!ok) return;
  if (s == nullptr) return ctx.out.error("ERR no such key");
  if (sub == "consumers") {
    auto g = s->groups.find(ctx.arg(3));
    if (g == s->groups.end()) {
      return ctx.out.error("NOGROUP No such consumer group '" + std::string(ctx.arg(3)) + "' for key name '" +
                           std::string(ctx.arg(2)) + "'");
    }
    ctx.out.array_header(g->second.consumers.size());
    for (const auto& [name, c] : g->second.consumers) {
      int64_t idle = ctx.now_ms - c.seen_time;
      ctx.out.map_header(3);
      ctx.out.bulk("name");
      ctx.out.bulk(name);
      ctx.out.bulk("pending");
      ctx.out.integer(static_cast<int64_t>(c.pel.size()));
      ctx.out.bulk("idle");
      ctx.out.integer(idle < 0 ? 0 : idle);
    }
    return;
  }
  if (sub == "groups") {
    ctx.out.array_header(s->groups.size());
    for (const auto& [name, g] : s->groups) {
      ctx.out.map_header(6);
      ctx.out.bulk("name");
      ctx.out.bulk(name);
      ctx.out.bulk("consumers");
      ctx.out.integer(static_cast<int64_t>(g.consumers.size()));
      ctx.out.bulk("pending");
      ctx.out.integer(static_cast<int64_t>(g.pel.size()));
      ctx.out.bulk("last-delivered-id");
      ctx.out.bulk(g.last_id.str());
      ctx.out.bulk("entries-read");
      reply_entries_read(ctx, g);
      ctx.out.bulk("lag");
      reply_lag(ctx, *s, g);
    }
    return;
  }
  stream_info(ctx, *s);
}

}  // namespace

void register_stream_info_commands(CommandTable& t) {
  t.add("xinfo", -2, kReadOnly | kSubcommands, cmd_xinfo, 2, 2, 1);
}

}  // namespace datanode
