// OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT | HELP. Hashes and sets report the form they are kept in
// (listpack or hashtable, intset or hashtable, converted one way as in Redis); lists are quicklists as
// in Redis 7.0. Sorted sets are stored one way, so theirs is the encoding Redis 7.0 would have chosen
// for the value as it is now under zset-max-listpack-*: Redis never converts a collection back when it
// shrinks, and reports "raw" for short strings built by APPEND or SETRANGE; those histories are not
// kept, so a shrunk sorted set or an appended short string reports the compact encoding here.
#include <climits>

#include "common/command/help.h"
#include "datanode/commands/families.h"
#include "datanode/commands/server_family.h"
#include "datanode/memory/memory.h"
#include "datanode/rdb/encoder.h"

namespace datanode {
namespace {

using namespace command;

constexpr int64_t kSharedIntegers = 10000;  // Redis' OBJ_SHARED_INTEGERS

bool lru_or_lfu(const Settings& s) {
  return s.maxmemory_policy.find("lru") != std::string::npos ||
         s.maxmemory_policy.find("lfu") != std::string::npos;
}

const char* encoding_of(const store::Value& v, const Settings& s) {
  switch (v.type()) {
    case store::Type::kString: {
      const std::string& str = v.str();
      if (str.size() <= 20 && util::parse_int(str)) return "int";
      return str.size() <= 44 ? "embstr" : "raw";
    }
    case store::Type::kList:
      return "quicklist";  // every list is a quicklist in 7.0 (7.2 added small listpack lists)
    case store::Type::kHash: return v.hash().packed() ? "listpack" : "hashtable";
    case store::Type::kSet: return v.set().intset() ? "intset" : "hashtable";
    case store::Type::kZSet: {
      const store::ZSet& z = v.zset();
      if (static_cast<int64_t>(z.size()) > s.zset_max_listpack_entries) return "skiplist";
      bool small = true;
      z.for_each([&](const std::string& m, double) {
        small = small && static_cast<int64_t>(m.size()) <= s.zset_max_listpack_value;
      });
      return small ? "listpack" : "skiplist";
    }
    case store::Type::kStream: return "stream";
  }
  return "raw";
}

void cmd_object(Context& ctx) {
  std::string sub = util::to_lower(ctx.arg(1));
  bool known = sub == "encoding" || sub == "freq" || sub == "idletime" || sub == "refcount" || sub == "help";
  if (!known) return ctx.out.error(unknown_subcommand_error(ctx.arg(1), "object"));
  if (ctx.argc() != (sub == "help" ? 2u : 3u)) return ctx.out.error(wrong_sub_arity_error("object", sub));
  if (sub == "help") {
    return reply_help(
        ctx.out, "object",
        {"ENCODING <key>", "    Return the kind of internal representation used in order to store the value",
         "    associated with a <key>.", "FREQ <key>",
         "    Return the access frequency index of the <key>. The returned integer is",
         "    proportional to the logarithm of the recent access frequency of the key.", "IDLETIME <key>",
         "    Return the idle time of the <key>, that is the approximated number of",
         "    seconds elapsed since the last access to the key.", "REFCOUNT <key>",
         "    Return the number of references of the value associated with the specified", "    <key>."});
  }
  std::string_view key = ctx.arg(2);
  // Looked at without counting as an access, like Redis' LOOKUP_NOTOUCH.
  int64_t idle = ctx.db().idle_seconds(key, ctx.now_ms);
  // Redis reads with LOOKUP_NOTOUCH|LOOKUP_NONOTIFY: the hit or miss counts, but a miss is no keymiss.
  store::Value* v = ctx.db().peek(key, ctx.now_ms);
  (v ? ctx.server.stats().keyspace_hits : ctx.server.stats().keyspace_misses)++;
  if (v == nullptr) return ctx.out.null();
  const Settings& settings = ctx.server.settings();
  bool lfu = settings.maxmemory_policy.find("lfu") != std::string::npos;
  if (sub == "encoding") return ctx.out.bulk(encoding_of(*v, settings));
  if (sub == "refcount") {
    // Small integers are shared objects in Redis (OBJ_SHARED_REFCOUNT), unless an LRU/LFU eviction
    // policy with a memory limit needs per-key access data.
    bool shared = false;
    if (v->type() == store::Type::kString && (settings.maxmemory == 0 || !lru_or_lfu(settings))) {
      auto n = util::parse_int(v->str());
      shared = n && *n >= 0 && *n < kSharedIntegers;
    }
    return ctx.out.integer(shared ? INT_MAX : 1);
  }
  if (sub == "idletime") {
    if (lfu)
      return ctx.out.error(
          "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
          "switching between policies at runtime LRU and LFU data will take some time to adjust.");
    return ctx.out.integer(idle);
  }
  if (!lfu)
    return ctx.out.error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
  Memory* memory = ctx.server.memory();
  ctx.out.integer(memory ? memory->lfu_frequency(ctx.client.db, key, ctx.now_ms) : 5);
}

}  // namespace

void debug_object(Context& ctx) {
  std::string_view key = ctx.arg(2);
  int64_t idle = ctx.db().idle_seconds(key, ctx.now_ms);
  store::Value* v = ctx.db().peek(key, ctx.now_ms);
  if (v == nullptr) return ctx.out.error("ERR no such key");
  // serializedlength: the value's RDB payload, without the type byte and the (empty) key.
  std::string payload;
  rdb::Encoder(&payload).key_value("", *v, -1);
  char line[256];
  snprintf(line, sizeof line,
           "Value at:%p refcount:1 encoding:%s serializedlength:%zu lru:%lld lru_seconds_idle:%lld",
           static_cast<void*>(v), encoding_of(*v, ctx.server.settings()), payload.size() - 2,
           static_cast<long long>((ctx.now_ms / 1000 - idle) & ((1 << 24) - 1)),
           static_cast<long long>(idle));
  ctx.out.simple(line);
}

void register_object_commands(CommandTable& t) {
  t.add("object", -2, kReadOnly | kSubcommands, cmd_object, 2, 2, 1);
}

}  // namespace datanode
