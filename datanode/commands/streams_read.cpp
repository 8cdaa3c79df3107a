// XREAD and XREADGROUP: argument parsing, serving the streams that have entries past the requested IDs,
// and (with BLOCK) waiting in datanode/server/blocking until one has. XREADGROUP's deliveries update
// the group (last ID, entries read, PEL) and are propagated as Redis does: one XCLAIM per delivered
// entry, XGROUP SETID for NOACK reads, XGROUP CREATECONSUMER for consumers NOACK created.
#include "datanode/commands/streams_read.h"

#include "common/util/strings.h"
#include "datanode/commands/families.h"
#include "datanode/commands/streams.h"
#include "datanode/server/notify.h"
#include "datanode/server/server.h"

namespace datanode {
namespace streams {

using stream::ID;

size_t serve_stream_read(Server& server, int db, std::string_view key, stream::Stream& s, ID after,
                         const StreamReadSpec& spec, int64_t now_ms, resp::Writer& out,
                         std::vector<std::vector<std::string>>& propagate) {
  if (spec.group.empty()) {
    ID start = after;
    start.incr();
    auto entries = collect(s, start, ID::max(), false, spec.count);
    reply_entries(out, entries);
    return entries.size();
  }
  auto git = s.groups.find(spec.group);
  if (git == s.groups.end()) return 0;
  stream::Group& g = git->second;
  bool created = false;
  stream::Consumer& consumer = g.consumer(spec.consumer, now_ms, &created);
  consumer.seen_time = now_ms;
  if (created) notify(server, kNotifyStream, "xgroup-createconsumer", key, db);
  if (created && spec.noack) {
    propagate.push_back({"XGROUP", "CREATECONSUMER", std::string(key), spec.group, spec.consumer});
  }
  if (!after.is_max()) {
    // History: only this consumer's own pending entries, deleted ones as [id, nil].
    std::vector<ID> ids;
    ID start = after;
    start.incr();
    for (auto it = consumer.pel.lower_bound(start); it != consumer.pel.end(); ++it) {
      if (spec.count && ids.size() >= spec.count) break;
      ids.push_back(*it);
    }
    out.array_header(ids.size());
    for (const ID& id : ids) {
      stream::EntryView e;
      if (s.find(id, &e)) {
        reply_entry(out, e);
        stream::PendingEntry& p = g.pel.at(id);
        p.delivery_time = now_ms;
        p.delivery_count++;
      } else {
        out.array_header(2);
        out.bulk(id.str());
        out.null_array();
      }
    }
    return ids.size();
  }
  ID start = g.last_id;
  start.incr();
  auto entries = collect(s, start, ID::max(), false, spec.count);
  bool advanced = false;
  for (const auto& e : entries) {
    if (e.id > g.last_id) {
      s.advance_group(g, e.id);
      advanced = true;
    }
    if (spec.noack) continue;
    auto [pit, inserted] = g.pel.try_emplace(e.id);
    stream::PendingEntry& p = pit->second;
    if (!inserted) p.consumer->pel.erase(e.id);
    p.consumer = &consumer;
    p.delivery_time = now_ms;
    p.delivery_count = 1;
    consumer.pel.insert(e.id);
    propagate.push_back({"XCLAIM", std::string(key), spec.group, consumer.name, "0", e.id.str(), "TIME",
                         std::to_string(p.delivery_time), "RETRYCOUNT", std::to_string(p.delivery_count),
                         "FORCE", "JUSTID", "LASTID", g.last_id.str()});
  }
  if (spec.noack && advanced) {
    propagate.push_back({"XGROUP", "SETID", std::string(key), spec.group, g.last_id.str(), "ENTRIESREAD",
                         std::to_string(g.entries_read)});
  }
  reply_entries(out, entries);
  return entries.size();
}

bool stream_has_new(const stream::Stream& s, ID after, const StreamReadSpec& spec) {
  if (s.length == 0) return false;
  if (!spec.group.empty()) {
    auto g = s.groups.find(spec.group);
    if (g == s.groups.end()) return false;
    after = g->second.last_id;
  }
  return s.edge_id(false) > after;
}

}  // namespace streams

ServeResult serve_xread_op(Server& server, int db, std::string_view key, const ListPopOp& op, int64_t now_ms,
                           resp::Writer& out, std::vector<std::vector<std::string>>& propagate, int resp) {
  if (!op.xread) return ServeResult::kNotReady;
  const XReadWait& w = *op.xread;
  size_t idx = 0;
  while (idx < w.keys.size() && w.keys[idx] != key) idx++;
  if (idx == w.keys.size()) return ServeResult::kNotReady;
  store::Value* v = server.db(db).find(key, now_ms);
  if (v == nullptr || v->type() != store::Type::kStream) return ServeResult::kNotReady;
  stream::Stream& s = v->stream();
  stream::ID gt = w.after[idx];
  if (!w.spec.group.empty()) {
    auto g = s.groups.find(w.spec.group);
    if (g == s.groups.end()) {
      out.error("NOGROUP the consumer group this client was blocked on no longer exists");
      return ServeResult::kError;
    }
    gt = g->second.last_id;
  }
  if (!(s.last_id > gt)) return ServeResult::kNotReady;
  if (resp == 2) {
    out.array_header(1);
    out.array_header(2);
  } else {
    out.map_header(1);
  }
  out.bulk(key);
  // ">" is served as "after the group's last ID", which is what serve_stream_read does for ID::max().
  streams::serve_stream_read(server, db, key, s, w.spec.group.empty() ? gt : stream::ID::max(), w.spec,
                             now_ms, out, propagate);
  return ServeResult::kServed;
}

namespace {

using namespace command;
using namespace streams;
using stream::ID;

constexpr size_t kBlockedDefaultCount = 1000;

void cmd_xread_generic(Context& ctx, bool group_form) {
  int64_t timeout = -1;
  StreamReadSpec spec;
  size_t streams_arg = 0;
  bool have_group = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    size_t more = ctx.argc() - i - 1;
    std::string_view o = ctx.arg(i);
    if (util::iequals(o, "block") && more) {
      i++;
      auto t = util::parse_int(ctx.arg(i));
      if (!t) return ctx.out.error("ERR timeout is not an integer or out of range");
      if (*t < 0) return ctx.out.error("ERR timeout is negative");
      timeout = *t;
    } else if (util::iequals(o, "count") && more) {
      i++;
      auto n = util::parse_int(ctx.arg(i));
      if (!n) return ctx.not_integer();
      spec.count = *n < 0 ? 0 : static_cast<size_t>(*n);
    } else if (util::iequals(o, "streams") && more) {
      streams_arg = i + 1;
      if ((ctx.argc() - streams_arg) % 2 != 0) {
        return ctx.out.error(
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      break;
    } else if (util::iequals(o, "group") && more >= 2) {
      if (!group_form)
        return ctx.out.error(
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
      spec.group = std::string(ctx.arg(i + 1));
      spec.consumer = std::string(ctx.arg(i + 2));
      have_group = true;
      i += 2;
    } else if (util::iequals(o, "noack")) {
      if (!group_form)
        return ctx.out.error(
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
      spec.noack = true;
    } else {
      return ctx.syntax_error();
    }
  }
  if (streams_arg == 0) return ctx.syntax_error();
  if (group_form && !have_group) return ctx.out.error("ERR Missing GROUP option for XREADGROUP");
  size_t n = (ctx.argc() - streams_arg) / 2;
  std::vector<ID> ids(n);
  for (size_t i = 0; i < n; ++i) {
    std::string_view key = ctx.arg(streams_arg + i), idarg = ctx.arg(streams_arg + n + i);
    store::Value* v = ctx.db().find(key, ctx.now_ms);
    // Redis reads each key twice (here and when serving), both with lookupKeyRead: two hits or misses.
    ctx.note_read_lookup(key, v != nullptr);
    if (v != nullptr && v->type() != store::Type::kStream) return ctx.wrong_type();
    stream::Stream* s = v ? &v->stream() : nullptr;
    if (have_group && (s == nullptr || s->groups.find(spec.group) == s->groups.end())) {
      return ctx.out.error("NOGROUP No such key '" + std::string(key) + "' or consumer group '" + spec.group +
                           "' in XREADGROUP with GROUP option");
    }
    if (idarg == "$") {
      if (group_form) {
        return ctx.out.error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this "
            "consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just "
            "return an empty result set.");
      }
      ids[i] = s ? s->last_id : ID{};
      continue;
    }
    if (idarg == ">") {
      if (!group_form) {
        return ctx.out.error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> "
            "option.");
      }
      ids[i] = ID::max();
      continue;
    }
    auto id = parse_id_or_reply(ctx, idarg, 0, true);
    if (!id) return;
    ids[i] = *id;
  }
  // Deliveries propagate as XCLAIM & co.; the XREADGROUP itself never does.
  ctx.custom_propagation = true;
  std::string body;
  resp::Writer w(&body);
  w.set_protocol(ctx.client.resp);
  size_t served = 0;
  std::vector<std::vector<std::string>> propagate;
  for (size_t i = 0; i < n; ++i) {
    std::string_view key = ctx.arg(streams_arg + i);
    store::Value* v = ctx.db().find(key, ctx.now_ms);
    ctx.note_read_lookup(key, v != nullptr);
    if (v == nullptr) continue;
    stream::Stream& s = v->stream();
    bool history = have_group && !ids[i].is_max();
    if (!history && !stream_has_new(s, ids[i], spec)) continue;
    served++;
    if (ctx.client.resp == 2) w.array_header(2);
    w.bulk(key);
    serve_stream_read(ctx.server, ctx.client.db, key, s, ids[i], spec, ctx.now_ms, w, propagate);
    if (have_group) ctx.dirty++;
  }
  for (auto& argv : propagate) ctx.propagate_as(std::move(argv));
  if (served) {
    if (ctx.client.resp == 2) {
      ctx.out.array_header(served);
    } else {
      ctx.out.map_header(served);
    }
    ctx.out.raw(body);
    return;
  }
  if (timeout >= 0 && Blocking::may_block(ctx.client)) {
    StreamReadSpec blocked = spec;
    if (blocked.count == 0) blocked.count = kBlockedDefaultCount;
    std::vector<std::string_view> keys(ctx.args.begin() + static_cast<ptrdiff_t>(streams_arg),
                                       ctx.args.begin() + static_cast<ptrdiff_t>(streams_arg + n));
    ListPopOp op;
    op.kind = ListPopOp::Kind::kXRead;
    op.xread = std::make_shared<XReadWait>();
    op.xread->spec = blocked;
    op.xread->keys.assign(keys.begin(), keys.end());
    op.xread->after = ids;
    ctx.server.blocking().block(ctx.client, keys, std::move(op), timeout);
    return;
  }
  ctx.out.null_array();
}

void cmd_xread(Context& ctx) { cmd_xread_generic(ctx, false); }
void cmd_xreadgroup(Context& ctx) { cmd_xread_generic(ctx, true); }

}  // namespace

void register_stream_read_commands(CommandTable& t) {
  t.add("xread", -4, kReadOnly | kBlocking, cmd_xread, 0, 0, 0);
  t.add("xreadgroup", -7, kWrite | kBlocking, cmd_xreadgroup, 0, 0, 0);
}

}  // namespace datanode
