// Stream commands on entries: XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID, plus the helpers
// every stream command file shares (streams.h). Consumer groups are in streams_groups.cpp, reads in
// streams_read.cpp, XINFO in streams_info.cpp.
#include "datanode/commands/streams.h"

#include "common/util/strings.h"
#include "datanode/commands/families.h"
#include "datanode/server/notify.h"

namespace datanode {
namespace streams {

using stream::ID;

stream::Stream* lookup(Context& ctx, std::string_view key, bool& ok, bool read) {
  store::Value* v = nullptr;
  ok = ctx.find_typed(key, store::Type::kStream, v, read);
  return v ? &v->stream() : nullptr;
}

std::optional<ID> parse_id_or_reply(Context& ctx, std::string_view s, uint64_t missing_seq, bool strict,
                                    bool* seq_given) {
  auto id = stream::parse_id(s, missing_seq, strict, seq_given);
  if (!id) ctx.out.error(kInvalidIdError);
  return id;
}

std::optional<ID> parse_interval_or_reply(Context& ctx, std::string_view s, uint64_t missing_seq,
                                          bool* exclusive) {
  *exclusive = s.size() > 1 && s[0] == '(';
  if (*exclusive) return parse_id_or_reply(ctx, s.substr(1), missing_seq, true);
  return parse_id_or_reply(ctx, s, missing_seq, false);
}

void reply_entry(resp::Writer& out, const stream::EntryView& e) {
  out.array_header(2);
  out.bulk(e.id.str());
  out.array_header(e.fields.size());
  for (std::string_view f : e.fields) out.bulk(f);
}

void reply_entries(resp::Writer& out, const std::vector<stream::EntryView>& entries) {
  out.array_header(entries.size());
  for (const auto& e : entries) reply_entry(out, e);
}

std::vector<stream::EntryView> collect(const stream::Stream& s, ID start, ID end, bool rev, size_t count) {
  std::vector<stream::EntryView> out;
  s.range(start, end, rev, [&](const stream::EntryView& e) {
    out.push_back(e);
    return count == 0 || out.size() < count;
  });
  return out;
}

std::string nogroup_error(std::string_view key, std::string_view group) {
  return "NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(group) + "'";
}

void propagate_xclaim(Context& ctx, std::string_view key, std::string_view group, const stream::Group& g,
                      ID id, const stream::PendingEntry& p) {
  ctx.propagate_as({"XCLAIM", std::string(key), std::string(group), p.consumer->name, "0", id.str(), "TIME",
                    std::to_string(p.delivery_time), "RETRYCOUNT", std::to_string(p.delivery_count), "FORCE",
                    "JUSTID", "LASTID", g.last_id.str()});
}

void stream_modified(Context& ctx, std::string_view key, int64_t dirty) {
  ctx.server.touch(ctx.client.db, key);
  ctx.changed(dirty);
}

}  // namespace streams

namespace {

using namespace command;
using namespace streams;
using stream::ID;

enum class Trim { kNone, kMaxLen, kMinId };

struct AddTrimArgs {
  Trim trim = Trim::kNone;
  bool approx = false;
  int64_t limit = 0;
  int64_t maxlen = 0;
  ID minid;
  size_t trim_arg = 0;  // index of the MAXLEN/MINID value (rewritten when approximate)
  bool nomkstream = false;
  bool id_given = false;
  bool seq_given = true;
  ID id;
};

// Redis' streamParseAddOrTrimArgsOrReply: returns the index of the ID (XADD), 0 after an error reply.
size_t parse_add_trim(Context& ctx, AddTrimArgs& a, bool xadd) {
  size_t i = 2;
  bool limit_given = false;
  for (; i < ctx.argc(); ++i) {
    size_t more = ctx.argc() - 1 - i;
    std::string_view opt = ctx.arg(i);
    if (xadd && opt == "*") break;
    bool maxlen = util::iequals(opt, "maxlen"), minid = util::iequals(opt, "minid");
    if ((maxlen || minid) && more) {
      if (a.trim != Trim::kNone) {
        ctx.out.error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return 0;
      }
      a.approx = false;
      std::string_view next = ctx.arg(i + 1);
      if (more >= 2 && next == "~") {
        a.approx = true;
        i++;
      } else if (more >= 2 && next == "=") {
        i++;
      }
      if (maxlen) {
        auto n = util::parse_int(ctx.arg(i + 1));
        if (!n) {
          ctx.not_integer();
          return 0;
        }
        if (*n < 0) {
          ctx.out.error("ERR The MAXLEN argument must be >= 0.");
          return 0;
        }
        a.maxlen = *n;
        a.trim = Trim::kMaxLen;
      } else {
        auto id = parse_id_or_reply(ctx, ctx.arg(i + 1), 0, true);
        if (!id) return 0;
        a.minid = *id;
        a.trim = Trim::kMinId;
      }
      i++;
      a.trim_arg = i;
    } else if (util::iequals(opt, "limit") && more) {
      auto n = util::parse_int(ctx.arg(i + 1));
      if (!n) {
        ctx.not_integer();
        return 0;
      }
      if (*n < 0) {
        ctx.out.error("ERR The LIMIT argument must be >= 0.");
        return 0;
      }
      a.limit = *n;
      limit_given = true;
      i++;
    } else if (xadd && util::iequals(opt, "nomkstream")) {
      a.nomkstream = true;
    } else if (xadd) {
      auto id = parse_id_or_reply(ctx, opt, 0, true, &a.seq_given);
      if (!id) return 0;
      a.id = *id;
      a.id_given = true;
      break;
    } else {
      ctx.syntax_error();
      return 0;
    }
  }
  if (a.limit && a.trim == Trim::kNone) {
    ctx.out.error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return 0;
  }
  if (!xadd && a.trim == Trim::kNone) {
    ctx.out.error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return 0;
  }
  bool must_obey = (ctx.client.flags & kClientMaster) != 0 || ctx.server.loading();
  if (must_obey) {
    a.limit = 0;
  } else if (limit_given) {
    if (!a.approx) {
      ctx.out.error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return 0;
    }
  } else if (a.approx) {
    a.limit = 100 * ctx.server.settings().stream_node_max_entries;
    if (a.limit <= 0) a.limit = 10000;
    if (a.limit > 1000000) a.limit = 1000000;
  } else {
    a.limit = 0;
  }
  return i;
}

int64_t apply_trim(stream::Stream& s, const AddTrimArgs& a) {
  if (a.trim == Trim::kMaxLen) return s.trim_maxlen(static_cast<uint64_t>(a.maxlen), a.approx, a.limit);
  if (a.trim == Trim::kMinId) return s.trim_minid(a.minid, a.approx, a.limit);
  return 0;
}

// "~" trimming is not deterministic: the replicas and the AOF get "=" and the resulting length/first ID.
void rewrite_trim(std::vector<std::string>& argv, const stream::Stream& s, const AddTrimArgs& a) {
  argv[a.trim_arg - 1] = "=";
  if (a.trim == Trim::kMaxLen) {
    argv[a.trim_arg] = std::to_string(s.length);
  } else {
    // streamGetEdgeID without skipping tombstones: the first ID the blocks still hold.
    ID first = ID::max();
    if (!s.blocks().empty()) {
      const auto& [key, block] = *s.blocks().begin();
      first = stream::Stream::decode(key, block).front().entry.id;
    }
    argv[a.trim_arg] = first.str();
  }
}

void cmd_xadd(Context& ctx) {
  AddTrimArgs a;
  size_t idpos = parse_add_trim(ctx, a, true);
  if (idpos == 0) return;
  size_t field_pos = idpos + 1;
  if (ctx.argc() < field_pos + 2 || (ctx.argc() - field_pos) % 2 == 1) {
    return ctx.out.error(wrong_arity_error("xadd"));
  }
  if (a.id_given && a.seq_given && a.id.is_zero()) {
    return ctx.out.error("ERR The ID specified in XADD must be greater than 0-0");
  }
  bool ok;
  stream::Stream* s = lookup(ctx, ctx.arg(1), ok, false);
  if (!ok) return;
  bool created = false;
  if (s == nullptr) {
    if (a.nomkstream) return ctx.out.null();
    s = &ctx.db().create(ctx.arg(1), store::Type::kStream).stream();
    created = true;
  }
  auto drop_if_created = [&] {
    if (created) ctx.db().erase(ctx.arg(1));
  };
  if (s->last_id.is_max()) {
    drop_if_created();
    return ctx.out.error("ERR The stream has exhausted the last possible ID, unable to add more items");
  }
  ID id;
  if (a.id_given) {
    if (a.seq_given) {
      id = a.id;
    } else if (s->last_id.ms == a.id.ms) {
      if (s->last_id.seq == UINT64_MAX) {
        drop_if_created();
        return ctx.out.error(
            "ERR The ID specified in XADD is equal or smaller than the target stream top item");
      }
      id = {s->last_id.ms, s->last_id.seq + 1};
    } else {
      id = a.id;
    }
  } else {
    auto now = static_cast<uint64_t>(ctx.now_ms);
    if (now > s->last_id.ms) {
      id = {now, 0};
    } else {
      id = s->last_id;
      id.incr();
    }
  }
  if (id <= s->last_id) {
    drop_if_created();
    return ctx.out.error("ERR The ID specified in XADD is equal or smaller than the target stream top item");
  }
  std::vector<std::string_view> fields(ctx.args.begin() + static_cast<ptrdiff_t>(field_pos), ctx.args.end());
  const Settings& st = ctx.server.settings();
  s->append(id, fields, st.stream_node_max_bytes, st.stream_node_max_entries);
  std::string idstr = id.str();
  ctx.out.bulk(idstr);
  if (created) notify(ctx, kNotifyNew, "new", ctx.arg(1));
  notify(ctx, kNotifyStream, "xadd", ctx.arg(1));
  if (apply_trim(*s, a) > 0) notify(ctx, kNotifyStream, "xtrim", ctx.arg(1));
  std::vector<std::string> argv(ctx.args.begin(), ctx.args.end());
  if (a.approx) rewrite_trim(argv, *s, a);
  argv[idpos] = idstr;
  ctx.propagate_as(std::move(argv));
  stream_modified(ctx, ctx.arg(1), 1);
}

void range_generic(Context& ctx, bool rev) {
  std::string_view start_arg = rev ? ctx.arg(3) : ctx.arg(2), end_arg = rev ? ctx.arg(2) : ctx.arg(3);
  bool start_ex, end_ex;
  auto start = parse_interval_or_reply(ctx, start_arg, 0, &start_ex);
  if (!start) return;
  if (start_ex && !start->incr()) return ctx.out.error("ERR invalid start ID for the interval");
  auto end = parse_interval_or_reply(ctx, end_arg, UINT64_MAX, &end_ex);
  if (!end) return;
  if (end_ex && !end->decr()) return ctx.out.error("ERR invalid end ID for the interval");
  int64_t count = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    if (util::iequals(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
      auto n = util::parse_int(ctx.arg(j + 1));
      if (!n) return ctx.not_integer();
      count = *n < 0 ? 0 : *n;
      j++;
    } else {
      return ctx.syntax_error();
    }
  }
  bool ok;
  stream::Stream* s = lookup(ctx, ctx.arg(1), ok, true);
  if (!ok) return;
  if (s == nullptr) return ctx.out.array_header(0);
  if (count == 0) return ctx.out.null_array();
  reply_entries(ctx.out, collect(*s, *start, *end, rev, count < 0 ? 0 : static_cast<size_t>(count)));
}

void cmd_xrange(Context& ctx) { range_generic(ctx, false); }
void cmd_xrevrange(Context& ctx) { range_generic(ctx, true); }

void cmd_xlen(Context& ctx) {
  bool ok;
  stream::Stream* s = lookup(ctx, ctx.arg(1), ok, true);
  if (!ok) return;
  ctx.out.integer(s ? static_cast<int64_t>(s->length) : 0);
}

void cmd_xdel(Context& ctx) {
  bool ok;
  stream::Stream* s = lookup(ctx, ctx.arg(1), ok, false);
  if (!ok) return;
  if (s == nullptr) return ctx.out.integer(0);
  std::vector<ID> ids;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    auto id = parse_id_or_reply(ctx, ctx.arg(j), 0, true);
    if (!id) return;
    ids.push_back(*id);
  }
  int64_t deleted = 0;
  bool first_entry = false;
  for (const ID& id : ids) {
    if (!s->remove(id)) continue;
    if (id == s->first_id) first_entry = true;
    if (id > s->max_deleted_id) s->max_deleted_id = id;
    deleted++;
  }
  if (deleted) {
    if (s->length == 0) {
      s->first_id = {};
    } else if (first_entry) {
      s->first_id = s->edge_id(true);
    }
    stream_modified(ctx, ctx.arg(1), deleted);
    notify(ctx, kNotifyStream, "xdel", ctx.arg(1));
  }
  ctx.out.integer(deleted);
}

void cmd_xtrim(Context& ctx) {
  AddTrimArgs a;
  if (parse_add_trim(ctx, a, false) == 0) return;
  bool ok;
  stream::Stream* s = lookup(ctx, ctx.arg(1), ok, false);
  if (!ok) return;
  if (s == nullptr) return ctx.out.integer(0);
  int64_t deleted = apply_trim(*s, a);
  if (deleted) {
    std::vector<std::string> argv(ctx.args.begin(), ctx.args.end());
    if (a.approx) rewrite_trim(argv, *s, a);
    ctx.propagate_as(std::move(argv));
    stream_modified(ctx, ctx.arg(1), deleted);
    notify(ctx, kNotifyStream, "xtrim", ctx.arg(1));
  }
  ctx.out.integer(deleted);
}

void cmd_xsetid(Context& ctx) {
  auto id = parse_id_or_reply(ctx, ctx.arg(2), 0, true);
  if (!id) return;
  ID max_deleted;
  int64_t entries_added = -1;
  for (size_t i = 3; i < ctx.argc();) {
    bool more = i + 1 < ctx.argc();
    if (util::iequals(ctx.arg(i), "entriesadded") && more) {
      auto n = util::parse_int(ctx.arg(i + 1));
      if (!n) return ctx.not_integer();
      if (*n < 0) return ctx.out.error("ERR entries_added must be positive");
      entries_added = *n;
    } else if (util::iequals(ctx.arg(i), "maxdeletedid") && more) {
      auto m = parse_id_or_reply(ctx, ctx.arg(i + 1), 0, true);
      if (!m) return;
      if (*id < *m) {
        return ctx.out.error(
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
      }
      max_deleted = *m;
    } else {
      return ctx.syntax_error();
    }
    i += 2;
  }
  bool ok;
  stream::Stream* s = lookup(ctx, ctx.arg(1), ok, false);
  if (!ok) return;
  if (s == nullptr) return ctx.out.error("ERR no such key");
  if (s->length > 0) {
    if (*id < s->edge_id(false)) {
      return ctx.out.error("ERR The ID specified in XSETID is smaller than the target stream top item");
    }
    if (entries_added != -1 && s->length > static_cast<uint64_t>(entries_added)) {
      return ctx.out.error(
          "ERR The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  s->last_id = *id;
  if (entries_added != -1) s->entries_added = static_cast<uint64_t>(entries_added);
  if (!max_deleted.is_zero()) s->max_deleted_id = max_deleted;
  ctx.out.ok();
  stream_modified(ctx, ctx.arg(1), 1);
  notify(ctx, kNotifyStream, "xsetid", ctx.arg(1));
}

}  // namespace

void register_stream_commands(CommandTable& t) {
  t.add("xadd", -5, kWrite | kDenyOom | kFast, cmd_xadd, 1, 1, 1);
  t.add("xrange", -4, kReadOnly, cmd_xrange, 1, 1, 1);
  t.add("xrevrange", -4, kReadOnly, cmd_xrevrange, 1, 1, 1);
  t.add("xlen", 2, kReadOnly | kFast, cmd_xlen, 1, 1, 1);
  t.add("xdel", -3, kWrite | kFast, cmd_xdel, 1, 1, 1);
  t.add("xtrim", -4, kWrite, cmd_xtrim, 1, 1, 1);
  t.add("xsetid", -3, kWrite | kDenyOom | kFast, cmd_xsetid, 1, 1, 1);
}

}  // namespace datanode
