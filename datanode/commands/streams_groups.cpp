// Consumer groups: XGROUP (CREATE, SETID, DESTROY, CREATECONSUMER, DELCONSUMER, HELP), XACK, XPENDING,
// XCLAIM and XAUTOCLAIM. Ownership changes propagate as XCLAIM ... FORCE JUSTID LASTID, exactly as
// Redis' streamPropagateXCLAIM, so replicas and the AOF end with the same PEL.
#include "common/command/help.h"
#include "common/util/strings.h"
#include "datanode/commands/families.h"
#include "datanode/commands/streams.h"
#include "datanode/server/notify.h"

namespace datanode {
namespace {

using namespace command;
using namespace streams;
using stream::ID;

std::string subcommand_syntax_error(Context& ctx) {
  return "ERR unknown subcommand or wrong number of arguments for '" + std::string(ctx.arg(1)) +
         "'. Try XGROUP HELP.";
}

void cmd_xgroup(Context& ctx) {
  std::string sub = util::to_lower(ctx.arg(1));
  struct Sub {
    const char* name;
    int arity;
  };
  static constexpr Sub kSubs[] = {{"create", -5},        {"setid", -5},      {"destroy", 4},
                                  {"createconsumer", 5}, {"delconsumer", 5}, {"help", 2}};
  const Sub* found = nullptr;
  for (const Sub& s : kSubs)
    if (sub == s.name) found = &s;
  if (found == nullptr) return ctx.out.error(unknown_subcommand_error(ctx.arg(1), "xgroup"));
  size_t argc = ctx.argc();
  if (found->arity > 0 ? argc != static_cast<size_t>(found->arity)
                       : argc < static_cast<size_t>(-found->arity)) {
    return ctx.out.error(wrong_sub_arity_error("xgroup", sub));
  }
  if (sub == "help") {
    return reply_help(
        ctx.out, "xgroup",
        {"CREATE <key> <groupname> <id|$> [option]", "    Create a new consumer group. Options are:",
         "    * MKSTREAM", "      Create the empty stream if it does not exist.",
         "    * ENTRIESREAD entries_read", "      Set the group's entries_read counter (internal use).",
         "CREATECONSUMER <key> <groupname> <consumer>", "    Create a new consumer in the specified group.",
         "DELCONSUMER <key> <groupname> <consumer>", "    Remove the specified consumer.",
         "DESTROY <key> <groupname>", "    Remove the specified group.",
         "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
         "    Set the current group ID and entries_read counter."});
  }
  bool create = sub == "create", setid = sub == "setid";
  bool mkstream = false;
  int64_t entries_read = stream::kInvalidEntriesRead;
  for (size_t i = 5; i < argc;) {
    if (create && util::iequals(ctx.arg(i), "mkstream")) {
      mkstream = true;
      i++;
    } else if ((create || setid) && util::iequals(ctx.arg(i), "entriesread") && i + 1 < argc) {
      auto n = util::parse_int(ctx.arg(i + 1));
      if (!n) return ctx.not_integer();
      if (*n < 0 && *n != stream::kInvalidEntriesRead) {
        return ctx.out.error("ERR value for ENTRIESREAD must be positive or -1");
      }
      entries_read = *n;
      i += 2;
    } else {
      return ctx.out.error(subcommand_syntax_error(ctx));
    }
  }
  std::string_view key = ctx.arg(2), group = ctx.arg(3);
  bool ok;
  stream::Stream* s = lookup(ctx, key, ok, false);
  if (!ok) return;
  stream::Group* g = nullptr;
  if (!mkstream) {
    if (s == nullptr) {
      return ctx.out.error(
          "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the "
          "MKSTREAM option to create an empty stream automatically.");
    }
    auto it = s->groups.find(group);
    if (it != s->groups.end()) g = &it->second;
    if (g == nullptr && !create && sub != "destroy") {
      return ctx.out.error("NOGROUP No such consumer group '" + std::string(group) + "' for key name '" +
                           std::string(key) + "'");
    }
  } else if (s != nullptr) {
    auto it = s->groups.find(group);
    if (it != s->groups.end()) g = &it->second;
  }
  if (create) {
    if (argc > 8) return ctx.out.error(subcommand_syntax_error(ctx));
    ID id;
    if (ctx.arg(4) == "$") {
      id = s ? s->last_id : ID{};
    } else {
      auto p = parse_id_or_reply(ctx, ctx.arg(4), 0, true);
      if (!p) return;
      id = *p;
    }
    if (s == nullptr) {
      s = &ctx.db().create(key, store::Type::kStream).stream();
      ctx.server.touch(ctx.client.db, key);
      notify(ctx, kNotifyNew, "new", key);
    }
    if (s->groups.count(group)) return ctx.out.error("BUSYGROUP Consumer Group name already exists");
    stream::Group& ng = s->groups[std::string(group)];
    ng.last_id = id;
    ng.entries_read = entries_read;
    ctx.out.ok();
    notify(ctx, kNotifyStream, "xgroup-create", key);
    return ctx.changed();
  }
  if (setid) {
    if (argc != 5 && argc != 7) return ctx.out.error(subcommand_syntax_error(ctx));
    ID id;
    if (ctx.arg(4) == "$") {
      id = s->last_id;
    } else {
      auto p = parse_id_or_reply(ctx, ctx.arg(4), 0, false);
      if (!p) return;
      id = *p;
    }
    g->last_id = id;
    g->entries_read = entries_read;
    ctx.out.ok();
    notify(ctx, kNotifyStream, "xgroup-setid", key);
    return ctx.changed();
  }
  if (sub == "destroy") {
    if (g == nullptr) return ctx.out.integer(0);
    s->groups.erase(s->groups.find(group));
    ctx.out.integer(1);
    notify(ctx, kNotifyStream, "xgroup-destroy", key);
    // Readers blocked on the group learn it is gone (-NOGROUP).
    return stream_modified(ctx, key, 1);
  }
  if (sub == "createconsumer") {
    bool created = false;
    g->consumer(ctx.arg(4), ctx.now_ms, &created);
    ctx.out.integer(created ? 1 : 0);
    if (created) {
      notify(ctx, kNotifyStream, "xgroup-createconsumer", key);
      ctx.changed();
    }
    return;
  }
  // delconsumer
  auto c = g->consumers.find(ctx.arg(4));
  if (c == g->consumers.end()) return ctx.out.integer(0);
  ctx.out.integer(static_cast<int64_t>(g->remove_consumer(ctx.arg(4))));
  notify(ctx, kNotifyStream, "xgroup-delconsumer", key);
  ctx.changed();
}

// The stream and group of XACK/XPENDING/XCLAIM/XAUTOCLAIM; false after a reply (WRONGTYPE).
bool find_group(Context& ctx, stream::Stream*& s, stream::Group*& g) {
  bool ok;
  s = lookup(ctx, ctx.arg(1), ok, true);  // lookupKeyRead in Redis, writes (XACK, XCLAIM) included
  g = nullptr;
  if (!ok) return false;
  if (s) {
    auto it = s->groups.find(ctx.arg(2));
    if (it != s->groups.end()) g = &it->second;
  }
  return true;
}

void ack(stream::Group& g, std::map<ID, stream::PendingEntry>::iterator it) {
  it->second.consumer->pel.erase(it->first);
  g.pel.erase(it);
}

void cmd_xack(Context& ctx) {
  stream::Stream* s;
  stream::Group* g;
  if (!find_group(ctx, s, g)) return;
  if (g == nullptr) return ctx.out.integer(0);
  std::vector<ID> ids;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    auto id = parse_id_or_reply(ctx, ctx.arg(j), 0, true);
    if (!id) return;
    ids.push_back(*id);
  }
  int64_t acked = 0;
  for (const ID& id : ids) {
    auto it = g->pel.find(id);
    if (it == g->pel.end()) continue;
    ack(*g, it);
    acked++;
  }
  if (acked) ctx.changed(acked);
  ctx.out.integer(acked);
}

void cmd_xpending(Context& ctx) {
  size_t argc = ctx.argc();
  bool justinfo = argc == 3;
  if (argc != 3 && (argc < 6 || argc > 9)) return ctx.syntax_error();
  ID start, end;
  int64_t count = 0, minidle = 0;
  std::string_view consumer_name;
  bool has_consumer = false;
  if (argc >= 6) {
    size_t si = 3;
    if (util::iequals(ctx.arg(3), "idle")) {
      auto n = util::parse_int(ctx.arg(4));
      if (!n) return ctx.not_integer();
      minidle = *n;
      if (argc < 8) return ctx.syntax_error();
      si += 2;
    }
    auto n = util::parse_int(ctx.arg(si + 2));
    if (!n) return ctx.not_integer();
    count = *n < 0 ? 0 : *n;
    bool sx, ex;
    auto a = parse_interval_or_reply(ctx, ctx.arg(si), 0, &sx);
    if (!a) return;
    if (sx && !a->incr()) return ctx.out.error("ERR invalid start ID for the interval");
    auto b = parse_interval_or_reply(ctx, ctx.arg(si + 1), UINT64_MAX, &ex);
    if (!b) return;
    if (ex && !b->decr()) return ctx.out.error("ERR invalid end ID for the interval");
    start = *a;
    end = *b;
    if (si + 3 < argc) {
      consumer_name = ctx.arg(si + 3);
      has_consumer = true;
    }
  }
  stream::Stream* s;
  stream::Group* g;
  if (!find_group(ctx, s, g)) return;
  if (g == nullptr) return ctx.out.error(nogroup_error(ctx.arg(1), ctx.arg(2)));
  if (justinfo) {
    ctx.out.array_header(4);
    ctx.out.integer(static_cast<int64_t>(g->pel.size()));
    if (g->pel.empty()) {
      ctx.out.null();
      ctx.out.null();
      ctx.out.null_array();
      return;
    }
    ctx.out.bulk(g->pel.begin()->first.str());
    ctx.out.bulk(g->pel.rbegin()->first.str());
    size_t n = 0;
    for (const auto& [name, c] : g->consumers) n += c.pel.empty() ? 0 : 1;
    ctx.out.array_header(n);
    for (const auto& [name, c] : g->consumers) {
      if (c.pel.empty()) continue;
      ctx.out.array_header(2);
      ctx.out.bulk(name);
      ctx.out.bulk(std::to_string(c.pel.size()));
    }
    return;
  }
  const stream::Consumer* consumer = nullptr;
  if (has_consumer) {
    auto it = g->consumers.find(consumer_name);
    if (it == g->consumers.end()) return ctx.out.array_header(0);
    consumer = &it->second;
  }
  std::vector<std::pair<ID, const stream::PendingEntry*>> rows;
  for (auto it = g->pel.lower_bound(start); count > 0 && it != g->pel.end() && it->first <= end; ++it) {
    if (consumer && it->second.consumer != consumer) continue;
    if (minidle && ctx.now_ms - it->second.delivery_time < minidle) continue;
    rows.emplace_back(it->first, &it->second);
    count--;
  }
  ctx.out.array_header(rows.size());
  for (const auto& [id, p] : rows) {
    ctx.out.array_header(4);
    ctx.out.bulk(id.str());
    ctx.out.bulk(p->consumer->name);
    int64_t elapsed = ctx.now_ms - p->delivery_time;
    ctx.out.integer(elapsed < 0 ? 0 : elapsed);
    ctx.out.integer(static_cast<int64_t>(p->delivery_count));
  }
}

// Moves a pending entry to `to` (creating it on first use).
void reassign(stream::PendingEntry& p, ID id, stream::Consumer& to) {
  if (p.consumer == &to) return;
  if (p.consumer) p.consumer->pel.erase(id);
  p.consumer = &to;
  to.pel.insert(id);
}

void cmd_xclaim(Context& ctx) {
  stream::Stream* s;
  stream::Group* g;
  if (!find_group(ctx, s, g)) return;
  if (g == nullptr) return ctx.out.error(nogroup_error(ctx.arg(1), ctx.arg(2)));
  auto minidle = util::parse_int(ctx.arg(4));
  if (!minidle) return ctx.out.error("ERR Invalid min-idle-time argument for XCLAIM");
  int64_t min_idle = *minidle < 0 ? 0 : *minidle;
  std::vector<ID> ids;
  size_t j = 5;
  for (; j < ctx.argc(); ++j) {
    auto id = stream::parse_id(ctx.arg(j), 0, true);
    if (!id) break;
    ids.push_back(*id);
  }
  int64_t now = ctx.now_ms, delivery = -1, retry = -1;
  bool force = false, justid = false, propagate_last_id = false;
  ID last_id;
  for (; j < ctx.argc(); ++j) {
    bool more = j + 1 < ctx.argc();
    std::string_view opt = ctx.arg(j);
    auto int_opt = [&](const char* what, int64_t& out) {
      auto n = util::parse_int(ctx.arg(++j));
      if (!n) ctx.out.error(std::string("ERR Invalid ") + what + " option argument for XCLAIM");
      if (n) out = *n;
      return n.has_value();
    };
    if (util::iequals(opt, "force")) {
      force = true;
    } else if (util::iequals(opt, "justid")) {
      justid = true;
    } else if (util::iequals(opt, "idle") && more) {
      if (!int_opt("IDLE", delivery)) return;
      delivery = now - delivery;
    } else if (util::iequals(opt, "time") && more) {
      if (!int_opt("TIME", delivery)) return;
    } else if (util::iequals(opt, "retrycount") && more) {
      if (!int_opt("RETRYCOUNT", retry)) return;
    } else if (util::iequals(opt, "lastid") && more) {
      auto id = parse_id_or_reply(ctx, ctx.arg(++j), 0, true);
      if (!id) return;
      last_id = *id;
    } else {
      return ctx.out.error("ERR Unrecognized XCLAIM option '" + std::string(opt) + "'");
    }
  }
  if (last_id > g->last_id) {
    g->last_id = last_id;
    propagate_last_id = true;
  }
  if (delivery == -1 || delivery < 0 || delivery > now) delivery = now;
  ctx.custom_propagation = true;
  stream::Consumer* consumer = nullptr;
  std::vector<std::pair<ID, stream::EntryView>> claimed;
  for (const ID& id : ids) {
    auto it = g->pel.find(id);
    stream::EntryView e;
    if (!s->find(id, &e)) {
      if (it != g->pel.end()) {
        propagate_xclaim(ctx, ctx.arg(1), ctx.arg(2), *g, id, it->second);
        propagate_last_id = false;
        ctx.changed();
        ack(*g, it);
      }
      continue;
    }
    if (force && it == g->pel.end()) it = g->pel.emplace(id, stream::PendingEntry{nullptr, now, 1}).first;
    if (it == g->pel.end()) continue;
    stream::PendingEntry& p = it->second;
    if (p.consumer && min_idle && now - p.delivery_time < min_idle) continue;
    if (consumer == nullptr) {
      bool created = false;
      consumer = &g->consumer(ctx.arg(3), now, &created);
      if (created) notify(ctx, kNotifyStream, "xgroup-createconsumer", ctx.arg(1));
    }
    consumer->seen_time = now;
    p.delivery_time = delivery;
    if (retry >= 0) {
      p.delivery_count = static_cast<uint64_t>(retry);
    } else if (!justid) {
      p.delivery_count++;
    }
    reassign(p, id, *consumer);
    claimed.emplace_back(id, e);
    propagate_xclaim(ctx, ctx.arg(1), ctx.arg(2), *g, id, p);
    propagate_last_id = false;
    ctx.changed();
  }
  if (propagate_last_id) {
    ctx.propagate_as({"XGROUP", "SETID", std::string(ctx.arg(1)), std::string(ctx.arg(2)), g->last_id.str(),
                      "ENTRIESREAD", std::to_string(g->entries_read)});
    ctx.changed();
  }
  ctx.out.array_header(claimed.size());
  for (const auto& [id, e] : claimed) {
    if (justid) {
      ctx.out.bulk(id.str());
    } else {
      reply_entry(ctx.out, e);
    }
  }
}

void cmd_xautoclaim(Context& ctx) {
  auto minidle = util::parse_int(ctx.arg(4));
  if (!minidle) return ctx.out.error("ERR Invalid min-idle-time argument for XAUTOCLAIM");
  int64_t min_idle = *minidle < 0 ? 0 : *minidle;
  bool sx;
  auto start = parse_interval_or_reply(ctx, ctx.arg(5), 0, &sx);
  if (!start) return;
  if (sx && !start->incr()) return ctx.out.error("ERR invalid start ID for the interval");
  int64_t count = 100;
  bool justid = false;
  for (size_t j = 6; j < ctx.argc(); ++j) {
    bool more = j + 1 < ctx.argc();
    if (util::iequals(ctx.arg(j), "count") && more) {
      auto n = util::parse_int(ctx.arg(j + 1));
      if (!n || *n < 1 || *n > INT64_MAX / 16) return ctx.out.error("ERR COUNT must be > 0");
      count = *n;
      j++;
    } else if (util::iequals(ctx.arg(j), "justid")) {
      justid = true;
    } else {
      return ctx.syntax_error();
    }
  }
  stream::Stream* s;
  stream::Group* g;
  if (!find_group(ctx, s, g)) return;
  if (g == nullptr) return ctx.out.error(nogroup_error(ctx.arg(1), ctx.arg(2)));
  ctx.custom_propagation = true;
  int64_t attempts = count * 10;
  int64_t now = ctx.now_ms;
  stream::Consumer* consumer = nullptr;
  std::vector<std::pair<ID, stream::EntryView>> claimed;
  std::vector<ID> deleted;
  auto it = g->pel.lower_bound(*start);
  while (attempts-- > 0 && count > 0 && it != g->pel.end()) {
    ID id = it->first;
    stream::PendingEntry& p = it->second;
    stream::EntryView e;
    if (!s->find(id, &e)) {
      propagate_xclaim(ctx, ctx.arg(1), ctx.arg(2), *g, id, p);
      ctx.changed();
      auto next = std::next(it);
      ack(*g, it);
      it = next;
      deleted.push_back(id);
      count--;
      continue;
    }
    if (min_idle && now - p.delivery_time < min_idle) {
      ++it;
      continue;
    }
    if (consumer == nullptr) {
      bool created = false;
      consumer = &g->consumer(ctx.arg(3), now, &created);
      if (created) notify(ctx, kNotifyStream, "xgroup-createconsumer", ctx.arg(1));
    }
    consumer->seen_time = now;
    p.delivery_time = now;
    if (!justid) p.delivery_count++;
    reassign(p, id, *consumer);
    claimed.emplace_back(id, e);
    count--;
    propagate_xclaim(ctx, ctx.arg(1), ctx.arg(2), *g, id, p);
    ctx.changed();
    ++it;
  }
  ctx.out.array_header(3);
  ctx.out.bulk(it == g->pel.end() ? "0-0" : it->first.str());
  ctx.out.array_header(claimed.size());
  for (const auto& [id, e] : claimed) {
    if (justid) {
      ctx.out.bulk(id.str());
    } else {
      reply_entry(ctx.out, e);
    }
  }
  ctx.out.array_header(deleted.size());
  for (const ID& id : deleted) ctx.out.bulk(id.str());
}

}  // namespace

void register_stream_group_commands(CommandTable& t) {
  t.add("xgroup", -2, kWrite | kSubcommands, cmd_xgroup, 2, 2, 1);
  t.add("xack", -4, kWrite | kFast, cmd_xack, 1, 1, 1);
  t.add("xpending", -3, kReadOnly, cmd_xpending, 1, 1, 1);
  t.add("xclaim", -6, kWrite | kFast, cmd_xclaim, 1, 1, 1);
  t.add("xautoclaim", -6, kWrite | kFast, cmd_xautoclaim, 1, 1, 1);
}

}  // namespace datanode
