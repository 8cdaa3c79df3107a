// MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP and LOLWUT. Sizes are estimates of what
// this server allocates for a key (entry, key bytes, value and its containers), not Redis' figures.
#include <algorithm>

#include "common/command/help.h"
#include "common/memory/allocator.h"
#include "datanode/commands/families.h"
#include "datanode/memory/memory.h"
#include "datanode/server/info.h"
#include "datanode/store/key_entry.h"

namespace datanode {
namespace {

using namespace command;

// Heap bytes of a string's buffer beyond its inline storage (small strings live inside std::string).
size_t string_heap(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

// Per-member overhead of a sorted set's index and skip-list node (pointers, cached hash, ~1.33 levels).
constexpr size_t kNodeOverhead = 2 * sizeof(void*) + sizeof(size_t);

// Estimates a value's size from `samples` elements (0: all), scaled to the element count, as Redis'
// objectComputeSize samples nested values.
size_t value_size(const store::Value& v, int64_t samples) {
  size_t n = v.length();
  auto limit = static_cast<size_t>(samples <= 0 ? INT64_MAX : samples);
  size_t sampled = 0, bytes = 0;
  auto scale = [&](size_t container) {
    if (sampled == 0) return container;
    return container + bytes * n / sampled;
  };
  switch (v.type()) {
    case store::Type::kString: return string_heap(v.str());
    case store::Type::kList:
      // Exact, not sampled: a list is a few packed nodes.
      return sizeof(store::List) + v.list().allocated_bytes();
    case store::Type::kHash:
      // Exact, not sampled: a packed hash is one buffer, a table's strings are counted as they are.
      return sizeof(store::Hash) + v.hash().allocated_bytes();
    case store::Type::kSet:
      // Exact, not sampled: an intset is one buffer, a table's strings are counted as they are.
      return sizeof(store::Set) + v.set().allocated_bytes();
    case store::Type::kZSet: {
      size_t i = 0;
      v.zset().for_each([&](const std::string& m, double) {
        if (i++ >= limit) return;
        // Skip-list node (member, score, ~1.33 levels) plus the member index entry.
        bytes += 2 * kNodeOverhead + sizeof(std::string) + sizeof(double) + string_heap(m) + m.size();
        sampled++;
      });
      return scale(sizeof(store::ZSet));
    }
    case store::Type::kStream: return v.stream().memory_usage();
  }
  return 0;
}

void memory_usage(Context& ctx) {
  int64_t samples = 5;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (util::iequals(ctx.arg(j), "samples") && j + 1 < ctx.argc()) {
      auto n = util::parse_int(ctx.arg(j + 1));
      if (!n) return ctx.not_integer();
      if (*n < 0) return ctx.syntax_error();
      samples = *n;
      ++j;
    } else {
      return ctx.syntax_error();
    }
  }
  std::string_view key = ctx.arg(2);
  store::Value* v = ctx.db().peek(key, ctx.now_ms);
  if (v == nullptr) return ctx.out.null();
  size_t usage = sizeof(store::KeyEntry) + key.size() + sizeof(void*) + value_size(*v, samples);
  if (ctx.db().expire_at(key) >= 0) usage += sizeof(store::ExpireEntry) + sizeof(void*);
  ctx.out.integer(static_cast<int64_t>(usage));
}

void memory_stats(Context& ctx) {
  Server& s = ctx.server;
  allocator::Stats alloc = allocator::stats();
  int64_t used = alloc.allocated;
  int64_t rss = process_rss_bytes();
  int64_t active = std::max(alloc.active, used), resident = std::max(alloc.resident, active);
  auto div = [](int64_t a, int64_t b) {
    return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
  };
  s.note_memory_peak(used);
  int64_t peak = s.memory_peak(), startup = s.memory_startup();
  std::vector<std::pair<int, const store::Database*>> dbs;
  int64_t keys = 0, overhead_dbs = 0;
  for (const store::Database& db : s.databases()) {
    if (db.size() == 0 && db.volatile_count() == 0) continue;
    dbs.emplace_back(db.index(), &db);
    keys += static_cast<int64_t>(db.size());
  }
  int64_t clients = 0;
  for (const auto& [id, c] : s.clients())
    if (c->conn)
      clients += static_cast<int64_t>(c->conn->pending_output()) + static_cast<int64_t>(sizeof(Client));
  ctx.out.map_header(27 + dbs.size());
  auto field = [&](const char* name, int64_t v) {
    ctx.out.bulk(name);
    ctx.out.integer(v);
  };
  auto ratio = [&](const char* name, double v) {
    ctx.out.bulk(name);
    ctx.out.double_value(v);
  };
  field("peak.allocated", peak);
  field("total.allocated", used);
  field("startup.allocated", startup);
  Memory* memory = s.memory();
  field("replication.backlog", 0);
  field("clients.slaves", memory ? memory->not_counted() : 0);
  field("clients.normal", clients);
  field("cluster.links", 0);
  field("aof.buffer", 0);
  field("lua.caches", 0);
  field("functions.caches", 0);
  for (const auto& [index, db] : dbs) {
    ctx.out.bulk("db." + std::to_string(index));
    ctx.out.map_header(3);
    int64_t main = static_cast<int64_t>(db->keys_table().buckets() * sizeof(void*) +
                                        db->size() * sizeof(store::KeyEntry));
    int64_t expires = static_cast<int64_t>(db->expires_table().buckets() * sizeof(void*) +
                                           db->volatile_count() * sizeof(store::ExpireEntry));
    overhead_dbs += main + expires;
    field("overhead.hashtable.main", main);
    field("overhead.hashtable.expires", expires);
    field("overhead.hashtable.slot-to-keys", 0);
  }
  int64_t overhead = startup + clients + overhead_dbs;
  int64_t dataset = std::max<int64_t>(0, used - overhead);
  field("overhead.total", overhead);
  field("keys.count", keys);
  field("keys.bytes-per-key", keys ? (used - startup) / keys : 0);
  field("dataset.bytes", dataset);
  ratio("dataset.percentage",
        used > startup ? 100.0 * static_cast<double>(dataset) / static_cast<double>(used - startup) : 0.0);
  ratio("peak.percentage", peak ? 100.0 * static_cast<double>(used) / static_cast<double>(peak) : 0.0);
  field("allocator.allocated", used);
  field("allocator.active", active);
  field("allocator.resident", resident);
  ratio("allocator-fragmentation.ratio", div(active, used));
  field("allocator-fragmentation.bytes", active - used);
  ratio("allocator-rss.ratio", div(resident, active));
  field("allocator-rss.bytes", resident - active);
  ratio("rss-overhead.ratio", div(rss, resident));
  field("rss-overhead.bytes", rss - resident);
  ratio("fragmentation", used ? static_cast<double>(rss) / static_cast<double>(used) : 0.0);
  field("fragmentation.bytes", rss - used);
}

std::string memory_doctor(Context& ctx) {
  int64_t used = malloc_used_bytes();
  if (used < 5 * 1024 * 1024) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used "
           "in "
           "these conditions. Please, leave for your mission on Earth and fill it with some data. The new "
           "Sam and "
           "I will be back to our programming as soon as I finished rebooting.\n";
  }
  int64_t peak = ctx.server.memory_peak(), rss = process_rss_bytes();
  std::string issues;
  if (peak > used * 3 / 2)
    issues +=
        " * Peak memory: this instance once used more than 150% of the memory it uses now; the allocator "
        "keeps most of that memory, which shows as fragmentation until the data set grows again.\n\n";
  if (rss > used * 14 / 10 && rss - used > 10 * 1024 * 1024)
    issues += " * High fragmentation: the resident set is more than 1.4 times the memory in use.\n\n";
  if (issues.empty())
    return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on "
           "this "
           "base.\n";
  return "Sam, I detected a few issues in this Redis instance memory implants:\n\n" + issues +
         "I'm here to keep you safe, Sam. I want to help you.\n";
}

void cmd_memory(Context& ctx) {
  std::string_view sub = ctx.arg(1);
  size_t n = ctx.argc();
  struct Sub {
    const char* name;
    int arity;
  };
  static const Sub kSubs[] = {{"usage", -3},       {"stats", 2}, {"doctor", 2},
                              {"malloc-stats", 2}, {"purge", 2}, {"help", 2}};
  const Sub* found = nullptr;
  for (const Sub& s : kSubs)
    if (util::iequals(sub, s.name)) found = &s;
  if (found == nullptr) return ctx.out.error(unknown_subcommand_error(sub, "memory"));
  if (found->arity > 0 ? n != static_cast<size_t>(found->arity) : n < static_cast<size_t>(-found->arity))
    return ctx.out.error(wrong_sub_arity_error("memory", sub));
  std::string_view name = found->name;
  if (name == "usage") return memory_usage(ctx);
  if (name == "stats") return memory_stats(ctx);
  if (name == "doctor") return ctx.out.verbatim(memory_doctor(ctx));
  if (name == "malloc-stats") {
    if (!allocator::is_jemalloc()) return ctx.out.bulk("Stats not supported for the current allocator");
    return ctx.out.verbatim(allocator::malloc_stats_text());
  }
  if (name == "purge")
    return allocator::purge() ? ctx.out.ok() : ctx.out.error("ERR Error purging dirty pages");
  reply_help(ctx.out, "memory",
             {"DOCTOR", "    Return memory problems reports.", "MALLOC-STATS",
              "    Return internal statistics report from the memory allocator.", "PURGE",
              "    Attempt to purge dirty pages for reclamation by the allocator.", "STATS",
              "    Return information about the memory usage of the server.", "USAGE <key> [SAMPLES <count>]",
              "    Return memory in bytes used by <key> and its value. Nested values are",
              "    sampled up to <count> times (default: 5, 0 means sample all)."});
}

// A small maze of slashes: the art differs from Redis' (any art will do); the version line does not.
std::string lolwut_art(int64_t version) {
  std::string out;
  uint64_t x = 88172645463325252ull + static_cast<uint64_t>(version);
  for (int row = 0; row < 8; ++row) {
    for (int col = 0; col < 40; ++col) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      out += (x & 1) ? "\xe2\x95\xb1" : "\xe2\x95\xb2";  // U+2571 / U+2572
    }
    out += '\n';
  }
  return out;
}

void cmd_lolwut(Context& ctx) {
  std::string text;
  if (ctx.argc() >= 3 && util::iequals(ctx.arg(1), "version")) {
    auto v = util::parse_int(ctx.arg(2));
    if (!v) return ctx.not_integer();
    auto major = static_cast<uint32_t>(*v);
    if (major == 5 || major == 6) text = lolwut_art(major) + "\n";
  }
  ctx.out.verbatim(text + "Redis ver. 7.0.15\n");
}

}  // namespace

void register_memory_commands(CommandTable& t) {
  t.add("memory", -2, kSubcommands, cmd_memory, 2, 2, 1);
  t.add("lolwut", -1, kReadOnly | kFast, cmd_lolwut);
}

}  // namespace datanode
