#include "datanode/store/rewrite.h"

#include "common/util/strings.h"

namespace store {
namespace {

// Collects the arguments of one chunked command. Element strings are copied because a zset score
// has to be formatted into text and views must stay valid until the command is emitted.
class Chunker {
 public:
  Chunker(const char* name, std::string_view key, size_t per_command, const EmitFn& emit)
      : name_(name), key_(key), per_command_(per_command), emit_(emit) {}

  void add(std::string_view a) {
    pending_.emplace_back(a);
    if (++items_ >= per_command_) flush();
  }
  void add_pair(std::string_view a, std::string_view b) {
    pending_.emplace_back(a);
    pending_.emplace_back(b);
    if (++items_ >= per_command_) flush();
  }
  void flush() {
    if (pending_.empty()) return;
    argv_.clear();
    argv_.push_back(name_);
    argv_.push_back(key_);
    for (const std::string& s : pending_) argv_.push_back(s);
    emit_(argv_);
    pending_.clear();
    items_ = 0;
  }

 private:
  std::string_view name_;
  std::string_view key_;
  size_t per_command_;
  const EmitFn& emit_;
  size_t items_ = 0;
  std::vector<std::string> pending_;
  std::vector<std::string_view> argv_;
};

}  // namespace

void rewrite_key(std::string_view key, const Value& value, int64_t expire_at_ms, const EmitFn& emit,
                 size_t items_per_command) {
  if (items_per_command == 0) items_per_command = kRewriteItemsPerCommand;
  switch (value.type()) {
    case Type::kString: {
      std::vector<std::string_view> argv = {"SET", key, value.str()};
      emit(argv);
      break;
    }
    case Type::kList: {
      Chunker c("RPUSH", key, items_per_command, emit);
      for (std::string_view e : value.list()) c.add(e);
      c.flush();
      break;
    }
    case Type::kHash: {
      Chunker c("HSET", key, items_per_command, emit);
      for (const auto& [field, v] : value.hash()) c.add_pair(field, v);
      c.flush();
      break;
    }
    case Type::kSet: {
      Chunker c("SADD", key, items_per_command, emit);
      for (std::string_view m : value.set()) c.add(m);
      c.flush();
      break;
    }
    case Type::kZSet: {
      Chunker c("ZADD", key, items_per_command, emit);
      value.zset().for_each(
          [&](const std::string& member, double score) { c.add_pair(util::format_double(score), member); });
      c.flush();
      break;
    }
    case Type::kStream: rewrite_stream(key, value.stream(), emit); break;
  }
  if (expire_at_ms >= 0) {
    std::string at = std::to_string(expire_at_ms);
    std::vector<std::string_view> argv = {"PEXPIREAT", key, at};
    emit(argv);
  }
}

size_t rewrite_database(const Database& db, int64_t now_ms, const EmitFn& emit) {
  size_t keys = 0;
  for (const auto& [key, value] : db.entries()) {
    int64_t at = db.volatile_count() > 0 ? db.expire_at(key) : -1;
    // A key past its time is skipped: the parent removes it (and logs the DEL) on its next access.
    if (at >= 0 && at <= now_ms) continue;
    // Empty aggregates should not exist; never write a command that would fail on load.
    if (value.type() != Type::kString && value.type() != Type::kStream && value.length() == 0) continue;
    rewrite_key(key, value, at, emit);
    ++keys;
  }
  return keys;
}

}  // namespace store
